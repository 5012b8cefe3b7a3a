//! TLS: the fake tenant behind a TLS proxy whose certificate comes from a test CA made here.
//! With that CA in `A0SNAP_CA_FILE` the export succeeds; without it the certificate is refused
//! and nothing reaches the tenant, which shows that verification is on.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::common::{World, config, empty_sizes};
use crate::harness::json_job;

/// A CA (its PEM) and a certificate for `localhost` signed by it, with its key.
struct TestPki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn test_pki() -> TestPki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");
    TestPki {
        ca_pem: ca_cert.pem(),
        leaf: leaf.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// Serves TLS on a loopback port and forwards every connection to `backend`; returns the port.
async fn tls_proxy(pki: &TestPki, backend: std::net::SocketAddr) -> u16 {
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
        .expect("server certificate");
    let acceptor = TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is what one test expects: nothing to forward then.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    port
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

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
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
    let (world, _pki, mut env) = tls_world().await;
    // A refused certificate is retried like any connection failure; once is enough here.
    env.push(("A0SNAP_MAX_RETRIES", "0".to_owned()));
    let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("could not reach the auth0 token endpoint")
            && run.stdout.contains("A0SNAP_CA_FILE"),
        "{}",
        run.stdout
    );
    let counters = world.fake.counters();
    assert_eq!((counters.token_requests, counters.api_requests), (0, 0));
    world.assert_no_secrets(&run.all_output());
}
