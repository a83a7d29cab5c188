//! HTTPS. With `--tls-cert`/`--tls-key` the given chain is served; otherwise
//! a local certificate authority signs a certificate for localhost,
//! 127.0.0.1, ::1 and `--tls-hostnames` (e.g. `api.mollie.com`). Clients
//! trust the CA (served at `/_sandbox/ca.pem`) rather than a one-off leaf.
//!
//! With `--state-dir` the CA is made once and kept there (`ca.pem`,
//! `ca-key.pem`): a container that trusted it keeps trusting it after the
//! sandbox restarts. Only the CA is kept; the serving certificate is issued
//! anew at every start, so `--tls-hostnames` may change between runs.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{RootCertStore, ServerConfig};

use crate::config::Config;

pub const CA_CERT_FILE: &str = "ca.pem";
pub const CA_KEY_FILE: &str = "ca-key.pem";

/// A CA kept in the state folder is rebuilt from its key and [`ca_params`]
/// (the issuer name of every certificate it signs): changing them would
/// orphan every CA already kept.
const CA_COMMON_NAME: &str = "mollie-sandbox local CA";

pub struct Tls {
    pub server: Arc<ServerConfig>,
    /// The generated CA, PEM; `None` when a certificate was mounted.
    pub ca_pem: Option<String>,
}

pub fn setup(config: &Config) -> Result<Tls, String> {
    let (chain, key, ca_pem) = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            if !config.tls_hostnames.is_empty() {
                // The image sets the names for its generated certificate; a
                // mounted one brings its own, so this is said, not refused.
                tracing::info!(
                    "--tls-hostnames is not used: the certificate comes from --tls-cert"
                );
            }
            let (chain, key) = load_pem(cert, key)?;
            (chain, key, None)
        }
        _ => {
            let ca = match &config.state_dir {
                Some(dir) => LocalCa::kept_in(dir)?,
                None => LocalCa::generate()?,
            };
            let issued = ca.issue(&config.tls_hostnames)?;
            (issued.chain, issued.key, Some(issued.ca_pem))
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
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let read = |p: &Path| fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
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

/// The serving certificate, its key, and the CA that signed it.
pub struct Issued {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub ca_pem: String,
}

/// A certificate authority: its key, an rcgen issuer built from it, and the
/// exact certificate clients trust (sent in the chain and served as PEM).
pub struct LocalCa {
    key: KeyPair,
    issuer: Certificate,
    der: CertificateDer<'static>,
    pem: String,
}

fn rcgen_err(e: rcgen::Error) -> String {
    format!("TLS certificate generation: {e}")
}

/// The name is unique per CA, derived from its key, so that a machine that
/// trusts the CAs of several sandboxes finds the right one by name.
fn ca_params(key: &KeyPair) -> Result<CertificateParams, String> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(rcgen_err)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // An uncompressed EC point: 0x04, then the x coordinate.
    let tag: String = key
        .public_key_raw()
        .iter()
        .skip(1)
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("{CA_COMMON_NAME} {tag}"));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

impl LocalCa {
    /// A new CA, kept nowhere.
    pub fn generate() -> Result<LocalCa, String> {
        let key = KeyPair::generate().map_err(rcgen_err)?;
        let issuer = ca_params(&key)?.self_signed(&key).map_err(rcgen_err)?;
        Ok(LocalCa {
            der: issuer.der().clone(),
            pem: issuer.pem(),
            key,
            issuer,
        })
    }

    /// The CA from its PEM files, as written by [`LocalCa::kept_in`].
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<LocalCa, String> {
        let key = KeyPair::from_pem(key_pem).map_err(|e| format!("{CA_KEY_FILE}: {e}"))?;
        let der = rustls_pemfile::certs(&mut cert_pem.as_bytes())
            .next()
            .ok_or_else(|| format!("{CA_CERT_FILE}: no certificate in the file"))?
            .map_err(|e| format!("{CA_CERT_FILE}: {e}"))?;
        // Signing needs only the issuer's name and key; the certificate that
        // clients trust is the kept one, byte for byte.
        let issuer = ca_params(&key)?.self_signed(&key).map_err(rcgen_err)?;
        Ok(LocalCa {
            key,
            issuer,
            der,
            pem: cert_pem.to_owned(),
        })
    }

    /// The CA kept in `dir`, made and written there if there is none yet.
    /// When `dir` cannot be written, a CA for this run only (with a warning):
    /// HTTPS still works, it just will not survive a restart.
    pub fn kept_in(dir: &Path) -> Result<LocalCa, String> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        let in_dir = |e: String| {
            format!(
                "{}: {e} (remove {CA_CERT_FILE} and {CA_KEY_FILE} there to make a new CA)",
                dir.display()
            )
        };
        match (read_if_exists(&cert_path)?, read_if_exists(&key_path)?) {
            (Some(cert), Some(key)) => {
                let ca = LocalCa::from_pem(&cert, &key).map_err(in_dir)?;
                ca.issue(&[]).map_err(in_dir)?;
                Ok(ca)
            }
            (Some(_), None) => Err(in_dir(format!(
                "{CA_CERT_FILE} is there but {CA_KEY_FILE} is not"
            ))),
            (None, Some(_)) => wait_for_cert(&cert_path, &key_path).map_err(in_dir),
            (None, None) => {
                let ca = LocalCa::generate()?;
                match ca.write(dir) {
                    Ok(()) => {
                        tracing::info!(dir = %dir.display(), "made a new TLS certificate authority and kept it");
                        Ok(ca)
                    }
                    Err(Written::Raced) => wait_for_cert(&cert_path, &key_path).map_err(in_dir),
                    Err(Written::Failed(e)) => {
                        tracing::warn!(
                            dir = %dir.display(),
                            "cannot keep the TLS certificate authority ({e}); using one for this run only, \
                             so clients must trust it again after a restart"
                        );
                        Ok(ca)
                    }
                }
            }
        }
    }

    /// Writes the key first, created exclusively: of two sandboxes starting
    /// on one state folder, one writes and the other waits for `ca.pem`,
    /// which appears whole (rename) and last.
    fn write(&self, dir: &Path) -> Result<(), Written> {
        fs::create_dir_all(dir).map_err(|e| Written::Failed(e.to_string()))?;
        let key_path = dir.join(CA_KEY_FILE);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(&key_path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(Written::Raced),
            Err(e) => return Err(Written::Failed(format!("{}: {e}", key_path.display()))),
        };
        let written = file
            .write_all(self.key.serialize_pem().as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                let tmp = dir.join(format!(".{CA_CERT_FILE}.{}.tmp", std::process::id()));
                fs::write(&tmp, &self.pem)?;
                fs::rename(&tmp, dir.join(CA_CERT_FILE))
            });
        written.map_err(|e| {
            let _ = fs::remove_file(&key_path);
            Written::Failed(e.to_string())
        })
    }

    /// The serving certificate for localhost, 127.0.0.1, ::1 and `extra_names`,
    /// checked against this CA as a client would check it.
    pub fn issue(&self, extra_names: &[String]) -> Result<Issued, String> {
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        names.extend(
            extra_names
                .iter()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        );
        let leaf_key = KeyPair::generate().map_err(rcgen_err)?;
        let mut params = CertificateParams::new(names).map_err(rcgen_err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "mollie-sandbox");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        // Names the CA's key too, for clients that trust several CAs.
        params.use_authority_key_identifier_extension = true;
        let leaf = params
            .signed_by(&leaf_key, &self.issuer, &self.key)
            .map_err(rcgen_err)?;
        self.verify(leaf.der())?;
        Ok(Issued {
            chain: vec![leaf.der().clone(), self.der.clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            ca_pem: self.pem.clone(),
        })
    }

    /// A kept CA whose certificate and key do not belong together would
    /// otherwise show up only as clients' handshake failures.
    fn verify(&self, leaf: &CertificateDer<'_>) -> Result<(), String> {
        let mismatch = |e: String| format!("the CA certificate and key do not match: {e}");
        let mut roots = RootCertStore::empty();
        roots
            .add(self.der.clone())
            .map_err(|e| mismatch(e.to_string()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| mismatch(e.to_string()))?;
        let name = ServerName::try_from("localhost").map_err(|e| mismatch(e.to_string()))?;
        verifier
            .verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(|e| mismatch(e.to_string()))
    }
}

enum Written {
    /// Another sandbox is writing its CA into the same folder.
    Raced,
    Failed(String),
}

fn read_if_exists(path: &Path) -> Result<Option<String>, String> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Another sandbox has written the key and is about to write the certificate.
fn wait_for_cert(cert_path: &Path, key_path: &Path) -> Result<LocalCa, String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(cert) = read_if_exists(cert_path)? {
            let key =
                read_if_exists(key_path)?.ok_or_else(|| format!("{CA_KEY_FILE} disappeared"))?;
            return LocalCa::from_pem(&cert, &key);
        }
        if Instant::now() >= deadline {
            return Err(format!("{CA_KEY_FILE} is there but {CA_CERT_FILE} is not"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh CA and a certificate it signed, kept nowhere.
pub fn generate(extra_names: &[String]) -> Result<Issued, String> {
    LocalCa::generate()?.issue(extra_names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("mollie-sandbox-tls-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_kept_ca_is_the_same_ca_after_a_restart() {
        let dir = temp_dir("kept");
        let first = LocalCa::kept_in(&dir).unwrap();
        let second = LocalCa::kept_in(&dir).unwrap();
        assert_eq!(first.pem, second.pem);
        assert_eq!(
            fs::read_to_string(dir.join(CA_CERT_FILE)).unwrap(),
            first.pem
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join(CA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Certificates issued after the restart chain to the first CA.
        let issued = second.issue(&["api.mollie.com".into()]).unwrap();
        first.verify(&issued.chain[0]).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_certificate_with_another_cas_key_is_refused() {
        let dir = temp_dir("mismatch");
        fs::create_dir_all(&dir).unwrap();
        let a = LocalCa::generate().unwrap();
        let b = LocalCa::generate().unwrap();
        fs::write(dir.join(CA_CERT_FILE), &a.pem).unwrap();
        fs::write(dir.join(CA_KEY_FILE), b.key.serialize_pem()).unwrap();
        let err = LocalCa::kept_in(&dir)
            .and_then(|ca| ca.issue(&[]))
            .err()
            .unwrap();
        assert!(err.contains("do not match"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_certificate_without_its_key_is_an_error_not_a_new_ca() {
        let dir = temp_dir("halfgone");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(CA_CERT_FILE), LocalCa::generate().unwrap().pem).unwrap();
        let err = LocalCa::kept_in(&dir).err().unwrap();
        assert!(err.contains("ca-key.pem is not"), "{err}");
        assert!(!dir.join(CA_KEY_FILE).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
