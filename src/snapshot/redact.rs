//! Redaction: secret fields (at any depth) get the string `"[REDACTED]"`.
//!
//! Most records hold no secret: when [`may_hold_secrets`](crate::secret_fields::may_hold_secrets) says so, a record's bytes are written
//! unchanged and never parsed. Otherwise the record is walked as raw JSON: containers on the
//! way to a secret are rebuilt compactly, every other value is copied byte for byte, so field
//! order, number spelling and string escapes survive. A record that turns out to hold no
//! secret is written unchanged.

use serde_json::value::RawValue;

use super::raw::{Kind, kind, object_entries};
pub use crate::secret_fields::REDACTED;
use crate::secret_fields::{is_secret_key, may_hold_secrets};

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

    /// The record's JSON text with secret fields redacted: its own bytes when it holds none.
    pub fn redact<'a>(&'a mut self, record: &'a RawValue) -> Result<&'a [u8], serde_json::Error> {
        let text = record.get();
        if !may_hold_secrets(text) {
            return Ok(text.as_bytes());
        }
        self.buffer.clear();
        if redact_into(text, &mut self.buffer)? {
            Ok(&self.buffer)
        } else {
            Ok(text.as_bytes())
        }
    }
}

/// Appends `json` with secret fields redacted to `out`; `true` if anything was redacted.
pub(crate) fn redact_into(json: &str, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
    match kind(json) {
        Kind::Object => redact_object(json, out),
        Kind::Array => redact_array(json, out),
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
        if is_secret_key(key) {
            serde_json::to_writer(&mut *out, REDACTED)?;
            redacted = true;
        } else {
            redacted |= redact_nested(value.get(), out)?;
        }
    }
    out.push(b'}');
    Ok(redacted)
}

fn redact_array(json: &str, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
    let items: Vec<&RawValue> = serde_json::from_str(json)?;
    let mut redacted = false;
    out.push(b'[');
    for (position, item) in items.iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        redacted |= redact_nested(item.get(), out)?;
    }
    out.push(b']');
    Ok(redacted)
}

fn redact_nested(json: &str, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
    if may_hold_secrets(json) {
        redact_into(json, out)
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
        let input = r#"{"z":1,"client_secret":"s3cr3t","options":{"b":2,"app_secret":{"x":1},"a":[{"password":"p","keep":1.50}]},"signing_keys":[{"cert":"c"}],"name":"n"}"#;
        let expected = r#"{"z":1,"client_secret":"[REDACTED]","options":{"b":2,"app_secret":"[REDACTED]","a":[{"password":"[REDACTED]","keep":1.50}]},"signing_keys":"[REDACTED]","name":"n"}"#;
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
