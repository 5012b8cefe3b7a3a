//! One field of a cron expression: its accepted values and the parser that turns its text
//! (`"*/15"`, `"1-5"`, `"mon-fri"`, `"0,30"`) into the set of values it matches.

use super::CronError;

/// What one of the five fields accepts.
#[derive(Debug)]
pub(super) struct FieldSpec {
    /// The field's name in messages (`"day-of-week"`).
    pub name: &'static str,
    /// The smallest accepted value.
    min: u8,
    /// The largest accepted value.
    max: u8,
    /// Names accepted instead of numbers; the first one stands for `min`.
    names: &'static [&'static str],
    /// The accepted forms, as a message would say them.
    accepted: &'static str,
}

pub(super) const MINUTE: FieldSpec = plain("minute", 0, 59, "0-59");
pub(super) const HOUR: FieldSpec = plain("hour", 0, 23, "0-23");
pub(super) const DAY_OF_MONTH: FieldSpec = plain("day-of-month", 1, 31, "1-31");
pub(super) const MONTH: FieldSpec = FieldSpec {
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
    ..plain("month", 1, 12, "1-12 or jan-dec")
};
pub(super) const DAY_OF_WEEK: FieldSpec = FieldSpec {
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    ..plain("day-of-week", 0, 7, "0-7 (0 and 7 are sunday) or sun-sat")
};

const fn plain(name: &'static str, min: u8, max: u8, accepted: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        min,
        max,
        names: &[],
        accepted,
    }
}

/// A set of field values, bit `n` standing for value `n`.
pub(super) type Bits = u64;

impl FieldSpec {
    /// Parses the field's text into the set of values it matches.
    pub(super) fn parse(&self, text: &str) -> Result<Bits, CronError> {
        let mut bits = 0;
        for item in text.split(',') {
            if item.is_empty() {
                return Err(CronError::EmptyItem {
                    field: self.name,
                    value: text.to_owned(),
                });
            }
            bits |= self.parse_item(item)?;
        }
        Ok(bits)
    }

    /// One list item: `*`, `a`, `a-b`, each optionally followed by `/step`.
    fn parse_item(&self, item: &str) -> Result<Bits, CronError> {
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (base, Some(self.parse_step(step)?)),
            None => (item, None),
        };
        let (first, last) = if base == "*" {
            (self.min, self.max)
        } else if let Some((low, high)) = base.split_once('-') {
            let (low, high) = (self.parse_value(low)?, self.parse_value(high)?);
            if low > high {
                return Err(CronError::ReversedRange {
                    field: self.name,
                    value: base.to_owned(),
                });
            }
            (low, high)
        } else {
            let value = self.parse_value(base)?;
            // `a/n` runs from `a` to the end of the field; a plain `a` is just `a`.
            (value, if step.is_some() { self.max } else { value })
        };
        let step = step.unwrap_or(1);
        Ok((first..=last)
            .step_by(usize::from(step))
            .fold(0, |bits, value| bits | (1 << value)))
    }

    /// A step after `/`: a whole number of at least 1.
    fn parse_step(&self, text: &str) -> Result<u8, CronError> {
        match text.parse::<u8>() {
            Ok(step) if step >= 1 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(step),
            _ => Err(CronError::InvalidStep {
                field: self.name,
                value: text.to_owned(),
            }),
        }
    }

    /// A single value: a number in range or one of the field's names.
    fn parse_value(&self, text: &str) -> Result<u8, CronError> {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<u8>() {
                Ok(value) if (self.min..=self.max).contains(&value) => Ok(value),
                _ => Err(CronError::OutOfRange {
                    field: self.name,
                    value: text.to_owned(),
                    accepted: self.accepted,
                }),
            };
        }
        let lower = text.to_ascii_lowercase();
        match self.names.iter().position(|name| *name == lower) {
            Some(index) => Ok(self.min + index as u8),
            None => Err(CronError::InvalidValue {
                field: self.name,
                value: text.to_owned(),
                accepted: self.accepted,
            }),
        }
    }
}

/// The smallest value in `bits` that is at least `from`, if any.
pub(super) fn next_in(bits: Bits, from: u8) -> Option<u8> {
    let remaining = bits.checked_shr(u32::from(from))?;
    (remaining != 0).then(|| from + remaining.trailing_zeros() as u8)
}

/// Whether `value` is in `bits`.
pub(super) fn contains(bits: Bits, value: i8) -> bool {
    (0..64).contains(&value) && bits & (1 << value) != 0
}
