//! The multipart uploads in progress in the bucket: `GET /bucket?uploads`, which object_store
//! does not offer, signed with object_store's own SigV4 signer (moto checks signatures when
//! IAM is enforced).

use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::client::{HttpRequest, HttpRequestBody};

use super::{BUCKET, REGION, S3Server, between, xml_unescape};

/// One multipart upload that was started and neither completed nor aborted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upload {
    /// The key it will create.
    pub key: String,
    /// Its id.
    pub upload_id: String,
}

impl S3Server {
    /// The multipart uploads in progress under `prefix` in [`BUCKET`] (`GET /bucket?uploads`,
    /// which object_store does not offer), sorted by key.
    pub(crate) async fn multipart_uploads(&self, prefix: &str) -> Vec<Upload> {
        let mut url = url::Url::parse(&format!("{}/{BUCKET}", self.endpoint())).expect("a URL");
        url.query_pairs_mut()
            .append_pair("uploads", "")
            .append_pair("prefix", prefix);
        let text = self.signed_get(url.as_str()).await;
        let mut uploads: Vec<Upload> = text
            .split("<Upload>")
            .skip(1)
            .map(|upload| Upload {
                key: xml_unescape(between(upload, "<Key>", "</Key>")),
                upload_id: xml_unescape(between(upload, "<UploadId>", "</UploadId>")),
            })
            .collect();
        uploads.sort_by(|a, b| a.key.cmp(&b.key));
        uploads
    }

    /// `GET url` signed with the admin key (moto checks signatures when IAM is on); the body
    /// of a 200, or a panic with the answer.
    async fn signed_get(&self, url: &str) -> String {
        let credential = AwsCredential {
            key_id: self.admin.access_key_id.clone(),
            secret_key: self.admin.secret_access_key.clone(),
            token: None,
        };
        let mut request: HttpRequest = http::Request::builder()
            .method("GET")
            .uri(url)
            .body(HttpRequestBody::empty())
            .expect("a GET request");
        AwsAuthorizer::new(&credential, "s3", REGION)
            .try_authorize(&mut request, None)
            .expect("the request is signed");
        let answer = reqwest::Client::new()
            .get(url)
            .headers(request.headers().clone())
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {url}: {error}"));
        let status = answer.status();
        let text = answer.text().await.expect("a body");
        assert!(status.is_success(), "GET {url}: {status}\n{text}");
        text
    }
}
