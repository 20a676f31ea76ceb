//! The validator's own patterns (API-key prefixes) and whole-word lookups in
//! normalized context texts. Phrase lists go through [`crate::text::phrases`].

use crate::text::is_word_char;
use crate::text::pattern::{Pattern, PatternCase, PatternError};

/// Compiles one pattern with the policy size limits.
///
/// Case-sensitively: the view is already lower case, and case-insensitive Unicode
/// matching costs about five times as much per byte. Policy patterns for the
/// validator are therefore written in lower case (the policy file says so).
pub(crate) fn compile(pattern: &str) -> Result<Pattern, PatternError> {
    Pattern::new(pattern, PatternCase::Sensitive).map_err(|reason| PatternError {
        pattern: pattern.to_string(),
        reason,
    })
}

/// Whether `needle` (normalized) occurs in `haystack` (normalized) as whole words.
pub(crate) fn contains_words(haystack: &str, needle: &str) -> bool {
    find_words(haystack, needle).is_some()
}

/// The first whole-word occurrence of `needle` in `haystack`.
pub(crate) fn find_words(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let bytes = haystack.as_bytes();
    let word = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let needle_starts_word = needle.chars().next().is_some_and(is_word_char);
    let needle_ends_word = needle.chars().last().is_some_and(is_word_char);
    haystack.match_indices(needle).map(|(i, _)| i).find(|&i| {
        let left_ok = !needle_starts_word || i == 0 || !word(i - 1);
        let right_ok = !needle_ends_word || !word(i + needle.len());
        left_ok && right_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_whole() {
        assert!(contains_words(
            "refunds in 5-10 business days",
            "business days"
        ));
        assert!(!contains_words("creditor", "credit"));
        assert_eq!(
            compile("a(").unwrap_err(),
            PatternError {
                pattern: "a(".into(),
                reason: "unclosed group".into()
            }
        );
    }
}
