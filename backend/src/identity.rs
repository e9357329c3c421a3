//! Optional signed identity: with `AUTH_SECRET` set, a client proves who it is
//! with an HS256 JSON Web Token in `hello`, issued by the operator's own login
//! service. The token names the user (`sub`), the display name they chat
//! under (`name`), the rooms they may join (`rooms`: exact names, prefixes
//! ending in `*`, or `*` for all) and when it expires (`exp`, seconds since
//! the epoch). Without a secret the node is open and anonymous.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use roomcast_protocol::{DisplayName, RoomName};
use serde::Deserialize;

/// The token secret: printed as `***` wherever settings are printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        if value.len() < 16 {
            return Err("AUTH_SECRET must be at least 16 characters long".to_owned());
        }
        Ok(Secret(value.to_owned()))
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub name: DisplayName,
    rooms: Vec<String>,
    /// When the token stops being valid.
    pub expires: SystemTime,
}

impl Identity {
    /// Whether the token lets its holder into `room`.
    pub fn may_join(&self, room: &RoomName) -> bool {
        self.rooms.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => room.as_str().starts_with(&prefix.to_ascii_lowercase()),
            None => pattern.eq_ignore_ascii_case(room.as_str()),
        })
    }

    /// How long until the token expires (zero when it has).
    pub fn remaining(&self) -> Duration {
        self.expires.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("this server requires an identity token in hello")]
    Missing,
    #[error("the identity token is not valid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the identity token's name is not a valid display name: {0}")]
    BadName(#[from] roomcast_protocol::NameError),
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    name: String,
    #[serde(default)]
    rooms: Vec<String>,
    exp: u64,
}

/// Checks tokens against the operator's secret.
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.write_str("Verifier { HS256 }")
    }
}

impl Verifier {
    pub fn new(secret: &Secret) -> Self {
        Verifier::from_bytes(secret.0.as_bytes())
    }

    fn from_bytes(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        // A token is expired when its time is up, not a minute later.
        validation.leeway = 0;
        Verifier { key: DecodingKey::from_secret(secret), validation }
    }

    pub fn verify(&self, token: Option<&str>) -> Result<Identity, IdentityError> {
        let token = token.ok_or(IdentityError::Missing)?;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)?.claims;
        Ok(Identity {
            name: DisplayName::parse(&claims.name)?,
            user: claims.sub,
            rooms: claims.rooms,
            expires: UNIX_EPOCH + Duration::from_secs(claims.exp),
        })
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    fn token(secret: &str, exp: u64, rooms: &[&str]) -> String {
        let claims = json!({"sub": "u-42", "name": " Ada ", "rooms": rooms, "exp": exp});
        encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    }

    fn in_an_hour() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600
    }

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    #[test]
    fn a_good_token_names_the_user_and_the_rooms_they_may_join() {
        let verifier = Verifier::from_bytes(b"s3cret");
        let identity = verifier.verify(Some(&token("s3cret", in_an_hour(), &["general", "team-*"]))).unwrap();
        assert_eq!((identity.user.as_str(), identity.name.as_str()), ("u-42", "Ada"));
        assert!(identity.may_join(&room("general")));
        assert!(identity.may_join(&room("team-rust")));
        assert!(!identity.may_join(&room("random")));
        assert!(identity.remaining() > Duration::from_secs(3500));
    }

    #[test]
    fn forged_expired_and_missing_tokens_are_refused() {
        let verifier = Verifier::from_bytes(b"s3cret");
        assert!(matches!(verifier.verify(None), Err(IdentityError::Missing)));
        assert!(matches!(
            verifier.verify(Some(&token("guess", in_an_hour(), &["*"]))),
            Err(IdentityError::Invalid(_))
        ));
        assert!(matches!(
            verifier.verify(Some(&token("s3cret", 1_000, &["*"]))),
            Err(IdentityError::Invalid(_))
        ));
        assert!(matches!(verifier.verify(Some("not.a.token")), Err(IdentityError::Invalid(_))));
    }
}
