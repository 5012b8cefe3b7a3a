//! `fake-auth0`: serves a fake Auth0 tenant on loopback until killed.
//!
//! Prints the base URL as the first line on stdout (scripts read it), then the client id on
//! stderr. Without size flags the tenant is the demo sample; any size flag generates one.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fake_auth0::{Config, RateLimit, RateLimits, Sizes, Tenant};
use tracing_subscriber::EnvFilter;

/// An Auth0 stand-in on 127.0.0.1 for tests, demos and benchmarks.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to bind on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The client id the token endpoint accepts.
    #[arg(long, default_value = fake_auth0::config::DEMO_CLIENT_ID)]
    client_id: String,
    /// The client secret the token endpoint accepts.
    #[arg(long, default_value = fake_auth0::config::DEMO_CLIENT_SECRET, hide_default_value = true)]
    client_secret: String,
    /// Number of generated clients (any size flag replaces the sample tenant).
    #[arg(long)]
    clients: Option<usize>,
    /// Number of generated users.
    #[arg(long)]
    users: Option<usize>,
    /// Number of generated roles.
    #[arg(long)]
    roles: Option<usize>,
    /// Number of generated connections.
    #[arg(long)]
    connections: Option<usize>,
    /// Number of generated resource servers.
    #[arg(long)]
    resource_servers: Option<usize>,
    /// Number of generated client grants.
    #[arg(long)]
    client_grants: Option<usize>,
    /// Number of generated organizations.
    #[arg(long)]
    organizations: Option<usize>,
    /// Number of generated log events.
    #[arg(long)]
    logs: Option<usize>,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Milliseconds added to every API answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Milliseconds added to every token answer.
    #[arg(long, default_value_t = 0)]
    token_latency_ms: u64,
    /// Rate-limit bucket size (needs --rate).
    #[arg(long, requires = "rate")]
    burst: Option<u32>,
    /// Rate-limit refill, requests per second (needs --burst).
    #[arg(long, requires = "burst")]
    rate: Option<f64>,
    /// Auth0's documented Management API buckets of a plan: free, essentials (also
    /// Professional) or enterprise; --burst/--rate then replace its global bucket.
    #[arg(long, value_parser = ["free", "essentials", "enterprise"])]
    plan: Option<String>,
    /// Send Retry-After on 429 answers.
    #[arg(long)]
    retry_after: bool,
    /// Token lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    token_lifetime: u64,
}

impl Args {
    fn tenant(&self) -> Tenant {
        let sizes = [
            self.clients,
            self.users,
            self.roles,
            self.connections,
            self.resource_servers,
            self.client_grants,
            self.organizations,
            self.logs,
        ];
        if sizes.iter().all(Option::is_none) {
            return Tenant::sample();
        }
        let size = |n: Option<usize>| n.unwrap_or(0);
        let sizes = Sizes {
            clients: size(self.clients),
            users: size(self.users),
            roles: size(self.roles),
            connections: size(self.connections),
            resource_servers: size(self.resource_servers),
            client_grants: size(self.client_grants),
            organizations: size(self.organizations),
            logs: size(self.logs),
        };
        Tenant::generate(&sizes, self.seed)
    }

    fn config(&self) -> Config {
        let mut config = Config::new(
            self.client_id.clone(),
            self.client_secret.clone(),
            self.tenant(),
        );
        config.latency = Duration::from_millis(self.latency_ms);
        config.token_latency = Duration::from_millis(self.token_latency_ms);
        config.token_lifetime = Duration::from_secs(self.token_lifetime);
        config.send_retry_after = self.retry_after;
        config = match self.plan.as_deref() {
            Some("free") => config.with_rate_limits(RateLimits::free()),
            Some("essentials") => config.with_rate_limits(RateLimits::essentials()),
            Some("enterprise") => config.with_rate_limits(RateLimits::enterprise()),
            _ => config,
        };
        if let (Some(burst), Some(per_second)) = (self.burst, self.rate) {
            config.rate_limit = Some(RateLimit { burst, per_second });
        }
        config
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let fake = match fake_auth0::start_on(args.config(), addr).await {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("fake-auth0: cannot listen on {addr}: {error}; pick another --port");
            return ExitCode::from(1);
        }
    };
    println!("{}", fake.base_url());
    eprintln!(
        "fake-auth0: client id {}, audience {}",
        args.client_id,
        fake.audience()
    );
    wait_for_signal().await;
    fake.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
