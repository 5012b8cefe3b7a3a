//! TLS: the fake tenant behind a TLS proxy whose certificate comes from a test CA made here.
//! With that CA in `A0SNAP_CA_FILE` the export succeeds; without it the certificate is refused
//! and nothing reaches the tenant, which shows that verification is on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::harness::json_job;
use crate::common::{World, config, empty_sizes};

/// A CA (its PEM, valid for `localhost` too, so it can be served as a server's certificate)
/// and a certificate for `localhost` signed by it, with its key.
pub(crate) struct TestPki {
    pub(crate) ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    pub(crate) issuer: Issuer<'static, KeyPair>,
    ca: CertificateDer<'static>,
    ca_key: PrivateKeyDer<'static>,
}

pub(crate) fn test_pki() -> TestPki {
    test_pki_named("a0snap test CA")
}

/// A [`TestPki`] whose CA is called `name` (CAs with one name are one issuer to a verifier).
fn test_pki_named(name: &str) -> TestPki {
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ca_key.serialize_der()));
    let mut ca = CertificateParams::new(vec!["localhost".to_owned()]).expect("CA params");
    ca.distinguished_name.push(DnType::CommonName, name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let (leaf, key) = signed_leaf(&issuer, "localhost", None);
    TestPki {
        ca_pem: ca_cert.pem(),
        leaf,
        key,
        issuer,
        ca: ca_cert.der().clone(),
        ca_key: ca_key_der,
    }
}

/// A certificate for `name` signed by `issuer`, valid over `years` when given.
pub(crate) fn signed_leaf(
    issuer: &Issuer<'static, KeyPair>,
    name: &str,
    years: Option<(i32, i32)>,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut params = CertificateParams::new(vec![name.to_owned()]).expect("leaf params");
    if let Some((from, to)) = years {
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(to, 1, 1);
    }
    let leaf = params
        .signed_by(&leaf_key, issuer)
        .expect("leaf certificate");
    (
        leaf.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    )
}

fn server_config(chain: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> Arc<ServerConfig> {
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![chain], key)
        .expect("server certificate");
    Arc::new(server)
}

/// A TLS front on a loopback port: the certificate it serves can be swapped, and it counts
/// the connections it accepted (each one a handshake a0snap started).
#[derive(Clone)]
pub(crate) struct TlsFront {
    pub(crate) port: u16,
    config: Arc<Mutex<Arc<ServerConfig>>>,
    connections: Arc<AtomicUsize>,
}

impl TlsFront {
    pub(crate) fn serve(&self, chain: CertificateDer<'static>, key: PrivateKeyDer<'static>) {
        *self.config.lock().expect("config") = server_config(chain, key);
    }

    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Serves TLS on a loopback port and forwards every connection to `backend`; returns the port.
async fn tls_proxy(pki: &TestPki, backend: std::net::SocketAddr) -> u16 {
    tls_front(pki, backend).await.port
}

/// Serves TLS with `pki`'s leaf on a loopback port, forwarding every connection to `backend`.
pub(crate) async fn tls_front(pki: &TestPki, backend: std::net::SocketAddr) -> TlsFront {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let front = TlsFront {
        port: listener.local_addr().expect("address").port(),
        config: Arc::new(Mutex::new(server_config(
            pki.leaf.clone(),
            pki.key.clone_key(),
        ))),
        connections: Arc::default(),
    };
    let shared = front.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            shared.connections.fetch_add(1, Ordering::SeqCst);
            let config = Arc::clone(&shared.config.lock().expect("config"));
            tokio::spawn(async move {
                // A refused handshake is what some tests expect: nothing to forward then.
                let Ok(mut tls) = TlsAcceptor::from(config).accept(stream).await else {
                    return;
                };
                if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    front
}

/// A world whose tenant is reached at `https://localhost:PORT` through the proxy.
async fn tls_world() -> (World, TestPki, Vec<(&'static str, String)>) {
    let world = World::start(config(fake_auth0::Sizes {
        roles: 70,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", &json_job("roles", ""));
    let pki = test_pki();
    let port = tls_proxy(&pki, world.fake.addr()).await;
    let env = vec![
        ("AUTH0_DOMAIN", format!("https://localhost:{port}")),
        // The fake issues tokens for its own address.
        ("AUTH0_AUDIENCE", world.fake.audience()),
        ("A0SNAP_TOKEN_CACHE", "memory".to_owned()),
    ];
    (world, pki, env)
}

pub(crate) fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_behind_a_certificate_from_the_ca_file_is_trusted() {
    let (world, pki, mut env) = tls_world().await;
    std::fs::write(world.dir.path().join("ca.pem"), &pki.ca_pem).expect("CA file");
    env.push(("A0SNAP_CA_FILE", "ca.pem".to_owned()));
    let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let latest: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("roles", "latest.json")).expect("JSON");
    assert_eq!(latest.len(), 70);
    let counters = world.fake.counters();
    assert_eq!((counters.token_requests, counters.api_requests), (1, 2));
    world.assert_no_secrets(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_ca_file_the_certificate_is_refused_and_nothing_is_sent() {
    let (world, _pki, env) = tls_world().await;
    let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("the tls certificate of the auth0 token endpoint at localhost:")
            && run.stdout.contains("unknown issuer")
            && run.stdout.contains("A0SNAP_CA_FILE"),
        "{}",
        run.stdout
    );
    let counters = world.fake.counters();
    assert_eq!((counters.token_requests, counters.api_requests), (0, 0));
    world.assert_no_secrets(&run.all_output());
}

/// Which bad certificate the front serves after a good one.
#[derive(Clone, Copy, Debug)]
enum BadCertificate {
    UnknownIssuer,
    CaAsServer,
    WrongHost,
    Expired,
}

/// With a token cached through a good certificate, the front switches to `bad`: the API
/// request (token from the file) and then the token request (memory cache) each fail at the
/// first handshake, naming `words` and A0SNAP_CA_FILE.
async fn a_bad_certificate_fails_at_once(bad: BadCertificate, words: &str) {
    let world = World::start(config(fake_auth0::Sizes {
        roles: 3,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", &json_job("roles", ""));
    let pki = test_pki();
    let front = tls_front(&pki, world.fake.addr()).await;
    std::fs::write(world.dir.path().join("ca.pem"), &pki.ca_pem).expect("CA file");
    let env = vec![
        ("AUTH0_DOMAIN", format!("https://localhost:{}", front.port)),
        ("AUTH0_AUDIENCE", world.fake.audience()),
        ("A0SNAP_CA_FILE", "ca.pem".to_owned()),
    ];
    let cached = world.a0snap_with(&["token"], &borrowed(&env)).await;
    assert_eq!(cached.code, 0, "{}", cached.all_output());

    let (chain, key) = match bad {
        BadCertificate::UnknownIssuer => {
            signed_leaf(&test_pki_named("an unknown CA").issuer, "localhost", None)
        }
        BadCertificate::CaAsServer => (pki.ca.clone(), pki.ca_key.clone_key()),
        BadCertificate::WrongHost => signed_leaf(&pki.issuer, "other.example", None),
        BadCertificate::Expired => signed_leaf(&pki.issuer, "localhost", Some((2020, 2021))),
    };
    front.serve(chain, key);

    let mut outputs = String::new();
    for (cache, refused) in [
        (
            "file",
            "GET /api/v2/roles: the tls certificate of localhost:",
        ),
        (
            "memory",
            "the tls certificate of the auth0 token endpoint at localhost:",
        ),
    ] {
        let before = front.connections();
        let mut env = env.clone();
        env.push(("A0SNAP_TOKEN_CACHE", cache.to_owned()));
        let started = std::time::Instant::now();
        let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
        let output = run.all_output();
        assert_eq!(run.code, 1, "{output}");
        assert!(
            output.contains(refused) && output.contains(words) && output.contains("A0SNAP_CA_FILE"),
            "{bad:?} with the {cache} cache:\n{output}"
        );
        assert_eq!(
            front.connections() - before,
            1,
            "{bad:?}: retried\n{output}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        outputs.push_str(&output);
    }
    assert_eq!(world.fake.counters().token_requests, 1);
    assert!(
        world
            .files("roles")
            .iter()
            .all(|name| !name.starts_with("latest"))
    );
    world.assert_no_secrets(&outputs);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_from_an_unknown_issuer_fails_at_once_naming_it() {
    a_bad_certificate_fails_at_once(BadCertificate::UnknownIssuer, "unknown issuer").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ca_certificate_served_as_the_servers_fails_at_once_naming_it() {
    a_bad_certificate_fails_at_once(BadCertificate::CaAsServer, "a CA certificate as its own")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_for_another_host_fails_at_once_naming_it() {
    a_bad_certificate_fails_at_once(BadCertificate::WrongHost, "not valid for this host name")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_certificate_fails_at_once_naming_it() {
    a_bad_certificate_fails_at_once(BadCertificate::Expired, "the certificate has expired").await;
}
