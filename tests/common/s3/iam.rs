//! moto's IAM, for the "access denied" cases: users with inline policies made through moto's
//! IAM API (form POSTs to the same server), then enforcement switched on.

use super::{
    BUCKET, Credentials, LocalServer, REGION, S3Server, between, create_bucket, start_moto,
};

/// The keys of the users with partial rights, made by [`S3Server::start_with_iam`].
pub(super) struct Restricted {
    /// May list and read the bucket: not write, not delete.
    pub(super) reader: Credentials,
    /// May write, read and delete objects: not list.
    pub(super) writer: Credentials,
}

impl S3Server {
    /// Starts moto with [`BUCKET`], an `admin` user (`s3:*`), a `reader` user (only
    /// `s3:ListBucket` and `s3:GetObject` on the bucket) and a `writer` user (`s3:PutObject`,
    /// `s3:GetObject`, `s3:DeleteObject`, `s3:AbortMultipartUpload`, no listing), then turns IAM
    /// enforcement on: from then on moto checks every request's signature and the user's
    /// policy. `None` (and `SKIPPED: …`) when `moto_server` is not installed.
    pub(crate) async fn start_with_iam() -> Option<Self> {
        let server = start_moto().await?;
        create_bucket(&server, BUCKET).await;
        let bucket_arn = format!("arn:aws:s3:::{BUCKET}");
        let admin = create_user(
            &server,
            "admin",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
            }),
        )
        .await;
        let reader = create_user(
            &server,
            "reader",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetObject"],
                    "Resource": [bucket_arn.clone(), format!("{bucket_arn}/*")]
                }]
            }),
        )
        .await;
        let writer = create_user(
            &server,
            "writer",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": [
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:DeleteObject",
                        "s3:AbortMultipartUpload"
                    ],
                    "Resource": format!("{bucket_arn}/*")
                }]
            }),
        )
        .await;
        // moto's switch: the number of requests still let through unchecked, and the count
        // restarts. Zero: every request from now on is authenticated and authorised. (The
        // same setting as `INITIAL_NO_AUTH_ACTION_COUNT` at start-up, which would make the
        // harness count its own set-up requests: one more, or one retried, and the users
        // would be made with enforcement on.)
        let answer = reqwest::Client::new()
            .post(format!("{}/moto-api/reset-auth", server.base_url()))
            .header("content-type", "text/plain")
            .body("0")
            .send()
            .await
            .expect("moto answers reset-auth");
        assert!(answer.status().is_success(), "reset-auth: {answer:?}");
        Some(Self::with(
            server,
            admin,
            Some(Restricted { reader, writer }),
        ))
    }
}

/// Creates the IAM user `name` with the inline `policy` and returns a new key of theirs.
/// Unsigned requests (IAM is not enforced yet): moto picks the service from the credential
/// scope of the `Authorization` header, so a placeholder one says "iam".
async fn create_user(server: &LocalServer, name: &str, policy: &serde_json::Value) -> Credentials {
    let policy = policy.to_string();
    let calls: [&[(&str, &str)]; 3] = [
        &[("Action", "CreateUser"), ("UserName", name)],
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "a0snap-test"),
            ("PolicyDocument", &policy),
        ],
        &[("Action", "CreateAccessKey"), ("UserName", name)],
    ];
    let mut last = String::new();
    for form in calls {
        let answer = reqwest::Client::new()
            .post(server.base_url())
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=setup/20260101/{REGION}/iam/aws4_request, SignedHeaders=host, Signature=0"
                ),
            )
            .form(&[form, &[("Version", "2010-05-08")]].concat())
            .send()
            .await
            .expect("moto answers IAM");
        let status = answer.status();
        last = answer.text().await.expect("an IAM answer");
        assert!(status.is_success(), "IAM {form:?}: {status}\n{last}");
    }
    Credentials {
        access_key_id: between(&last, "<AccessKeyId>", "</AccessKeyId>").into(),
        secret_access_key: between(&last, "<SecretAccessKey>", "</SecretAccessKey>").into(),
    }
}
