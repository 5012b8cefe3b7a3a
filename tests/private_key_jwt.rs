//! Private Key JWT through the real binary: a0snap signs a client assertion instead of sending
//! a secret, fake-auth0 verifies it as Auth0 does, and one token serves every process. The
//! configuration errors (both or neither of secret and key, a key others may read, a key that
//! is not one) exit 2 naming the variables, and the key never appears in any output.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use fake_auth0::{ClientAssertionKey, Config, Sizes};

use crate::common::{self, Run, World, config, empty_sizes};

/// Variables set for one case.
type Env<'a> = Vec<(&'a str, &'a str)>;

const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n";

struct Keyed {
    world: World,
    /// The private key, PEM.
    private_pem: String,
    /// `{dir}/key.pem`, mode 0600.
    key_file: PathBuf,
}

fn pair() -> (String, String) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("an RSA key");
    (pair.serialize_pem(), pair.public_key_pem())
}

/// A tenant whose client has one credential (`alg`, kid `cred-1`), and its private key in a
/// 0600 file.
async fn keyed(alg: &str) -> Keyed {
    let (private_pem, public_key_pem) = pair();
    let world = World::start(Config {
        client_assertion_keys: vec![ClientAssertionKey {
            public_key_pem,
            alg: alg.to_owned(),
            kid: Some("cred-1".to_owned()),
        }],
        ..config(Sizes {
            clients: 7,
            ..empty_sizes()
        })
    })
    .await;
    world.job("apps", APPS);
    let key_file = world.dir.path().join("key.pem");
    std::fs::write(&key_file, &private_pem).expect("key file");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    Keyed {
        world,
        private_pem,
        key_file,
    }
}

impl Keyed {
    /// Runs a0snap with the tenant's environment, without the client secret, plus `extra`.
    async fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let mut env = self.world.env();
        env.retain(|(name, _)| name != "AUTH0_CLIENT_SECRET");
        for (name, value) in extra {
            env.retain(|(existing, _)| existing != name);
            env.push(((*name).into(), (*value).into()));
        }
        common::run_binary(args, &env, self.world.dir.path()).await
    }

    fn key_file(&self) -> String {
        self.key_file.display().to_string()
    }

    /// Asserts that neither the private key nor a token appears in `text`.
    fn assert_no_key(&self, text: &str) {
        self.assert_no_private_key(text);
        self.world.assert_no_secrets(text);
    }

    /// Asserts that no line of the private key's body appears in `text`.
    fn assert_no_private_key(&self, text: &str) {
        for line in self
            .private_pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
        {
            assert!(!text.contains(line), "the private key leaked:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_in_two_processes_sign_one_assertion_and_share_one_cached_token() {
    let keyed = keyed("RS256").await;
    let env = [
        ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", keyed.key_file()),
        ("AUTH0_CLIENT_ASSERTION_KID", "cred-1".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (first, second) = tokio::join!(keyed.run(&["run"], &env), keyed.run(&["run"], &env));
    for run in [&first, &second] {
        assert_eq!(run.code, 0, "{}", run.all_output());
        keyed.assert_no_key(&run.all_output());
    }
    assert_eq!(keyed.world.fake.counters().token_requests, 1);
    assert_eq!(keyed.world.latest_records("apps").len(), 7);
    let cache = common::list(&keyed.world.state_dir().join("tokens"));
    for name in cache {
        let text = std::fs::read_to_string(keyed.world.state_dir().join("tokens").join(name))
            .expect("cache file");
        keyed.assert_no_private_key(&text);
        assert!(!text.contains("client_assertion"), "{text}");
    }
    let info = keyed.run(&["token", "--info"], &env).await;
    assert_eq!(info.code, 0, "{}", info.all_output());
    let facts: serde_json::Value = serde_json::from_str(info.stdout.trim()).expect("JSON");
    assert_eq!(facts["authentication"], "private_key_jwt");
    assert_eq!(facts["source"], "file");
    assert_eq!(keyed.world.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_itself_in_a_variable_and_a_ps256_credential_work_too() {
    let keyed = keyed("PS256").await;
    let run = keyed
        .run(
            &["token", "--info"],
            &[
                (
                    "AUTH0_CLIENT_ASSERTION_SIGNING_KEY",
                    keyed.private_pem.as_str(),
                ),
                ("AUTH0_CLIENT_ASSERTION_SIGNING_ALG", "PS256"),
            ],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    keyed.assert_no_key(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_assertion_auth0_refuses_fails_the_run_naming_the_check_and_the_variables() {
    let keyed = keyed("RS256").await;
    let (other_key, _) = pair();
    let other_file = keyed.world.dir.path().join("other.pem");
    std::fs::write(&other_file, &other_key).expect("file");
    std::fs::set_permissions(&other_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let key_file = keyed.key_file();
    let other_file = other_file.display().to_string();
    let cases: [(&str, Env, &str); 4] = [
        (
            "another algorithm than the credential's",
            vec![
                ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", key_file.as_str()),
                ("AUTH0_CLIENT_ASSERTION_SIGNING_ALG", "RS384"),
            ],
            "does not match the credential's",
        ),
        (
            "another key",
            vec![(
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
                other_file.as_str(),
            )],
            "Invalid client assertion signature",
        ),
        (
            "a kid the client does not have",
            vec![
                ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", key_file.as_str()),
                ("AUTH0_CLIENT_ASSERTION_KID", "cred-2"),
            ],
            "No credential with kid cred-2",
        ),
        (
            "another client id",
            vec![
                ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", key_file.as_str()),
                ("AUTH0_CLIENT_ID", "someone-else"),
            ],
            "'iss' and 'sub' claims must be the client_id",
        ),
    ];
    for (case, env, says) in cases {
        let run = keyed.run(&["run"], &env).await;
        let output = run.all_output();
        assert_eq!(run.code, 1, "{case}: {output}");
        assert!(
            output.contains("invalid_client") && output.contains(says),
            "{case}: {output}"
        );
        assert!(
            output.contains("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE"),
            "{case}: {output}"
        );
        keyed.assert_no_key(&output);
    }
    assert!(keyed.world.fake.issued_tokens().is_empty());
    assert!(keyed.world.snapshot_files("apps", "").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_with_a_key_no_credential_an_open_key_file_or_a_bad_key_exit_2_naming_the_variables()
 {
    let keyed = keyed("RS256").await;
    let key_file = keyed.key_file();
    let open_file = keyed.world.dir.path().join("open.pem");
    std::fs::write(&open_file, &keyed.private_pem).expect("file");
    std::fs::set_permissions(&open_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let open_file = open_file.display().to_string();
    let not_a_key = keyed.world.dir.path().join("not-a-key.pem");
    std::fs::write(
        &not_a_key,
        "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n",
    )
    .expect("file");
    std::fs::set_permissions(&not_a_key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let not_a_key = not_a_key.display().to_string();
    let cases: [(&str, Env, &[&str]); 5] = [
        (
            "both",
            vec![
                ("AUTH0_CLIENT_SECRET", common::CLIENT_SECRET),
                ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", key_file.as_str()),
            ],
            &[
                "AUTH0_CLIENT_SECRET",
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY",
                "both set",
            ],
        ),
        (
            "neither",
            vec![],
            &[
                "AUTH0_CLIENT_SECRET",
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
            ],
        ),
        (
            "a key file every user may read",
            vec![(
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
                open_file.as_str(),
            )],
            &[
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
                "chmod 600",
                "644",
            ],
        ),
        (
            "not a key",
            vec![(
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
                not_a_key.as_str(),
            )],
            &[
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
                "not an RSA private key in PEM",
            ],
        ),
        (
            "an algorithm Auth0 does not take",
            vec![
                ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", key_file.as_str()),
                ("AUTH0_CLIENT_ASSERTION_SIGNING_ALG", "HS256"),
            ],
            &[
                "AUTH0_CLIENT_ASSERTION_SIGNING_ALG",
                "RS256, RS384 or PS256",
            ],
        ),
    ];
    for (case, env, says) in cases {
        let run = keyed.run(&["run"], &env).await;
        let output = run.all_output();
        assert_eq!(run.code, 2, "{case}: {output}");
        for words in says {
            assert!(
                output.contains(words),
                "{case}: {words:?} missing from {output}"
            );
        }
        keyed.assert_no_key(&output);
    }
    assert_eq!(keyed.world.fake.counters().token_requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_token_request_signs_a_fresh_assertion_since_auth0_takes_each_jti_once() {
    let keyed = keyed("RS256").await;
    // The first answer is cut short after the fake accepted the assertion (its jti is spent):
    // the retry must carry a new one.
    keyed.world.fake.inject(fake_auth0::FaultRule::nth(
        Some("/oauth/token"),
        1,
        fake_auth0::Fault::TruncatedBody,
    ));
    let key_file = keyed.key_file();
    let run = keyed
        .run(
            &["token", "--info"],
            &[("AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE", key_file.as_str())],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(keyed.world.fake.counters().token_requests, 2);
    assert_eq!(keyed.world.fake.issued_tokens().len(), 2);
}
