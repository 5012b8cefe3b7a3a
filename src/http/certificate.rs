//! Telling a refused TLS certificate apart from other transport failures, and wording it.
//!
//! A certificate the verifier refuses (unknown issuer, a CA certificate served as the server's
//! own, a wrong host name, an expired certificate) is refused again on every try, so callers
//! fail at once instead of retrying. The problem is read from the `rustls` error that reqwest's
//! connector wraps (an `io::Error` holding a `rustls::Error::InvalidCertificate`). This module
//! decides nothing about retries and never sees a request, a token or a URL's query.

use std::error::Error as StdError;
use std::fmt;

use rustls::CertificateError;

/// A certificate refused by TLS verification: what is wrong with it, and how to fix it.
/// `Clone`, so the tasks that waited for one token renewal can all report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateProblem {
    /// Which problem it is.
    kind: ProblemKind,
    /// What the TLS library said, for the details (host names presented, times).
    detail: String,
}

/// The certificate problems users meet, each with its own fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProblemKind {
    /// No trusted root signed it (a private CA, a TLS-inspecting proxy, a self-signed cert).
    UnknownIssuer,
    /// The server presented a CA certificate as its own (webpki's `CaUsedAsEndEntity`).
    CaAsServer,
    /// It is not valid for the host that was asked.
    WrongHost,
    /// It has expired.
    Expired,
    /// It is not valid yet.
    NotYetValid,
    /// Anything else the verifier refused (revoked, bad signature, bad encoding, ...).
    Other,
}

impl CertificateProblem {
    /// The certificate problem behind `error`, if TLS verification refused the server's
    /// certificate; `None` for every other failure (timeouts, refused connections, ...).
    pub fn of(error: &reqwest::Error) -> Option<Self> {
        let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(current) = cause {
            if let Some(problem) = Self::from_rustls(current) {
                return Some(problem);
            }
            // `io::Error::source` skips the error it wraps (and io errors nest), so step into
            // it explicitly.
            cause = match current
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                Some(inner) => Some(inner),
                None => current.source(),
            };
        }
        None
    }

    fn from_rustls(error: &(dyn StdError + 'static)) -> Option<Self> {
        let rustls::Error::InvalidCertificate(certificate) =
            error.downcast_ref::<rustls::Error>()?
        else {
            return None;
        };
        let kind = match certificate {
            CertificateError::UnknownIssuer => ProblemKind::UnknownIssuer,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                ProblemKind::WrongHost
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ProblemKind::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ProblemKind::NotYetValid
            }
            CertificateError::Other(other) if other.to_string().contains("CaUsedAsEndEntity") => {
                ProblemKind::CaAsServer
            }
            _ => ProblemKind::Other,
        };
        Some(Self {
            kind,
            detail: certificate.to_string(),
        })
    }
}

impl fmt::Display for CertificateProblem {
    /// The problem in words, its details, and the fix, e.g. "the certificate is not valid for
    /// this host name (...); check AUTH0_DOMAIN ...".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, fix) = match self.kind {
            ProblemKind::UnknownIssuer => (
                "the certificate was issued by an unknown authority (unknown issuer)",
                "if a corporate proxy or a private CA signs it, put that CA's certificate (PEM) in A0SNAP_CA_FILE",
            ),
            ProblemKind::CaAsServer => (
                "the server presented a CA certificate as its own certificate",
                "A0SNAP_CA_FILE holds the CA that signs the server's certificate, but the server must present a certificate issued by that CA, not the CA itself",
            ),
            ProblemKind::WrongHost => (
                "the certificate is not valid for this host name",
                "check AUTH0_DOMAIN (use the name the certificate is issued for); A0SNAP_CA_FILE cannot fix a name",
            ),
            ProblemKind::Expired => (
                "the certificate has expired",
                "the server's certificate must be renewed, or this machine's clock is wrong; A0SNAP_CA_FILE cannot make it valid",
            ),
            ProblemKind::NotYetValid => (
                "the certificate is not valid yet",
                "check this machine's clock; A0SNAP_CA_FILE cannot make it valid",
            ),
            ProblemKind::Other => (
                "the certificate was refused",
                "check the certificate the server presents, and A0SNAP_CA_FILE",
            ),
        };
        write!(f, "{what} ({}); not retried: {fix}", self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_names_itself_and_a0snap_ca_file() {
        for (kind, words) in [
            (ProblemKind::UnknownIssuer, "unknown issuer"),
            (ProblemKind::CaAsServer, "a CA certificate as its own"),
            (ProblemKind::WrongHost, "not valid for this host name"),
            (ProblemKind::Expired, "has expired"),
            (ProblemKind::NotYetValid, "not valid yet"),
            (ProblemKind::Other, "refused"),
        ] {
            let text = CertificateProblem {
                kind,
                detail: "detail".to_owned(),
            }
            .to_string();
            assert!(
                text.contains(words) && text.contains("A0SNAP_CA_FILE"),
                "{text}"
            );
        }
    }
}
