//! Corporate egress proxies: the tenant at `https://127.0.0.1:PORT` (a TLS front with a test
//! CA, see `tls.rs`), reached through a minimal CONNECT proxy written here, which counts the
//! tunnels it opened and the credentials it was offered. `HTTPS_PROXY` routes every request
//! through it, `NO_PROXY` bypasses it, and its password never shows in any output.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::harness::json_job;
use super::tls::{borrowed, signed_leaf, test_pki, tls_front};
use crate::common::{World, config, empty_sizes};

/// A password distinctive enough to search for in output.
const PROXY_PASSWORD: &str = "Pr0xy-pa55-Kq7";

/// One CONNECT: its target and its `Proxy-Authorization`.
type Tunnel = (String, Option<String>);

/// What the proxy saw: one entry per CONNECT.
#[derive(Clone, Default)]
struct Tunnels(Arc<Mutex<Vec<Tunnel>>>);

impl Tunnels {
    fn seen(&self) -> Vec<Tunnel> {
        self.0.lock().expect("tunnels").clone()
    }
}

/// A CONNECT proxy on a loopback port: reads the request head, opens the tunnel, answers
/// 200 and copies both ways. Anything but CONNECT is answered 405.
async fn connect_proxy() -> (u16, Tunnels) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let tunnels = Tunnels::default();
    let book = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let book = book.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let mut lines = head.lines();
                let request: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
                if request.first() != Some(&"CONNECT") || request.len() < 2 {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                }
                let target = request[1].to_owned();
                let authorization = lines.find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("proxy-authorization")
                        .then(|| value.trim().to_owned())
                });
                book.0
                    .lock()
                    .expect("tunnels")
                    .push((target.clone(), authorization));
                let Ok(mut upstream) = TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (port, tunnels)
}

/// A tenant of 70 roles behind a TLS front for `127.0.0.1`, a roles job, and the environment
/// reaching it with the CA file; the front's port.
async fn proxied_world() -> (World, super::tls::TlsFront, Vec<(&'static str, String)>) {
    let world = World::start(config(fake_auth0::Sizes {
        roles: 70,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", &json_job("roles", ""));
    let pki = test_pki();
    let front = tls_front(&pki, world.fake.addr()).await;
    let (leaf, key) = signed_leaf(&pki.issuer, "127.0.0.1", None);
    front.serve(leaf, key);
    std::fs::write(world.dir.path().join("ca.pem"), &pki.ca_pem).expect("CA file");
    let env = vec![
        ("AUTH0_DOMAIN", format!("https://127.0.0.1:{}", front.port)),
        ("AUTH0_AUDIENCE", world.fake.audience()),
        ("A0SNAP_CA_FILE", "ca.pem".to_owned()),
        ("A0SNAP_TOKEN_CACHE", "memory".to_owned()),
        ("RUST_LOG", "trace".to_owned()),
    ];
    (world, front, env)
}

fn proxy_url(port: u16) -> String {
    format!("http://proxyuser:{PROXY_PASSWORD}@127.0.0.1:{port}")
}

fn assert_no_proxy_password(output: &str) {
    assert!(
        !output.contains(PROXY_PASSWORD),
        "the proxy password leaked:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn https_proxy_carries_every_request_through_connect_tunnels_and_its_password_never_shows() {
    let (world, front, mut env) = proxied_world().await;
    let (proxy_port, tunnels) = connect_proxy().await;
    env.push(("HTTPS_PROXY", proxy_url(proxy_port)));
    let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
    let output = run.all_output();
    assert_eq!(run.code, 0, "{output}");
    let latest: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("roles", "latest.json")).expect("JSON");
    assert_eq!(latest.len(), 70);
    let seen = tunnels.seen();
    assert!(!seen.is_empty(), "no tunnel was opened");
    // Every connection the tenant's front accepted came through a tunnel.
    assert_eq!(seen.len(), front.connections(), "{seen:?}");
    let target = format!("127.0.0.1:{}", front.port);
    assert!(seen.iter().all(|(to, _)| *to == target), "{seen:?}");
    // The credentials in the URL go to the proxy as Basic authentication.
    assert!(
        seen.iter()
            .all(|(_, auth)| auth.as_deref().is_some_and(|a| a.starts_with("Basic "))),
        "{seen:?}"
    );
    let counters = world.fake.counters();
    assert_eq!((counters.token_requests, counters.api_requests), (1, 2));
    assert!(output.contains("TRACE") || output.contains("DEBUG"));
    assert_no_proxy_password(&output);
    world.assert_no_secrets(&output);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_proxy_sends_the_requests_for_its_hosts_straight_to_the_tenant() {
    let (world, front, mut env) = proxied_world().await;
    let (proxy_port, tunnels) = connect_proxy().await;
    env.push(("HTTPS_PROXY", proxy_url(proxy_port)));
    env.push(("NO_PROXY", "127.0.0.1".to_owned()));
    let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(tunnels.seen().is_empty(), "{:?}", tunnels.seen());
    assert!(front.connections() >= 1);
    assert_eq!(world.fake.counters().api_requests, 2);
    assert_no_proxy_password(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_that_is_down_fails_the_run_naming_proxies_without_its_password() {
    let (world, front, mut env) = proxied_world().await;
    // A port that was free a moment ago: nothing listens there now.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    env.push(("HTTPS_PROXY", proxy_url(closed)));
    env.push(("A0SNAP_MAX_RETRIES", "1".to_owned()));
    let run = world.a0snap_with(&["run"], &borrowed(&env)).await;
    let output = run.all_output();
    assert_eq!(run.code, 1, "{output}");
    assert!(run.stdout.contains("proxies"), "{}", run.stdout);
    assert_eq!(front.connections(), 0);
    assert_no_proxy_password(&output);
}
