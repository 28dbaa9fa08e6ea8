//! R3 for the generated VBR models: the secret properties (`cargo xtask regen` types them
//! `restpoint_session::SecretField`) never show in `Debug` and still go on the wire; the token
//! operations belong to the session and are not in the generated client.

use restpoint_session::SecretField;
use restpoint_vbr::generated::types::{
    AuthorizationCodeModel, ELoginGrantType, TokenLoginSpec, TokenModel, builder,
};

const PASSWORD: &str = "pw-Generated-Secret-0001";
const REFRESH: &str = "rt-Generated-Secret-0002";
const CODE: &str = "code-Generated-Secret-0003";
const VBR_TOKEN: &str = "vbr-Generated-Secret-0004";
const ACCESS: &str = "at-Generated-Secret-0005";

fn assert_hidden(printed: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !printed.contains(secret),
            "a secret of {} chars was printed",
            secret.len()
        );
    }
    assert!(printed.contains("<redacted>"), "{printed}");
}

fn login_spec() -> TokenLoginSpec {
    TokenLoginSpec {
        code: Some(SecretField::from(CODE)),
        grant_type: ELoginGrantType::Password,
        password: Some(SecretField::from(PASSWORD)),
        refresh_token: Some(SecretField::from(REFRESH)),
        use_short_term_refresh: None,
        username: Some("admin".into()),
        vbr_token: Some(SecretField::from(VBR_TOKEN)),
    }
}

#[test]
fn token_types_print_no_secret_and_serialize_every_one() {
    let all = [PASSWORD, REFRESH, CODE, VBR_TOKEN, ACCESS];
    let spec = login_spec();
    for printed in [format!("{spec:?}"), format!("{spec:#?}")] {
        assert_hidden(&printed, &all);
        assert!(printed.contains("admin"), "the user name is not a secret");
    }
    let builder = builder::TokenLoginSpec::from(spec.clone());
    assert_hidden(&format!("{builder:?} {builder:#?}"), &all);

    // The wire form carries every value (a token request needs them).
    let json = serde_json::to_string(&spec).unwrap();
    for secret in [PASSWORD, REFRESH, CODE, VBR_TOKEN] {
        assert!(json.contains(secret), "{secret} missing from {json}");
    }

    let answer = format!(
        r#"{{"access_token":"{ACCESS}","token_type":"bearer","refresh_token":"{REFRESH}","expires_in":900}}"#
    );
    let token: TokenModel = serde_json::from_str(&answer).unwrap();
    assert_eq!(
        token.access_token.as_ref().map(SecretField::expose),
        Some(ACCESS)
    );
    assert_hidden(&format!("{token:?} {token:#?}"), &all);
    let builder = builder::TokenModel::from(token.clone());
    assert_hidden(&format!("{builder:?} {builder:#?}"), &all);
    // PascalCase answers (VBR-11 tolerance) land in the same secret fields.
    let pascal: TokenModel =
        serde_json::from_str(&format!(r#"{{"Access_token":"{ACCESS}"}}"#)).unwrap();
    assert_eq!(pascal.access_token, token.access_token);

    let code: AuthorizationCodeModel =
        serde_json::from_str(&format!(r#"{{"code":"{CODE}"}}"#)).unwrap();
    assert_hidden(&format!("{code:?} {code:#?}"), &all);
    assert_eq!(code.code.expose(), CODE);
}

/// The session owns the OAuth 2.0 operations (logon, refresh, authorization codes, logout):
/// the generated client has no builder for them, so no caller can send them behind the session's
/// back. (Their absence cannot be asserted at compile time, so the generated source is read.)
#[test]
fn the_sessions_operations_are_not_in_the_generated_client() {
    let source = include_str!("../src/generated/mod.rs");
    for (method, operation_id) in [
        ("create_token", "CreateToken"),
        ("create_authorization_code", "CreateAuthorizationCode"),
        ("logout", "Logout"),
    ] {
        assert!(
            !source.contains(&format!("pub fn {method}(")),
            "the generated client exposes {method}"
        );
        assert!(
            !source.contains(&format!("\"{operation_id}\"")),
            "an operation {operation_id} is generated"
        );
    }
    for path in [
        "/api/oauth2/token",
        "/api/oauth2/authorization_code",
        "/api/oauth2/logout",
    ] {
        assert!(
            !source.contains(&format!("`{path}`")),
            "{path} is generated"
        );
    }
    // The operations the session does not own are there.
    assert!(source.contains("pub fn get_all_jobs("));
    // The token models stay, with their secrets redacted (above).
    assert!(source.contains("pub struct TokenLoginSpec"));
    assert!(source.contains("pub struct TokenModel"));
}

#[test]
fn progenitors_response_value_is_not_public() {
    let source = include_str!("../src/generated/mod.rs");
    let public_use = source
        .lines()
        .filter(|l| l.trim_start().starts_with("pub use progenitor_client"))
        .collect::<Vec<_>>();
    assert!(!public_use.is_empty(), "the re-export line moved");
    for line in public_use {
        assert!(!line.contains("ResponseValue"), "{line}");
        assert!(!line.contains("Error"), "{line}");
    }
    for (at, _) in source.match_indices("pub async fn send(") {
        let signature: String = source[at..].chars().take(200).collect();
        assert!(!signature.contains("ResponseValue"), "{signature}");
    }
}
