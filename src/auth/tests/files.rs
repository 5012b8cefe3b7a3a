//! The token file: what it holds, its modes, files that must not be trusted, an unusable
//! state folder, and what logs and `Debug` output never show.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use super::server::{Reply, TokenServer};
use super::{CLIENT_ID, SECRET, credentials, file_cache};
use crate::auth::AuthError;
use crate::auth::token::TokenSource;

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

/// Writes a token file by hand, as another run (or someone else) might have left it.
fn plant(server: &TokenServer, path: &Path, client_id: &str, mode: u32) {
    let now = Timestamp::now();
    let file = serde_json::json!({
        "version": 1,
        "domain": credentials(server).domain(),
        "client_id": client_id,
        "audience": credentials(server).audience,
        "access_token": "planted-token",
        "token_type": "Bearer",
        "issued_at": now.to_string(),
        "expires_at": (now + SignedDuration::from_hours(24)).to_string(),
    });
    write_planted(path, &file.to_string(), mode);
}

fn write_planted(path: &Path, text: &str, mode: u32) {
    let dir = path.parent().expect("parent");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .expect("dir");
    fs::write(path, text).expect("write");
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A planted file must be refused with a warning naming `reason`, and replaced by a fresh
/// token in a 0600 file.
async fn refused_and_replaced(setup: impl FnOnce(&TokenServer, &Path), reason: &str) {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let cache = file_cache(&server, state.path());
    let path = cache.token_file().expect("file mode").to_path_buf();
    setup(&server, &path);
    let (logs, _guard) = super::logs::capture();
    let token = cache.get().await.expect("fresh token");
    assert_eq!(token.source(), TokenSource::Fresh);
    assert_eq!(server.requests(), 1);
    let logged = logs.text();
    assert!(
        logged.contains("WARN") && logged.contains(reason),
        "{logged}"
    );
    assert!(!logged.contains("planted-token"), "{logged}");
    assert_eq!(mode_of(&path), 0o600);
    let reloaded = file_cache(&server, state.path())
        .get()
        .await
        .expect("reload");
    assert!(reloaded.is_same(&token) && reloaded.source() == TokenSource::File);
}

#[tokio::test]
async fn a_corrupt_token_file_is_replaced_with_a_warning() {
    let corrupt =
        |_: &TokenServer, path: &Path| write_planted(path, "{\"version\": 1, \"acc", 0o600);
    refused_and_replaced(corrupt, "is not a valid token file").await;
}

#[tokio::test]
async fn a_token_file_for_another_client_is_replaced_with_a_warning() {
    let other = |server: &TokenServer, path: &Path| plant(server, path, "another-client", 0o600);
    refused_and_replaced(other, "another-client").await;
}

#[tokio::test]
async fn a_token_file_readable_by_others_is_replaced_with_a_warning() {
    let loose = |server: &TokenServer, path: &Path| plant(server, path, CLIENT_ID, 0o644);
    refused_and_replaced(loose, "mode 0644").await;
}

#[tokio::test]
async fn a_valid_planted_file_is_used_as_is() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let cache = file_cache(&server, state.path());
    plant(
        &server,
        cache.token_file().expect("file mode"),
        CLIENT_ID,
        0o600,
    );
    assert_eq!(cache.get().await.expect("token").bearer(), "planted-token");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn the_token_file_is_private_and_never_holds_the_secret() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let cache = file_cache(&server, state.path());
    let token = cache.get().await.expect("token");
    let path = cache.token_file().expect("file mode");
    let text = fs::read_to_string(path).expect("read");
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains(token.bearer()) && text.contains(CLIENT_ID));
    assert_eq!(mode_of(path), 0o600);
    assert_eq!(mode_of(path.parent().expect("tokens dir")), 0o700);
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some(format!("{}.json", credentials(&server).cache_key()).as_str())
    );
    let leftovers = fs::read_dir(path.parent().expect("dir"))
        .expect("list")
        .count();
    assert_eq!(
        leftovers, 2,
        "the token file and its lock file, no temporary files"
    );
}

#[tokio::test]
async fn a_token_folder_open_to_others_is_tightened() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let tokens = state.path().join("tokens");
    fs::create_dir(&tokens).expect("mkdir");
    fs::set_permissions(&tokens, fs::Permissions::from_mode(0o755)).expect("chmod");
    file_cache(&server, state.path())
        .get()
        .await
        .expect("token");
    assert_eq!(mode_of(&tokens), 0o700);
}

#[tokio::test]
async fn an_unusable_state_folder_says_which_path_and_how_to_avoid_it() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let blocker = state.path().join("not-a-folder");
    fs::write(&blocker, "").expect("write");
    let error = file_cache(&server, &blocker)
        .get()
        .await
        .expect_err("no state folder");
    let message = error.to_string();
    assert!(matches!(error, AuthError::StateDir { .. }), "{error:?}");
    assert!(message.contains("not-a-folder"), "{message}");
    assert!(message.contains("A0SNAP_STATE_DIR") && message.contains("A0SNAP_TOKEN_CACHE=memory"));
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn logs_and_debug_output_never_show_the_secret_or_a_token() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let (logs, _guard) = super::logs::capture();
    let cache = file_cache(&server, state.path());
    let fetched = cache.get().await.expect("fetch");
    let reused = cache.get().await.expect("reuse");
    cache.invalidate(&fetched);
    let renewed = cache.get().await.expect("renew");
    let loaded = file_cache(&server, state.path()).get().await.expect("load");
    server.script([
        Reply::status(503, None),
        Reply::oauth_error(401, "access_denied", "Unauthorized"),
    ]);
    cache.invalidate(&renewed);
    cache.get().await.expect_err("refused");
    let logged = logs.text();
    for word in [
        "token reused",
        "token loaded from file",
        "token fetched",
        "expires_at",
    ] {
        assert!(logged.contains(word), "missing {word:?} in {logged}");
    }
    let shown = format!(
        "{logged} {fetched:?} {reused:?} {loaded:?} {cache:?} {:?}",
        credentials(&server)
    );
    for secret in [SECRET, "issued-token-"] {
        assert!(!shown.contains(secret), "{secret:?} leaked: {shown}");
    }
}
