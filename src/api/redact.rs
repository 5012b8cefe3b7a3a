//! Hiding secret values in the first bytes of a body quoted in an error message.
//!
//! A malformed or misshapen page can still hold records, and records can hold secrets
//! (`client_secret`, `signing_keys`): an error message must not print them. The text may be
//! cut anywhere, so this is a tolerant scan, not a parse. A value after a secret key is judged
//! by [`crate::secret_fields::Secrecy::hides`], the rule the snapshots follow: what it hides
//! becomes `"[REDACTED]"`, up to the end of the text if the value is cut short, and an object
//! under a secret name (a client's `refresh_token` policy) is scanned on, its fields judged by
//! their own names. The scan does not track which array it is in, so an array under a secret
//! name is hidden whole here, where the snapshots would hide only its strings and numbers.
//! This module must not decide what is secret itself.

use crate::secret_fields::{REDACTED, Secrecy, secrecy};

/// `text` with the value of every secret key replaced.
pub(super) fn hide_secret_values(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        if chars[at] != '"' {
            out.push(chars[at]);
            at += 1;
            continue;
        }
        let end = string_end(&chars, at);
        let literal: String = chars[at..end].iter().collect();
        out.push_str(&literal);
        at = end;
        let key = literal.trim_matches('"');
        let colon = skip_spaces(&chars, at);
        if chars.get(colon) != Some(&':') {
            continue;
        }
        let value = skip_spaces(&chars, colon + 1);
        let first: String = chars.get(value).map(char::to_string).unwrap_or_default();
        let secrecy = secrecy(key);
        if secrecy.hides(&first) || (secrecy != Secrecy::Plain && first == "[") {
            out.push_str(": \"");
            out.push_str(REDACTED);
            out.push('"');
            at = value_end(&chars, value);
        }
    }
    out
}

/// The index just past the string literal starting at `start` (or the end of the text).
fn string_end(chars: &[char], start: usize) -> usize {
    let mut at = start + 1;
    while at < chars.len() {
        match chars[at] {
            '\\' => at += 2,
            '"' => return at + 1,
            _ => at += 1,
        }
    }
    chars.len()
}

fn skip_spaces(chars: &[char], from: usize) -> usize {
    let mut at = from;
    while chars.get(at).is_some_and(|c| c.is_whitespace()) {
        at += 1;
    }
    at
}

/// The index just past the JSON value starting at `start`, or the end of the text.
fn value_end(chars: &[char], start: usize) -> usize {
    let Some(&first) = chars.get(start) else {
        return chars.len();
    };
    if first == '"' {
        return string_end(chars, start);
    }
    if first != '{' && first != '[' {
        return (start..chars.len())
            .find(|&at| matches!(chars[at], ',' | '}' | ']'))
            .unwrap_or(chars.len());
    }
    let mut depth = 0usize;
    let mut at = start;
    while at < chars.len() {
        match chars[at] {
            '"' => {
                at = string_end(chars, at);
                continue;
            }
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_hidden_whatever_their_shape() {
        let text = r#"{"clients":[{"client_id":"c1","client_secret":"s3cr3t","signing_keys":[{"cert":"x"}],"name":"a"}"#;
        assert_eq!(
            hide_secret_values(text),
            r#"{"clients":[{"client_id":"c1","client_secret": "[REDACTED]","signing_keys": "[REDACTED]","name":"a"}"#
        );
    }

    #[test]
    fn settings_under_secret_names_are_shown_and_secrets_inside_them_hidden() {
        let text = r#"{"refresh_token":{"token_lifetime":60,"secret":"s"},"password":["p"],"access_token":null,"#;
        assert_eq!(
            hide_secret_values(text),
            r#"{"refresh_token":{"token_lifetime":60,"secret": "[REDACTED]"},"password": "[REDACTED]","access_token":null,"#
        );
    }

    #[test]
    fn a_secret_cut_short_is_hidden_to_the_end() {
        assert_eq!(
            hide_secret_values(r#"[{"client_secret" : "abcdef"#),
            r#"[{"client_secret": "[REDACTED]""#
        );
        assert_eq!(
            hide_secret_values(r#"{"name":"client_secret","x":1"#),
            r#"{"name":"client_secret","x":1"#
        );
    }
}
