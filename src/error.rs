//! The error type for what cannot be loaded or parsed.
//!
//! A violation found by a check is data (see [`crate::Violation`]), never an error.
//! [`Error`] is only for a policy or contract that cannot be loaded, a request that
//! cannot be parsed, or an option that makes no sense. Every error carries a stable
//! [`Code`], says where (origin, `line:column`, field path) when that is known, and its
//! message follows one style: lowercase, one line, no final period, user input in
//! backticks.

use std::fmt;

use serde::Serialize;

use crate::codes::Code;

/// A 1-based line and column in a source text. Columns count characters, as editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number, in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the text's end).
    pub fn of_offset(text: &str, offset: usize) -> Location {
        let mut line = 1;
        let mut column = 1;
        for (index, ch) in text.char_indices() {
            if index >= offset {
                break;
            }
            if ch == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        Location { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An input that could not be loaded or parsed.
///
/// Opaque on purpose: read it through [`Error::code`], [`Error::location`],
/// [`Error::field`] and [`Error::origin`], so that fields can be added without
/// breaking callers.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    code: Code,
    message: String,
    origin: Option<String>,
    location: Option<Location>,
    field: Option<String>,
}

impl Error {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            origin: None,
            location: None,
            field: None,
        }
    }

    pub(crate) fn at(mut self, location: Option<Location>) -> Error {
        self.location = location.or(self.location);
        self
    }

    /// The same error without its `line:column`: for text the caller never saw (a
    /// value serialized on its behalf), where a location would point at nothing.
    pub(crate) fn without_location(mut self) -> Error {
        self.location = None;
        self
    }

    pub(crate) fn in_field(mut self, field: impl Into<String>) -> Error {
        let field = field.into();
        if !field.is_empty() {
            self.field = Some(field);
        }
        self
    }

    /// Names the document the error is in (a file name, or `policy` / `contract` /
    /// `request` for text passed in memory). Kept if one is already set.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Error {
        if self.origin.is_none() {
            self.origin = Some(origin.into());
        }
        self
    }

    /// The stable machine code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message alone, without origin, location or field.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The document the error is in, when known.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Where in the document, when known.
    pub fn location(&self) -> Option<Location> {
        self.location
    }

    /// The dotted path of the offending field (`thresholds.draft`, `ticket.customer.verified`).
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl fmt::Display for Error {
    /// `origin:line:column: field `path`: message`, leaving out the parts not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.origin, &self.location) {
            (Some(origin), Some(location)) => write!(f, "{origin}:{location}: ")?,
            (Some(origin), None) => write!(f, "{origin}: ")?,
            (None, Some(location)) => write!(f, "{location}: ")?,
            (None, None) => {}
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_character_columns() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        assert_eq!(
            Location::of_offset(text, 5),
            Location { line: 2, column: 1 }
        );
        // 'é' is two bytes but one column.
        assert_eq!(
            Location::of_offset(text, 8),
            Location { line: 2, column: 3 }
        );
    }

    #[test]
    fn display_names_origin_location_and_field() {
        let error = Error::new(Code::PolicyInvalid, "expected a number")
            .at(Some(Location { line: 3, column: 9 }))
            .in_field("thresholds.draft")
            .with_origin("policy.yaml");
        assert_eq!(
            error.to_string(),
            "policy.yaml:3:9: field `thresholds.draft`: expected a number"
        );
        assert_eq!(error.code(), Code::PolicyInvalid);
    }
}
