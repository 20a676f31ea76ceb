//! Phrase sets: a policy's list of phrases and patterns, compiled into one regex.
//!
//! Every textual trigger is "does the ticket say any of these things". Joining a set's
//! phrases and patterns into one alternation lets the `regex` crate scan the text once
//! per set, in linear time, however long the list. Phrases are escaped, matched
//! case-insensitively on word boundaries, and their inner spaces match any run of
//! whitespace ("class  action" across a line break still counts).

use regex::{Regex, RegexBuilder};

use crate::text::Span;

/// The largest compiled program a policy pattern may produce. Generous for phrase
/// lists, small enough that a hostile policy cannot exhaust memory at load.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// A pattern that did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as written in the policy.
    pub pattern: String,
    /// Why it failed, one line.
    pub reason: String,
}

/// A compiled set of phrases and patterns.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    regex: Option<Regex>,
}

impl PhraseMatcher {
    /// Compiles `phrases` (literal, whole-word) and `patterns` (regular expressions).
    ///
    /// # Errors
    /// The first pattern that does not compile on its own, or is over the size limit.
    pub fn new<S: AsRef<str>>(
        phrases: &[S],
        patterns: &[S],
    ) -> Result<PhraseMatcher, PatternError> {
        for pattern in patterns {
            compile(pattern.as_ref()).map_err(|reason| PatternError {
                pattern: pattern.as_ref().to_string(),
                reason,
            })?;
        }
        let alternatives: Vec<String> = phrases
            .iter()
            .map(|phrase| phrase.as_ref().trim())
            .filter(|phrase| !phrase.is_empty())
            .map(phrase_regex)
            .chain(patterns.iter().map(|p| format!("(?:{})", p.as_ref())))
            .collect();
        if alternatives.is_empty() {
            return Ok(PhraseMatcher { regex: None });
        }
        let joined = alternatives.join("|");
        let regex = compile(&joined).map_err(|reason| PatternError {
            pattern: joined.clone(),
            reason,
        })?;
        Ok(PhraseMatcher { regex: Some(regex) })
    }

    /// The first match in `text`, as a byte span.
    pub fn find(&self, text: &str) -> Option<Span> {
        self.regex
            .as_ref()?
            .find(text)
            .map(|m| Span::new(m.start(), m.end()))
    }

    /// Whether the set is empty (matches nothing).
    pub fn is_empty(&self) -> bool {
        self.regex.is_none()
    }
}

fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|error| one_line(&error.to_string()))
}

/// regex's syntax errors draw a caret diagram over several lines; keep the reason.
fn one_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .unwrap_or_else(|| message.lines().next().unwrap_or(message))
        .trim()
        .to_string()
}

fn phrase_regex(phrase: &str) -> String {
    let words: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    let body = words.join(r"\s+");
    let starts_word = phrase.chars().next().is_some_and(is_word_char);
    let ends_word = phrase.chars().last().is_some_and(is_word_char);
    format!(
        "{}{}{}",
        if starts_word { r"\b" } else { "" },
        body,
        if ends_word { r"\b" } else { "" }
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_case_insensitively() {
        let set = PhraseMatcher::new(&["sue", "class action", "we're done"], &[]).unwrap();
        assert_eq!(set.find("I will SUE you"), Some(Span::new(7, 10)));
        assert_eq!(set.find("a new issue"), None);
        assert_eq!(set.find("a class\n  action suit"), Some(Span::new(2, 16)));
        assert_eq!(set.find("ok, WE'RE DONE."), Some(Span::new(4, 14)));
    }

    #[test]
    fn patterns_join_the_set() {
        let set = PhraseMatcher::new(&["outage"], &[r"\bdata\s+(?:is|was)\s+gone\b"]).unwrap();
        assert_eq!(set.find("our data is GONE"), Some(Span::new(4, 16)));
        assert!(PhraseMatcher::new::<&str>(&[], &[]).unwrap().is_empty());
    }

    #[test]
    fn bad_pattern_reports_itself_in_one_line() {
        let error = PhraseMatcher::new(&["x"], &["ok", "a(b"]).unwrap_err();
        assert_eq!(error.pattern, "a(b");
        assert_eq!(error.reason, "unclosed group");
    }

    #[test]
    fn oversized_pattern_is_rejected() {
        let error = PhraseMatcher::new::<&str>(&[], &["(?:a{1000}){1000}"]).unwrap_err();
        assert!(error.reason.contains("size limit"), "{}", error.reason);
    }
}
