//! Small HTTPS servers for the tests: a CA and a server certificate made to order (host names,
//! validity), serving an axum router on `127.0.0.1` with an ephemeral port.

use std::net::{SocketAddr, TcpListener};

use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// PEM material of a test CA and a server certificate it signed.
#[derive(Clone)]
pub struct Material {
    /// Server certificate followed by the CA.
    pub chain_pem: String,
    /// Server private key.
    pub key_pem: String,
    /// The CA a client must trust.
    pub ca_pem: String,
}

/// What the server certificate looks like.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Subject alternative names (DNS names or IP addresses).
    pub names: Vec<String>,
    /// Whether the certificate expired (valid 2000–2001) rather than valid now (2020–2999).
    pub expired: bool,
}

impl CertSpec {
    /// A valid certificate for `localhost` and `127.0.0.1`.
    pub fn localhost() -> Self {
        Self {
            names: vec!["localhost".into(), "127.0.0.1".into()],
            expired: false,
        }
    }
}

/// Makes a CA and a server certificate signed by it.
pub fn make(spec: &CertSpec) -> Result<Material, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "restpoint hardening CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = rcgen::date_time_ymd(2000, 1, 1);
    ca_params.not_after = rcgen::date_time_ymd(2999, 1, 1);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf = CertificateParams::new(spec.names.clone())?;
    leaf.distinguished_name.push(
        DnType::CommonName,
        spec.names.first().cloned().unwrap_or_default(),
    );
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    if spec.expired {
        leaf.not_before = rcgen::date_time_ymd(2000, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2001, 1, 1);
    } else {
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2999, 1, 1);
    }
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    let ca_pem = ca_cert.pem();
    Ok(Material {
        chain_pem: format!("{}{}", leaf_cert.pem(), ca_pem),
        key_pem: leaf_key.serialize_pem(),
        ca_pem,
    })
}

/// A running HTTPS server; dropping it stops the server.
pub struct Server {
    /// `https://localhost:PORT/`.
    pub url: reqwest::Url,
    /// The CA a client must trust.
    pub ca_pem: String,
    handle: Handle<SocketAddr>,
}

impl Server {
    /// Serves `router` over TLS with `material` on `127.0.0.1` and an ephemeral port.
    pub async fn start(router: Router, material: &Material) -> anyhow::Result<Server> {
        crate::install_crypto_provider();
        let config = RustlsConfig::from_pem(
            material.chain_pem.clone().into_bytes(),
            material.key_pem.clone().into_bytes(),
        )
        .await?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let handle: Handle<SocketAddr> = Handle::new();
        let server = axum_server::from_tcp_rustls(listener, config)?.handle(handle.clone());
        tokio::spawn(async move {
            let _ = server.serve(router.into_make_service()).await;
        });
        Ok(Server {
            url: reqwest::Url::parse(&format!("https://localhost:{port}/"))?,
            ca_pem: material.ca_pem.clone(),
            handle,
        })
    }

    /// The same server's URL with another host name (e.g. `127.0.0.1`).
    pub fn url_with_host(&self, host: &str) -> reqwest::Url {
        let mut url = self.url.clone();
        let _ = url.set_host(Some(host));
        url
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}
