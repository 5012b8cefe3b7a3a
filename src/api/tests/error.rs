//! What a refused request's message tells the user.

use super::*;

fn insufficient_scope(path: &str) -> String {
    ApiError::Refused {
        path: path.to_owned(),
        status: 403,
        body: Box::new(ErrorBody {
            error: Some("Forbidden".into()),
            message: Some("Insufficient scope".into()),
            error_code: Some("insufficient_scope".into()),
        }),
    }
    .to_string()
}

#[test]
fn a_missing_scope_is_named_when_the_endpoint_is_known() {
    let message = insufficient_scope("/api/v2/organizations");
    assert!(
        message.contains("grant read:organizations to the application"),
        "{message}"
    );
    let message = insufficient_scope("/api/v2/widgets");
    assert!(message.contains("grant the missing scope"), "{message}");
}
