//! Text matching shared by the checks: byte spans, intent globs, the normalized view,
//! policy patterns, phrase sets.

pub mod glob;
pub(crate) mod normalize;
pub mod pattern;
pub mod phrases;

use serde::{Deserialize, Serialize};

/// A half-open range of UTF-8 byte offsets `[start, end)` into a text.
///
/// Rust slices strings by bytes, so spans are bytes here; the JS layer also reports
/// UTF-16 offsets, because JS slices strings by UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// The character redaction masks personal data with.
///
/// Defined here rather than with redaction because the normalized view knows it too:
/// a redacted reply is scanned again, and the view copies runs of masks whole.
pub const MASK: char = '•';

/// Letters and digits of any script (`char::is_alphanumeric`).
///
/// ASCII and the General Punctuation block (U+2000–U+206F: redaction's mask `•`,
/// dashes, quotes, the zero-width characters; no letter or digit among them) are
/// answered without Unicode's tables, whose lookups dominate scanning a redacted
/// text, which is mostly masks.
pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if ('\u{2000}'..='\u{206F}').contains(&c) {
        false
    } else {
        c.is_alphanumeric()
    }
}

/// Letters and digits of any script, and `_`: what a word boundary must not split.
pub(crate) fn is_word_char(c: char) -> bool {
    c == '_' || is_alphanumeric(c)
}
