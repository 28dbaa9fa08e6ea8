//! R3 for the generated ZVM models: the secret properties (`cargo xtask regen` types them
//! `restpoint_session::SecretField`) never show in `Debug`, still go on the wire, and token
//! requests built from the generated model are accepted by the Appliance's token endpoint.

use restpoint_emulator::{Emulator, EmulatorConfig, defaults};
use restpoint_session::{Credentials, SecretField};
use restpoint_zvm::ZvmSession;
use restpoint_zvm::generated::types::{TokenRequest, TokenRequestGrantType, TokenResult, builder};
use restpoint_zvm::session::ZvmFlavor;

const PASSWORD: &str = "pw-Generated-Secret-0101";
const CLIENT_SECRET: &str = "cs-Generated-Secret-0102";
const REFRESH: &str = "rt-Generated-Secret-0103";
const ACCESS: &str = "at-Generated-Secret-0104";

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

#[test]
fn token_types_print_no_secret_and_serialize_every_one() {
    let all = [PASSWORD, CLIENT_SECRET, REFRESH, ACCESS];
    let request = TokenRequest {
        client_id: "zerto-client".into(),
        client_secret: Some(SecretField::from(CLIENT_SECRET)),
        grant_type: TokenRequestGrantType::Password,
        password: Some(SecretField::from(PASSWORD)),
        refresh_token: Some(SecretField::from(REFRESH)),
        username: Some("admin".into()),
    };
    for printed in [format!("{request:?}"), format!("{request:#?}")] {
        assert_hidden(&printed, &all);
        assert!(
            printed.contains("zerto-client"),
            "the client id is no secret"
        );
    }
    let built = builder::TokenRequest::from(request.clone());
    assert_hidden(&format!("{built:?} {built:#?}"), &all);
    let json = serde_json::to_string(&request).unwrap();
    for secret in [PASSWORD, CLIENT_SECRET, REFRESH] {
        assert!(json.contains(secret), "{secret} missing from the wire form");
    }

    let answer = format!(
        r#"{{"access_token":"{ACCESS}","expires_in":300,"refresh_token":"{REFRESH}","refresh_expires_in":1800,"token_type":"Bearer"}}"#
    );
    let token: TokenResult = serde_json::from_str(&answer).unwrap();
    assert_eq!(token.access_token.expose(), ACCESS);
    assert_hidden(&format!("{token:?} {token:#?}"), &all);
    let built = builder::TokenResult::from(token.clone());
    assert_hidden(&format!("{built:?} {built:#?}"), &all);
}

#[tokio::test]
async fn generated_token_requests_are_accepted_with_the_real_secrets() {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let zvm = ZvmSession::builder(emulator.zvm_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .flavor(ZvmFlavor::Appliance)
        .ca_pem(emulator.ca_pem())
        .clock(emulator.clock().expect("virtual clock").shared())
        .build()
        .await
        .expect("logon")
        .client();
    let password_grant = TokenRequest {
        client_id: defaults::ZVM_OIDC_PASSWORD_CLIENT.into(),
        client_secret: None,
        grant_type: TokenRequestGrantType::Password,
        password: Some(SecretField::from(defaults::ADMIN_PASSWORD)),
        refresh_token: None,
        username: Some(defaults::ADMIN_USER.into()),
    };
    let client_grant = TokenRequest {
        client_id: defaults::ZVM_OIDC_CLIENT_ID.into(),
        client_secret: Some(SecretField::from(defaults::ZVM_OIDC_CLIENT_SECRET)),
        grant_type: TokenRequestGrantType::ClientCredentials,
        password: None,
        refresh_token: None,
        username: None,
    };
    for body in [password_grant, client_grant] {
        let token = zvm.api().get_auth_token().body(body).send().await.unwrap();
        let access = token.access_token.expose().to_owned();
        assert!(access.len() >= 16, "a real token came back");
        let printed = format!("{token:?} {token:#?}");
        assert!(!printed.contains(&access));
        if let Some(refresh) = &token.refresh_token {
            assert!(!printed.contains(refresh.expose()));
        }
    }
    let wrong = TokenRequest {
        client_id: defaults::ZVM_OIDC_CLIENT_ID.into(),
        client_secret: Some(SecretField::from("Wrong-Client-Secret-42")),
        grant_type: TokenRequestGrantType::ClientCredentials,
        password: None,
        refresh_token: None,
        username: None,
    };
    let error = zvm
        .api()
        .get_auth_token()
        .body(wrong)
        .send()
        .await
        .unwrap_err();
    let printed = format!("{error:?} {error}");
    assert!(!printed.contains("Wrong-Client-Secret-42"), "{printed}");
}

#[test]
fn progenitors_response_value_is_not_public() {
    let source = include_str!("../src/generated/mod.rs");
    let public_use: Vec<&str> = source
        .lines()
        .filter(|l| l.trim_start().starts_with("pub use progenitor_client"))
        .collect();
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
