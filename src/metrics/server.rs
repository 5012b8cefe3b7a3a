//! The daemon's observability endpoint on `A0SNAP_METRICS_ADDR`: `GET /healthz` answers 200
//! `ok` while the process runs, `GET /metrics` the counters in Prometheus text format.
//!
//! It binds first and serves afterwards, so a taken port is a configuration error reported
//! before any job runs, and a test can bind port 0 and read the real address back.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use super::Metrics;

/// The content type of the Prometheus text exposition format (version 0.0.4), as the
/// encoder that writes it names it.
const TEXT_FORMAT: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
#[error(
    "A0SNAP_METRICS_ADDR: cannot listen on {addr}: {source}; choose a free port or unset the variable"
)]
pub struct BindError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// What the system said.
    #[source]
    pub source: std::io::Error,
}

/// A bound, not yet serving, metrics endpoint.
#[derive(Debug)]
pub(crate) struct MetricsServer {
    /// The bound socket.
    listener: TcpListener,
    /// The address it is bound to (the real port when asked for port 0).
    addr: SocketAddr,
}

impl MetricsServer {
    /// Binds `addr`.
    pub(crate) async fn bind(addr: SocketAddr) -> Result<Self, BindError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| BindError { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| BindError { addr, source })?;
        Ok(Self { listener, addr })
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `metrics` until `shutdown` completes.
    pub(crate) async fn serve(
        self,
        metrics: Arc<Metrics>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) {
        let app = Router::new()
            .route("/healthz", get(healthz))
            .route("/metrics", get(render))
            .with_state(metrics);
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, addr = %self.addr, "the metrics endpoint stopped");
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn render(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], metrics.render())
}
