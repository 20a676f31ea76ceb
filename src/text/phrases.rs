//! Phrase sets: a policy's list of phrases and patterns, compiled once, matched in one
//! pass per set.
//!
//! Every textual trigger is "does the ticket say any of these things". Joining a set's
//! phrases into one alternation lets the `regex` crate scan the text once per set, in
//! linear time, however long the list. Phrases are escaped, matched case-insensitively
//! on word boundaries, and their inner spaces match any run of whitespace
//! ("class  action" across a line break still counts).
//!
//! Phrases compile *without* Unicode mode: ASCII case folding, ASCII word boundaries,
//! ASCII whitespace. Unicode `\b` and Unicode case folding multiply the size of the
//! compiled program (slow to build, which matters for an engine built per worker
//! isolate) and keep the fast DFA engines off non-ASCII text; for literal phrases they
//! buy nothing a policy author would notice (a non-ASCII letter in a phrase still
//! matches exactly, only its case is not folded). Policy `patterns` are the author's own
//! regular expressions, so they keep the `regex` crate's default (Unicode) semantics, in
//! a second program that exists only when a set has patterns.

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
    phrases: Option<Regex>,
    patterns: Option<Regex>,
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
            compile(pattern.as_ref(), true).map_err(|reason| PatternError {
                pattern: pattern.as_ref().to_string(),
                reason,
            })?;
        }
        let phrase_alternatives: Vec<String> = phrases
            .iter()
            .map(|phrase| phrase.as_ref().trim())
            .filter(|phrase| !phrase.is_empty())
            .map(phrase_regex)
            .collect();
        let pattern_alternatives: Vec<String> = patterns
            .iter()
            .map(|pattern| format!("(?:{})", pattern.as_ref()))
            .collect();
        Ok(PhraseMatcher {
            phrases: join(&phrase_alternatives, false)?,
            patterns: join(&pattern_alternatives, true)?,
        })
    }

    /// The first match in `text`, as a byte span: the earliest start, and of two
    /// matches starting there, the longer.
    pub fn find(&self, text: &str) -> Option<Span> {
        [&self.phrases, &self.patterns]
            .into_iter()
            .filter_map(|regex| regex.as_ref()?.find(text))
            .map(|found| Span::new(found.start(), found.end()))
            .min_by_key(|span| (span.start, std::cmp::Reverse(span.end)))
    }

    /// Whether the set is empty (matches nothing).
    pub fn is_empty(&self) -> bool {
        self.phrases.is_none() && self.patterns.is_none()
    }
}

fn join(alternatives: &[String], unicode: bool) -> Result<Option<Regex>, PatternError> {
    if alternatives.is_empty() {
        return Ok(None);
    }
    let joined = alternatives.join("|");
    compile(&joined, unicode)
        .map(Some)
        .map_err(|reason| PatternError {
            pattern: joined,
            reason,
        })
}

fn compile(pattern: &str, unicode: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(unicode)
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
    // An explicit class: `\s` would be Unicode-aware, and this program is not.
    let body = words.join(r"[ \t\n\r\x0B\x0C]+");
    let starts_word = phrase.chars().next().is_some_and(is_word_char);
    let ends_word = phrase.chars().last().is_some_and(is_word_char);
    format!(
        "{}{}{}",
        if starts_word { r"\b" } else { "" },
        body,
        if ends_word { r"\b" } else { "" }
    )
}

/// ASCII word characters: the boundary `\b` of a non-Unicode program knows no others,
/// so a phrase that starts or ends with a non-ASCII letter is matched without one there.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
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
    fn non_ascii_phrases_match_exactly() {
        let set = PhraseMatcher::new(&["résilier", "kündigen", "café"], &[]).unwrap();
        assert_eq!(set.find("un café noir"), Some(Span::new(3, 8)));
        assert_eq!(set.find("je veux résilier"), Some(Span::new(8, 17)));
        assert_eq!(set.find("wir KÜNDIGEN"), None);
        assert_eq!(set.find("wir Kündigen"), Some(Span::new(4, 13)));
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
