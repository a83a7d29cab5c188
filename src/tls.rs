//! HTTPS. With `--tls-cert`/`--tls-key` the given chain is served; otherwise
//! a local certificate authority is made at start and signs a certificate for
//! localhost, 127.0.0.1 and `--tls-hostnames`. Clients trust the CA (served
//! at `/_sandbox/ca.pem`) rather than a one-off self-signed leaf.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use crate::config::Config;

pub struct Tls {
    pub server: Arc<ServerConfig>,
    /// The generated CA, PEM; `None` when a certificate was mounted.
    pub ca_pem: Option<String>,
}

pub fn setup(config: &Config) -> Result<Tls, String> {
    let (chain, key, ca_pem) = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            let (chain, key) = load_pem(cert, key)?;
            (chain, key, None)
        }
        _ => {
            let generated = generate(&config.tls_hostnames)?;
            (generated.chain, generated.key, Some(generated.ca_pem))
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS certificate: {e}"))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        server: Arc::new(server),
        ca_pem,
    })
}

fn load_pem(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let cert_pem = read(cert)?;
    let chain = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in the file", cert.display()));
    }
    let key_pem = read(key)?;
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| format!("{}: {e}", key.display()))?
        .ok_or_else(|| format!("{}: no private key in the file", key.display()))?;
    Ok((chain, key))
}

pub struct Generated {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub ca_pem: String,
}

pub fn generate(extra_names: &[String]) -> Result<Generated, String> {
    let err = |e: rcgen::Error| format!("TLS certificate generation: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "mollie-sandbox local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;

    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra_names.iter().filter(|n| !n.is_empty()).cloned());
    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf_params = CertificateParams::new(names).map_err(err)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "mollie-sandbox");
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca, &ca_key)
        .map_err(err)?;
    Ok(Generated {
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        ca_pem: ca.pem(),
    })
}
