//! The pre-flight of a run against real servers: before any scenario, each target gets one
//! logon with its account and one logoff, one product after the other. A target that cannot be
//! reached, whose certificate is not trusted, or that refuses the logon stops the run: no
//! scenario is sent to a server that just refused the account (a second wrong password would
//! bring a directory's lockout one step closer).
//!
//! When `--zvm-kind` is not given the ZVM's kind is found first by the credential-free probe
//! of ZVM-10: `POST /v1/session/add` without `Authorization` answers `404` on an Appliance (the
//! path is gone) and `401` on Windows.

use std::sync::Arc;

use anyhow::anyhow;

use crate::answer::Answer;
use crate::args::ZvmKind;
use crate::facts::Product;
use crate::target::Context;
use crate::world::ConformWorld;

/// What the pre-flight found.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// One line per target that passed.
    pub passed: Vec<String>,
    /// One line per target that failed: product, URL and reason, never a secret.
    pub failures: Vec<String>,
}

/// Sets `ctx.zvm_kind` from the ZVM-10 probe when `ctx` has a ZVM target. A failure is one
/// line of [`Outcome::failures`].
pub(crate) async fn detect_zvm_kind(ctx: &mut Context, outcome: &mut Outcome) {
    let Some(origin) = ctx.zvm.clone() else {
        return;
    };
    match detect_kind(ctx).await {
        Ok(kind) => {
            ctx.zvm_kind = kind;
            outcome.passed.push(format!(
                "{} at {origin}: {} (ZVM-10 probe, no credentials sent)",
                Product::Zvm.title(),
                match kind {
                    ZvmKind::Appliance => "a ZVM Appliance",
                    _ => "a ZVM on Windows",
                }
            ));
        }
        Err(e) => outcome
            .failures
            .push(format!("{} at {origin}: {e:#}", Product::Zvm.title())),
    }
}

/// One logon and one logoff per real target of `ctx` (`skip`: products already failed), one
/// product after the other.
pub(crate) async fn logons(ctx: &Arc<Context>, skip: &[Product], outcome: &mut Outcome) {
    for product in Product::ALL {
        let Some(origin) = ctx.origin(product).cloned() else {
            continue;
        };
        if skip.contains(&product) {
            continue;
        }
        match logon_and_logoff(ctx.clone(), product).await {
            Ok(user) => outcome.passed.push(format!(
                "{} at {origin}: logged on as {user} and off again",
                product.title()
            )),
            Err(e) => outcome
                .failures
                .push(format!("{} at {origin}: {e:#}", product.title())),
        }
    }
}

/// ZVM-10: `POST /v1/session/add` without `Authorization`: `404` is an Appliance, `401` a ZVM
/// on Windows.
async fn detect_kind(ctx: &Context) -> anyhow::Result<ZvmKind> {
    let url = ctx.url(Product::Zvm, "/v1/session/add")?;
    let rb = ctx
        .client
        .post(url)
        .header("Accept", "application/json")
        .body(Vec::<u8>::new());
    let answer = Answer::fetch("POST /v1/session/add (no credentials)".into(), rb)
        .await
        .map_err(|e| anyhow!("{e:#}{}", tls_hint(&format!("{e:#}"))))?;
    match answer.status {
        404 => Ok(ZvmKind::Appliance),
        401 => Ok(ZvmKind::Windows),
        _ => Err(anyhow!(
            "cannot tell a ZVM Appliance from a ZVM on Windows: POST /v1/session/add without credentials answered {}; pass --zvm-kind windows or --zvm-kind appliance",
            answer.summary()
        )),
    }
}

/// One logon with the product's account, then its logoff. Returns the user name.
async fn logon_and_logoff(ctx: Arc<Context>, product: Product) -> anyhow::Result<String> {
    let user = ctx.credential(product)?.username().to_owned();
    let mut world = ConformWorld::with_context(ctx);
    world.product = Some(product);
    let logon = crate::steps::log_on(&mut world, product).await;
    // Whatever the logon gave, it is closed again.
    world.take_cleanup().run().await;
    logon.map_err(|e| {
        let message = format!("{e:#}");
        let hint = match world.last.as_ref().map(|a| a.status) {
            Some(401 | 403) => {
                " (check the user name and password; the pre-flight made one attempt and stops here)"
            }
            None => tls_hint(&message),
            _ => "",
        };
        anyhow!("logon as {user} failed: {message}{hint}")
    })?;
    Ok(user)
}

/// A hint for an error that looks like a TLS failure.
fn tls_hint(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if ["certificate", "tls", "ssl", "handshake"]
        .iter()
        .any(|w| m.contains(w))
    {
        " (an untrusted certificate: pass --ca-cert FILE with the CA that signed it)"
    } else {
        ""
    }
}
