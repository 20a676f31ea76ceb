//! Policy phrases and patterns compiled for the normalized view, with every match.
//!
//! The check pipeline's [`crate::text::phrases::PhraseMatcher`] answers "does the
//! ticket say any of these"; the validator needs every match and its position.
//! Phrases are normalized the same way as the reply (so `I’m` in a policy matches
//! `I'm` in a reply), escaped and anchored on word boundaries; patterns run as
//! written on the normalized (lower-case) text. Each compiles under the same size
//! limit as every policy pattern.

use regex::{Regex, RegexBuilder};

use crate::text::phrases::{PatternError, PATTERN_SIZE_LIMIT};

/// Compiles one pattern with the policy size limits.
///
/// Case-sensitively: the view is already lower case, and case-insensitive Unicode
/// matching costs about five times as much per byte. Policy patterns for the
/// validator are therefore written in lower case (the policy file says so).
pub(crate) fn compile(pattern: &str) -> Result<Regex, PatternError> {
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|error| PatternError {
            pattern: pattern.to_string(),
            reason: one_line(&error.to_string()),
        })
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .unwrap_or_else(|| message.lines().next().unwrap_or(message))
        .trim()
        .to_string()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The regex for one phrase, after normalization: whole words, any inner spacing.
pub(crate) fn phrase_regex(phrase: &str) -> Option<String> {
    let normalized = super::normalize::normalize_str(phrase);
    let normalized = normalized.trim();
    if normalized.is_empty() {
        return None;
    }
    let words: Vec<String> = normalized.split(' ').map(regex::escape).collect();
    let starts_word = normalized.chars().next().is_some_and(is_word_char);
    let ends_word = normalized.chars().last().is_some_and(is_word_char);
    Some(format!(
        "{}{}{}",
        if starts_word { r"\b" } else { "" },
        words.join(" ?"),
        if ends_word { r"\b" } else { "" }
    ))
}

/// Phrases and patterns joined into one regex (`None` when both are empty).
///
/// # Errors
/// The first pattern that does not compile on its own, or a set over the size limit.
pub(crate) fn compile_set<S: AsRef<str>>(
    phrases: &[S],
    patterns: &[S],
) -> Result<Option<Regex>, PatternError> {
    for pattern in patterns {
        compile(pattern.as_ref())?;
    }
    let alternatives: Vec<String> = phrases
        .iter()
        .filter_map(|phrase| phrase_regex(phrase.as_ref()))
        .chain(patterns.iter().map(|p| format!("(?:{})", p.as_ref())))
        .collect();
    if alternatives.is_empty() {
        return Ok(None);
    }
    compile(&alternatives.join("|")).map(Some)
}

/// One regex that matches wherever any of `sets` matches: a gate, so that a reply
/// with no hit at all costs one scan instead of one per rule. `None` when there is
/// nothing to match or the joined set is too large (then every rule runs).
pub(crate) fn gate(sets: &[&Regex]) -> Option<Regex> {
    if sets.is_empty() {
        return None;
    }
    let joined = sets
        .iter()
        .map(|r| format!("(?:{})", r.as_str()))
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&joined)
        .size_limit(PATTERN_SIZE_LIMIT * 4)
        .dfa_size_limit(PATTERN_SIZE_LIMIT * 4)
        .build()
        .ok()
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
    fn phrases_are_normalized_and_whole_words() {
        let set = compile_set(&["I’m just an AI", "cannot"], &[])
            .unwrap()
            .unwrap();
        assert!(set.is_match("well, i'm just an ai here"));
        assert!(!set.is_match("cannotation"));
        assert!(compile_set::<&str>(&[], &[]).unwrap().is_none());
        assert_eq!(
            compile_set(&["x"], &["a("]).unwrap_err().reason,
            "unclosed group"
        );
        assert!(contains_words(
            "refunds in 5-10 business days",
            "business days"
        ));
        assert!(!contains_words("creditor", "credit"));
    }
}
