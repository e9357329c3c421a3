//! `hello`: the protocol version both sides speak, the display name, and,
//! where the node requires identity, the token that says who this is (its
//! name then comes from the token, and the connection ends when it expires).

use std::borrow::Cow;

use roomcast_protocol::limits::MAX_TEXT_CHARS;
use roomcast_protocol::{version, DisplayName, ErrorCode, ServerFrame};

use super::Session;

impl Session {
    pub(super) fn hello(&mut self, raw: &str, offered: Option<u32>, token: Option<&str>) {
        let protocol = match version::negotiate(offered) {
            Ok(protocol) => protocol,
            Err(err) => return self.fail(ErrorCode::UnsupportedProtocol, err.to_string(), None, None),
        };
        let name = match &self.node.identity {
            Some(verifier) => match verifier.verify(token) {
                Ok(identity) => {
                    let name = identity.name.clone();
                    self.token_deadline = Some(tokio::time::Instant::now() + identity.remaining());
                    self.identity = Some(Box::new(identity));
                    name
                }
                Err(err) => {
                    self.fail(ErrorCode::Unauthorized, err.to_string(), None, None);
                    return self.strike();
                }
            },
            None => match DisplayName::parse(raw) {
                Ok(name) => name,
                Err(err) => return self.fail(err.code(), err.to_string(), None, None),
            },
        };
        self.reply(&ServerFrame::Welcome {
            name: Cow::Borrowed(name.as_str()),
            node: Cow::Borrowed(&self.node.name),
            max_rooms: self.node.settings.max_rooms,
            max_text_chars: MAX_TEXT_CHARS,
            protocol,
            user: self.identity.as_ref().map(|identity| Cow::Borrowed(identity.user.as_str())),
        });
        if let Some(old) = self.name.replace(name) {
            self.renamed(&old);
        }
        self.protocol = protocol;
    }
}
