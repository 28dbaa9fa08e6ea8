//! The emulator's certificate: a CA and a `localhost`/`127.0.0.1` server certificate made at
//! start, or a certificate chain and key read from PEM files.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// PEM material for the listeners and for clients.
pub(crate) struct TlsMaterial {
    /// Server certificate followed by the CA.
    pub chain_pem: String,
    /// Server private key.
    pub key_pem: String,
    /// What clients must trust.
    pub ca_pem: String,
}

/// A fresh CA and a server certificate for `localhost` and `127.0.0.1` signed by it.
pub(crate) fn generate() -> Result<TlsMaterial, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "restpoint emulator CA");
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "restpoint");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    let ca_pem = ca_cert.pem();
    Ok(TlsMaterial {
        chain_pem: format!("{}{}", leaf_cert.pem(), ca_pem),
        key_pem: leaf_key.serialize_pem(),
        ca_pem,
    })
}

/// A certificate chain and key from PEM files; clients trust the chain file.
pub(crate) fn load(cert: &std::path::Path, key: &std::path::Path) -> std::io::Result<TlsMaterial> {
    let chain_pem = std::fs::read_to_string(cert)?;
    let key_pem = std::fs::read_to_string(key)?;
    Ok(TlsMaterial {
        ca_pem: chain_pem.clone(),
        chain_pem,
        key_pem,
    })
}
