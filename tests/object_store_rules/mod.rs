//! The rules of an object-storage output beyond its layout: one writer per job (the lease
//! object), incremental logs resumed from the store by pods that start with an empty disk, the
//! refusals of a missing bucket or a missing permission, `a0snap validate`'s probe object, and
//! the configuration errors. Every test runs the real binary against fake-auth0 and, where a
//! store is needed, moto's S3 server (each test returns early with the harness's `SKIPPED`
//! line when `moto_server` is not installed).

mod config;
mod incremental;
mod lease;
mod refusals;
mod validate;

use std::time::Duration;

use bytes::Bytes;

use crate::common::bucket::Bucket;
use crate::common::s3::S3Server;
use crate::common::{Run, World, config, empty_sizes, pairs};

/// A `clients` job written as JSON, `per_page` records a page.
fn clients_job(per_page: usize) -> String {
    format!(
        "every = \"1h\"\nendpoint = \"clients\"\nparams = {{ per_page = {per_page} }}\n[output]\nformat = [\"json\"]\n"
    )
}

/// A tenant of `clients` applications answering every API request after `latency`, with the
/// job `clients` reading them two a page.
async fn clients_world(clients: usize, latency: Duration) -> World {
    let mut config = config(fake_auth0::Sizes {
        clients,
        ..empty_sizes()
    });
    config.latency = latency;
    let world = World::start(config).await;
    world.job("clients", &clients_job(2));
    world
}

/// Runs `a0snap ARGS` with the world's environment plus `env` (which wins).
async fn a0snap(world: &World, args: &[&str], env: &[(String, String)]) -> Run {
    world.a0snap_with(args, &pairs(env)).await
}

/// `env` with `name` set to `value` (replacing it if there).
fn with(mut env: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    env.retain(|(existing, _)| existing != name);
    env.push((name.into(), value.into()));
    env
}

/// Every object under `prefix` with its bytes: what a refused run must leave as it was.
async fn contents(bucket: &Bucket, prefix: &str) -> Vec<(String, Bytes)> {
    let mut objects = Vec::new();
    for key in bucket.keys(prefix).await {
        let body = bucket.read(&key).await;
        objects.push((key, body));
    }
    objects
}

/// The committed snapshots of `job` among `keys`: its `{job}-….meta.json` objects.
fn committed(keys: &[String], job: &str) -> Vec<String> {
    keys.iter()
        .filter(|key| {
            key.rsplit('/')
                .next()
                .is_some_and(|name| name.starts_with(&format!("{job}-")))
                && key.ends_with(".meta.json")
        })
        .cloned()
        .collect()
}

/// Asserts that no secret the store's users hold, nor the tenant's, appears in `text`.
fn assert_no_secrets(world: &World, s3: &S3Server, text: &str) {
    world.assert_no_secrets(text);
    for secret in s3.secrets() {
        assert!(
            !text.contains(&secret),
            "an AWS secret access key leaked:\n{text}"
        );
    }
}
