//! Where the WebSocket is. By default the page talks to the host that served
//! it (`ws://` or `wss://` + host + `/ws`), so one build works behind any
//! domain. A deployer who hosts the page elsewhere edits `config.json` next to
//! `index.html` (no rebuild): `{"websocket_url": "wss://chat.example.com/ws"}`,
//! or a path such as `"/chat/ws"` on the page's own host.
//!
//! Where the server requires signed identity, the page needs a token: from
//! `config.json` (`{"token": "…"}`, for a login service that serves it per
//! user) or from the address's fragment (`#token=…`, for a link a login page
//! redirects to; the fragment never reaches any server).

use serde::Deserialize;

/// The runtime configuration file, fetched from `/config.json` at start-up.
/// Every field is optional; a missing or unreadable file means the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RuntimeConfig {
    #[serde(default)]
    pub websocket_url: Option<String>,
    /// An identity token for `hello`.
    #[serde(default)]
    pub token: Option<String>,
}

/// The token in an address fragment such as `#token=eyJ…` (with or without
/// the `#`, possibly among other `key=value` pairs joined by `&`).
pub fn token_from_fragment(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// The WebSocket address for a page served at `protocol` (`"https:"`) and
/// `host` (`"example.com:8443"`), given the configured override if any.
pub fn websocket_url(protocol: &str, host: &str, configured: Option<&str>) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    match configured.map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) if url.starts_with("ws://") || url.starts_with("wss://") => url.to_owned(),
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            // An http(s) address of the backend: same place, WebSocket scheme.
            url.replacen("http", "ws", 1)
        }
        Some(path) if path.starts_with('/') => format!("{scheme}://{host}{path}"),
        Some(other) => format!("{scheme}://{host}/{other}"),
        None => format!("{scheme}://{host}/ws"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_follows_the_page() {
        assert_eq!(websocket_url("http:", "localhost:8080", None), "ws://localhost:8080/ws");
        assert_eq!(websocket_url("https:", "chat.example.com", None), "wss://chat.example.com/ws");
        assert_eq!(websocket_url("https:", "chat.example.com", Some("  ")), "wss://chat.example.com/ws");
    }

    #[test]
    fn a_configured_address_wins() {
        let cases = [
            ("wss://api.example.com/ws", "wss://api.example.com/ws"),
            ("ws://10.0.0.5:8080/ws", "ws://10.0.0.5:8080/ws"),
            ("https://api.example.com/ws", "wss://api.example.com/ws"),
            ("http://api.example.com/ws", "ws://api.example.com/ws"),
            ("/chat/ws", "wss://page.example.com/chat/ws"),
            ("socket", "wss://page.example.com/socket"),
        ];
        for (configured, expected) in cases {
            assert_eq!(websocket_url("https:", "page.example.com", Some(configured)), expected);
        }
    }

    #[test]
    fn the_config_file_may_leave_everything_out() {
        let with_token: RuntimeConfig = serde_json::from_str(r#"{"token": "abc"}"#).unwrap();
        assert_eq!(with_token.token.as_deref(), Some("abc"));
        let empty: RuntimeConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, RuntimeConfig::default());
        let set: RuntimeConfig = serde_json::from_str(r#"{"websocket_url": "/ws2", "extra": 1}"#).unwrap();
        assert_eq!(set.websocket_url.as_deref(), Some("/ws2"));
        let null: RuntimeConfig = serde_json::from_str(r#"{"websocket_url": null}"#).unwrap();
        assert_eq!(null.websocket_url, None);
    }

    #[test]
    fn a_token_comes_from_the_fragment_when_there_is_one() {
        assert_eq!(token_from_fragment("#token=eyJ.a.b"), Some("eyJ.a.b".into()));
        assert_eq!(token_from_fragment("room=x&token=t1"), Some("t1".into()));
        assert_eq!(token_from_fragment("#token="), None);
        assert_eq!(token_from_fragment(""), None);
    }
}
