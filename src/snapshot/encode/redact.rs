//! Redaction: secret values (at any depth) become the string `"[REDACTED]"`, by the one rule
//! of [`Secrecy`]: a secret name hides a string or number and is walked through when it holds
//! an object or array (a client's `refresh_token` policy keeps `token_lifetime`), key material
//! (`signing_keys`, `encryption_key`, ...) is hidden whole, `null` and booleans are kept.
//!
//! Most records hold no secret: when [`may_hold_secrets`] says so, a record's bytes are written
//! unchanged and never parsed. Otherwise the record is walked as raw JSON: containers on the
//! way to a secret are rebuilt compactly, every other value is copied byte for byte, so field
//! order, number spelling and string escapes survive. A record that turns out to hold no
//! secret is written unchanged. This module must not decide what is secret: that is
//! [`crate::secret_fields`]'s, which the CSV column reader ([`super::lookup`]) follows too.

use serde_json::value::RawValue;

use super::raw::{Kind, kind, object_entries};
pub use crate::secret_fields::REDACTED;
use crate::secret_fields::{Secrecy, may_hold_secrets, secrecy};

/// Redacts records, reusing one buffer for the records that need rewriting.
#[derive(Debug, Default)]
pub struct Redactor {
    /// The last rewritten record.
    buffer: Vec<u8>,
}

impl Redactor {
    /// A redactor with an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The record's JSON text with secret values redacted: its own bytes when it holds none.
    ///
    /// # Errors
    /// When the record is not valid JSON (a page's records are, once the page parsed).
    pub fn redact<'a>(&'a mut self, record: &'a RawValue) -> Result<&'a [u8], serde_json::Error> {
        let text = record.get();
        if !may_hold_secrets(text) {
            return Ok(text.as_bytes());
        }
        self.buffer.clear();
        if redact_into(text, Secrecy::Plain, &mut self.buffer)? {
            Ok(&self.buffer)
        } else {
            Ok(text.as_bytes())
        }
    }
}

/// Appends `json`, the value of a field of the given secrecy, with secret values redacted to
/// `out`; `true` if anything was redacted.
pub(crate) fn redact_into(
    json: &str,
    secrecy: Secrecy,
    out: &mut Vec<u8>,
) -> Result<bool, serde_json::Error> {
    if secrecy.hides(json) {
        serde_json::to_writer(&mut *out, REDACTED)?;
        return Ok(true);
    }
    match kind(json) {
        Kind::Object => redact_object(json, out),
        Kind::Array => redact_array(json, secrecy, out),
        _ => {
            out.extend_from_slice(json.as_bytes());
            Ok(false)
        }
    }
}

fn redact_object(json: &str, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
    let entries = object_entries(json)?;
    let mut redacted = false;
    out.push(b'{');
    for (position, (key, value)) in entries.iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, key.as_ref())?;
        out.push(b':');
        redacted |= redact_nested(value.get(), secrecy(key), out)?;
    }
    out.push(b'}');
    Ok(redacted)
}

/// An array's items are judged with the secrecy of the array's field.
fn redact_array(
    json: &str,
    secrecy: Secrecy,
    out: &mut Vec<u8>,
) -> Result<bool, serde_json::Error> {
    let items: Vec<&RawValue> = serde_json::from_str(json)?;
    let mut redacted = false;
    out.push(b'[');
    for (position, item) in items.iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        redacted |= redact_nested(item.get(), secrecy, out)?;
    }
    out.push(b']');
    Ok(redacted)
}

fn redact_nested(
    json: &str,
    secrecy: Secrecy,
    out: &mut Vec<u8>,
) -> Result<bool, serde_json::Error> {
    if secrecy != Secrecy::Plain || may_hold_secrets(json) {
        redact_into(json, secrecy, out)
    } else {
        out.extend_from_slice(json.as_bytes());
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(json: &str) -> String {
        let record = RawValue::from_string(json.to_owned()).unwrap();
        let mut redactor = Redactor::new();
        String::from_utf8(redactor.redact(&record).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn secret_fields_at_any_depth_are_redacted_and_order_is_kept() {
        let input = r#"{"z":1,"client_secret":"s3cr3t","options":{"b":2,"app_secret":7,"a":[{"password":"p","keep":1.50}]},"signing_keys":[{"cert":"c"}],"name":"n"}"#;
        let expected = r#"{"z":1,"client_secret":"[REDACTED]","options":{"b":2,"app_secret":"[REDACTED]","a":[{"password":"[REDACTED]","keep":1.50}]},"signing_keys":"[REDACTED]","name":"n"}"#;
        assert_eq!(redacted(input), expected);
    }

    #[test]
    fn objects_under_secret_names_keep_their_settings_and_lose_only_the_secrets_inside() {
        let input = r#"{"refresh_token":{"rotation_type":"rotating","token_lifetime":2592000,"leeway":0},"options":{"authentication_methods":{"password":{"enabled":true,"api_behavior":"required"}},"password":{"secret":"s","enabled":false},"passwords":null},"password":["p1",{"hint":"h","secret":"s2"}],"secret":null,"client_secret":false}"#;
        let expected = r#"{"refresh_token":{"rotation_type":"rotating","token_lifetime":2592000,"leeway":0},"options":{"authentication_methods":{"password":{"enabled":true,"api_behavior":"required"}},"password":{"secret":"[REDACTED]","enabled":false},"passwords":null},"password":["[REDACTED]",{"hint":"h","secret":"[REDACTED]"}],"secret":null,"client_secret":false}"#;
        assert_eq!(redacted(input), expected);
        let settings_only = r#"{"refresh_token":{"token_lifetime":1},"jwt_configuration":{"secret_encoded":false}}"#;
        assert_eq!(redacted(settings_only), settings_only);
    }

    #[test]
    fn key_material_is_redacted_whole_whatever_its_shape() {
        let input = r#"{"encryption_key":{"pub":"p","cert":"c","subject":"s"},"signing_keys":[{"cert":"c","pkcs7":"p"}],"options":{"signing_key":{"key":"-----BEGIN PRIVATE KEY-----","cert":"c"},"decryptionKey":"k"},"private_key":"pk","signing_secret":"hs256","encryption_key_null":null}"#;
        let expected = r#"{"encryption_key":"[REDACTED]","signing_keys":"[REDACTED]","options":{"signing_key":"[REDACTED]","decryptionKey":"[REDACTED]"},"private_key":"[REDACTED]","signing_secret":"[REDACTED]","encryption_key_null":null}"#;
        assert_eq!(redacted(input), expected);
    }

    #[test]
    fn a_record_without_secrets_is_returned_byte_for_byte() {
        let input = r#"{ "b" : 1e3, "a":"Wrong email or password.", "c":"\u00e9" }"#;
        assert_eq!(redacted(input), input);
    }

    #[test]
    fn an_escaped_key_spelling_a_secret_name_is_still_redacted() {
        assert_eq!(
            redacted(r#"{"client\u005fsecret":"s"}"#),
            r#"{"client_secret":"[REDACTED]"}"#
        );
    }
}
