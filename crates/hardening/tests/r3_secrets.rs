//! R3: client and emulator flows of all three products (EM XML and JSON, VBR password, MFA refusal,
//! refresh and authorization code, ZVM Windows and Appliance with both grants) under one global
//! TRACE subscriber; every log line, every `Debug`/`Display` of the public types and every
//! error message is searched for the passwords, tokens and session ids in use (EM's
//! `X-RestSvcSessionId`, ZVM's `x-zerto-session`, VBR's and the Appliance's access and refresh
//! tokens, VBR's authorization code): zero hits.
//!
//! `generated_types_print_no_secret` prints every generated token, login and logon-session type
//! (VBR, ZVM, EM) built with known secrets, with no exemption.
//!
//! The per-crate `tests/no_secrets.rs` files check each product on its own; this one runs them
//! together and also includes the emulator's logs and the flows that fail.

use std::time::Duration;

use restpoint_em::session::{EmFormat, EmSession};
use restpoint_emulator::{Emulator, EmulatorConfig, Fault, Product, defaults};
use restpoint_hardening::Capture;
use restpoint_session::{Credentials, Error, ExposeSecret, HttpOptions, Token};
use restpoint_vbr::VbrSession;
use restpoint_vbr::session::VbrGrant;
use restpoint_zvm::ZvmSession;
use restpoint_zvm::session::ZvmFlavor;

/// What must never be printed, and everything that was printed.
#[derive(Default)]
struct Audit {
    secrets: Vec<String>,
    printed: Vec<String>,
}

impl Audit {
    fn token(&mut self, token: &Token) {
        self.secrets.push(token.access().expose_secret().to_owned());
        if let Some(refresh) = token.refresh_token() {
            self.secrets.push(refresh.expose_secret().to_owned());
        }
        self.printed.push(format!("{token:?}"));
    }

    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.printed.push(format!("{value:?}"));
    }

    fn error(&mut self, error: &Error) {
        self.printed.push(format!("{error:?}"));
        self.printed.push(error.to_string());
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            self.printed.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line_debug_display_or_error() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(capture.clone())
        .init();

    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let clock = emulator.clock().unwrap().shared();
    let options = HttpOptions::new().ca_pem_only(emulator.ca_pem()).unwrap();
    let mut audit = Audit::default();
    audit.secrets.extend(
        [
            defaults::ADMIN_PASSWORD,
            defaults::MFA_PASSWORD,
            defaults::VBR_TOKEN,
            defaults::ZVM_OIDC_CLIENT_SECRET,
            "Wrong-Password-42",
        ]
        .map(str::to_owned),
    );
    let admin = || Credentials::new(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    let wrong = || Credentials::new(defaults::ADMIN_USER, "Wrong-Password-42");

    // ---------------------------------------------------------------- VBR
    let vbr_builder = || {
        VbrSession::builder(emulator.vbr_url())
            .http_options(options.clone())
            .clock(clock.clone())
    };
    let vbr = vbr_builder().credentials(admin()).build().await.unwrap();
    audit.debug(&vbr);
    audit.debug(vbr.session().authenticator());
    audit.token(&vbr.token().await.unwrap());
    let api = vbr.client();
    let jobs = api.api().get_all_jobs().send().await.unwrap();
    audit.debug(&jobs);
    emulator.advance(Duration::from_secs(16 * 60)); // refresh grant
    api.api().get_all_jobs().send().await.unwrap();
    audit.token(&vbr.token().await.unwrap());
    emulator.admin().revoke_all(Product::Vbr); // re-logon
    api.api().get_all_jobs().send().await.unwrap();
    audit.token(&vbr.token().await.unwrap());
    let code = vbr.create_authorization_code().await.unwrap();
    audit.secrets.push(code.expose_secret().to_owned());
    let by_code = vbr_builder()
        .grant(VbrGrant::AuthorizationCode(code))
        .build()
        .await
        .unwrap();
    audit.token(&by_code.token().await.unwrap());
    audit.debug(&by_code);
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::Status(401), 5);
    let error = api.api().get_all_jobs().send().await.unwrap_err();
    audit.error(&error);
    emulator.admin().clear_faults();
    emulator
        .admin()
        .inject_fault(Product::Vbr, Fault::MalformedBody, 1);
    let error = api.api().get_all_jobs().send().await.unwrap_err();
    audit.error(&error);
    let error = vbr_builder()
        .credentials(Credentials::new(defaults::MFA_USER, defaults::MFA_PASSWORD))
        .build()
        .await
        .unwrap_err();
    audit.error(&error);
    let error = vbr_builder()
        .credentials(wrong())
        .build()
        .await
        .unwrap_err();
    audit.error(&error);
    vbr.logout().await.unwrap();
    let error = api.api().get_all_jobs().send().await.unwrap_err();
    audit.error(&error);

    // ---------------------------------------------------------------- EM (XML and JSON)
    for format in [EmFormat::Xml, EmFormat::Json] {
        let em_builder = || {
            EmSession::builder(emulator.em_url())
                .http_options(options.clone())
                .clock(clock.clone())
                .keep_alive(None)
                .format(format)
        };
        let em = em_builder().credentials(admin()).build().await.unwrap();
        audit.debug(&em);
        audit.debug(em.session().authenticator());
        audit.token(&em.token().await.unwrap());
        let logon = em.logon_session().unwrap();
        // EM's `SessionId` is the id of the logon-session *resource*: it is in every Href of
        // the session (`/api/logonSessions/<id>`, the logout link) and is logged with the
        // paths called. The credential is the `X-RestSvcSessionId` token, searched above; it
        // must not be the resource id.
        let token = em.token().await.unwrap();
        assert_ne!(token.access().expose_secret(), logon.session_id());
        assert!(
            !logon
                .href()
                .unwrap()
                .contains(token.access().expose_secret())
        );
        let href = logon.href().unwrap().to_owned();
        em.get(&href).await.unwrap();
        emulator.advance(Duration::from_secs(16 * 60)); // idle expiry: re-logon
        em.get(&href).await.unwrap();
        audit.token(&em.token().await.unwrap());
        emulator
            .admin()
            .inject_fault(Product::Em, Fault::MalformedBody, 1);
        let error = em
            .get_resource::<restpoint_em::LogonSession>(&href)
            .await
            .unwrap_err();
        audit.error(&error);
        let error = em_builder().credentials(wrong()).build().await.unwrap_err();
        audit.error(&error);
        em.session().logout().await.unwrap();
    }

    // ---------------------------------------------------------------- ZVM Windows and Appliance
    let zvm_builder = |flavor| {
        ZvmSession::builder(emulator.zvm_url())
            .http_options(options.clone())
            .clock(clock.clone())
            .flavor(flavor)
    };
    for flavor in [
        ZvmFlavor::Windows(None),
        ZvmFlavor::Appliance,
        ZvmFlavor::Detect,
    ] {
        let zvm = zvm_builder(flavor)
            .credentials(admin())
            .build()
            .await
            .unwrap();
        audit.debug(&zvm);
        audit.debug(zvm.session().authenticator());
        audit.token(&zvm.token().await.unwrap());
        let api = zvm.client();
        let vpgs = api.api().get_vpgs().send().await.unwrap();
        audit.debug(&vpgs);
        emulator.admin().revoke_all(Product::Zvm);
        api.api().get_vpgs().send().await.unwrap();
        audit.token(&zvm.token().await.unwrap());
        emulator.advance(Duration::from_secs(31 * 60));
        api.api().get_vpgs().send().await.unwrap();
        audit.token(&zvm.token().await.unwrap());
        let error = zvm_builder(flavor)
            .credentials(wrong())
            .build()
            .await
            .unwrap_err();
        audit.error(&error);
        zvm.logout().await.unwrap();
        let error = api.api().get_vpgs().send().await.unwrap_err();
        audit.error(&error);
    }
    let client = zvm_builder(ZvmFlavor::Appliance)
        .client_credentials(Credentials::new(
            defaults::ZVM_OIDC_CLIENT_ID,
            defaults::ZVM_OIDC_CLIENT_SECRET,
        ))
        .build()
        .await
        .unwrap();
    audit.token(&client.token().await.unwrap());
    audit.debug(&client);
    audit.debug(&emulator);
    audit.debug(&emulator.admin().counters());

    // ---------------------------------------------------------------- the search
    let logs = capture.text();
    assert!(
        logs.lines().count() > 100,
        "too few log lines to mean anything"
    );
    assert!(logs.contains("TRACE"), "TRACE lines were not captured");
    let mut secrets = audit.secrets.clone();
    secrets.sort();
    secrets.dedup();
    secrets.retain(|s| s.len() >= 6);
    assert!(
        secrets.len() >= 20,
        "only {} secrets collected",
        secrets.len()
    );
    let printed = audit.printed.join("\n");
    let mut hits = Vec::new();
    for secret in &secrets {
        for (n, line) in logs.lines().enumerate() {
            if line.contains(secret.as_str()) {
                hits.push(format!("log line {n}: {line}"));
            }
        }
        if printed.contains(secret.as_str()) {
            hits.push(format!(
                "Debug/Display output contains a secret of {} chars",
                secret.len()
            ));
        }
    }
    println!(
        "r3: {} secrets searched in {} log lines and {} Debug/Display/error texts: {} hits",
        secrets.len(),
        logs.lines().count(),
        audit.printed.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

/// Every report format of a conformance run (text, JUnit, Cucumber JSON, the per-rule summary
/// JSON and the HTML report) is searched for the emulator's passwords and for every token,
/// session id and authorization code the run saw on the wire; a broken logout (EM-09) makes
/// scenarios fail, so failure messages are in the reports too: zero hits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_report_format() {
    use restpoint_conformance::report::evidence::{REDACTED, observed_secrets};
    use restpoint_conformance::{ConformArgs, run_with_emulator};
    use restpoint_emulator::Break;

    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let formats = ["text", "junit", "json", "summary-json", "html"];
    let path = |f: &str| dir.path().join(format!("report.{f}"));
    let mut args = vec!["conform".to_owned(), "--quiet".to_owned()];
    for f in formats {
        args.push(format!("--{f}"));
        args.push(path(f).display().to_string());
    }
    let args = ConformArgs::parse_from(args).unwrap();
    let config = EmulatorConfig::for_tests().with_break(Break::EmLogout200);
    let summary = run_with_emulator(args, Some(config)).await.unwrap();
    assert!(summary.failed > 0 && summary.passed > 100, "{summary:?}");

    let mut secrets: Vec<String> = [
        defaults::ADMIN_PASSWORD,
        defaults::PORTAL_PASSWORD,
        defaults::RESTORE_PASSWORD,
        defaults::TENANT_PASSWORD,
        defaults::VIEWER_PASSWORD,
        defaults::MFA_PASSWORD,
        defaults::VBR_TOKEN,
        defaults::ZVM_OIDC_CLIENT_SECRET,
    ]
    .map(str::to_owned)
    .into();
    let seen = observed_secrets();
    // Logons of three products over hundreds of scenarios: many tokens and session ids.
    assert!(seen.len() >= 100, "only {} secrets seen", seen.len());
    secrets.extend(seen);

    let mut hits = Vec::new();
    let mut redactions = 0;
    for f in formats {
        let text = std::fs::read_to_string(path(f)).unwrap();
        assert!(text.len() > 1000, "the {f} report is nearly empty");
        redactions += text.matches(REDACTED).count();
        for s in &secrets {
            if text.contains(s.as_str()) {
                hits.push(format!(
                    "the {f} report holds a secret of {} chars",
                    s.len()
                ));
            }
        }
        // Whatever the list missed: no JWT, no credential header or scheme followed by a value
        // (16 or more token characters; prose such as `Bearer <access_token>` is fine).
        for shape in [
            "eyJ",
            "Bearer ",
            "Basic ",
            "x-restsvcsessionid: ",
            "x-zerto-session: ",
        ] {
            for (at, _) in text.match_indices(shape) {
                let value: String = text[at + shape.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "-._~+/=".contains(*c))
                    .collect();
                if value.len() >= 16 {
                    hits.push(format!(
                        "the {f} report holds {shape:?} and a value of {} chars",
                        value.len()
                    ));
                }
            }
        }
    }
    println!(
        "r3 reports: {} secrets searched in {} report formats ({redactions} redactions): {} hits",
        secrets.len(),
        formats.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
    // The failed logout's request line carries the EM session id: it must have been redacted.
    assert!(
        redactions > 0,
        "nothing was redacted: the search proves nothing"
    );
}

/// Every generated token, login and logon-session type of the three products, built with known
/// secrets and printed with `{:?}` and `{:#?}` (the builders of the OpenAPI models too): no
/// secret appears, with no exemption. `cargo xtask regen` types the secret properties
/// `restpoint_session::SecretField`; the EM types redact `SessionId` and logon-session `Href`s.
#[test]
fn generated_types_print_no_secret() {
    use restpoint_session::SecretField;
    use restpoint_vbr::generated::types as vbr;
    use restpoint_zvm::generated::types as zvm;

    let secret = |n: u32| format!("r3-generated-secret-{n:04}-value");
    let secrets: Vec<String> = (0..12).map(secret).collect();
    let field = |n: u32| SecretField::from(secret(n));
    let mut printed: Vec<String> = Vec::new();
    let mut print = |value: &dyn std::fmt::Debug| {
        printed.push(format!("{value:?}"));
        printed.push(format!("{value:#?}"));
    };

    let login = vbr::TokenLoginSpec {
        code: Some(field(0)),
        grant_type: vbr::ELoginGrantType::Password,
        password: Some(field(1)),
        refresh_token: Some(field(2)),
        use_short_term_refresh: Some(true),
        username: Some("r3-user".into()),
        vbr_token: Some(field(3)),
    };
    print(&login);
    print(&vbr::builder::TokenLoginSpec::from(login.clone()));
    let token: vbr::TokenModel = serde_json::from_value(serde_json::json!({
        "access_token": secret(4), "refresh_token": secret(5), "token_type": "bearer",
        "expires_in": 900, ".issued": "2024-01-01T00:00:00Z", ".expires": "2024-01-01T00:15:00Z",
    }))
    .unwrap();
    print(&token);
    print(&vbr::builder::TokenModel::from(token.clone()));
    let code = vbr::AuthorizationCodeModel { code: field(6) };
    print(&code);
    print(&vbr::builder::AuthorizationCodeModel::from(code));

    let request = zvm::TokenRequest {
        client_id: "zerto-client".into(),
        client_secret: Some(field(7)),
        grant_type: zvm::TokenRequestGrantType::Password,
        password: Some(field(8)),
        refresh_token: Some(field(9)),
        username: Some("r3-user".into()),
    };
    print(&request);
    print(&zvm::builder::TokenRequest::from(request.clone()));
    let result: zvm::TokenResult = serde_json::from_value(serde_json::json!({
        "access_token": secret(10), "refresh_token": secret(11), "token_type": "Bearer",
        "expires_in": 300, "refresh_expires_in": 1800,
    }))
    .unwrap();
    print(&result);
    print(&zvm::builder::TokenResult::from(result.clone()));

    // EM (EM-14): the SessionId and the session's own Href.
    let em_id = "cjMtZW0tc2Vzc2lvbi1pZC0wMDAx";
    let xml = format!(
        r#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0" Href="https://em:9398/api/logonSessions/{em_id}" Type="LogonSession"><Links><Link Href="https://em:9398/api/logonSessions/{em_id}" Rel="Delete"/></Links><UserName>r3-user</UserName><SessionId>{em_id}</SessionId></LogonSession>"#
    );
    let logon: restpoint_em::LogonSession = restpoint_em::parse_xml(xml.as_bytes()).unwrap();
    assert_eq!(logon.session_id, em_id, "the XML was read");
    print(&logon);

    // The wire form still carries each value: the redaction is in Debug only.
    let wire = format!(
        "{} {} {} {}",
        serde_json::to_string(&login).unwrap(),
        serde_json::to_string(&token).unwrap(),
        serde_json::to_string(&request).unwrap(),
        serde_json::to_string(&result).unwrap(),
    );
    for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11] {
        assert!(wire.contains(&secret(n)), "secret {n} is not serialized");
    }

    let mut hits = Vec::new();
    for text in &printed {
        for (n, s) in secrets.iter().chain([&em_id.to_owned()]).enumerate() {
            if text.contains(s.as_str()) {
                hits.push(format!("secret {n} printed in: {text}"));
            }
        }
    }
    let redactions: usize = printed
        .iter()
        .map(|t| t.matches("<redacted>").count())
        .sum();
    println!(
        "r3 generated types: {} outputs, {redactions} redactions, {} hits",
        printed.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
    assert!(redactions >= 2 * (12 + 1), "only {redactions} redactions");
    assert!(
        printed.iter().any(|t| t.contains("r3-user")),
        "user names still print"
    );
}
