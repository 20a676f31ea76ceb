//! Policy patterns: the author's regular expressions, compiled once under a size limit.
//!
//! A pattern is compiled by `regex`'s own engine (`regex-automata`'s meta regex:
//! linear time, lazy DFA with a PikeVM fallback), with one setting `regex` does not
//! expose: whether to look for literals to search for first (a *prefilter*).
//!
//! A prefilter pays off when a long text is searched and the literals can be found
//! faster than the automaton walks, which on x86-64 and AArch64 means SIMD (Teddy,
//! `memchr`). Building one is not free: the meta regex extracts prefix, suffix and
//! inner literals, minimizes them and builds an automaton over them, which is most of
//! the cost of compiling a pattern like `\b(?:will|'ll|going to) (?:call|phone) you\b`.
//! In WebAssembly there is no SIMD search to pay that back: there, building the
//! prefilters of the default policy's patterns was about a fifth of a cold engine
//! build in Node (7 of 38 ms with Liftoff), and checks ran no faster for having them.
//! Natively the opposite holds: without them an engine builds in 1.8 ms instead of
//! 3.0, but a 1 KB draft validates in twice the time. So the wasm32 build compiles
//! patterns without prefilters and native builds keep them. Both find the same
//! matches (a property test compares them); only the time differs.

use std::ops::Range;

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;

/// The largest compiled program a policy pattern may produce. Generous for any
/// hand-written pattern, small enough that a hostile policy cannot exhaust memory at
/// load.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Whether patterns search for literals first (see the module docs).
const PREFILTER: bool = !cfg!(target_arch = "wasm32");

/// A pattern that did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as written in the policy.
    pub pattern: String,
    /// Why it failed, one line.
    pub reason: String,
}

/// How a pattern treats letter case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternCase {
    /// As written. The view is lower case, so a pattern written in lower case matches
    /// any case of the original, at the cost of nothing.
    Sensitive,
    /// Case-insensitive, for policy sections documented so (trigger and runbook
    /// patterns predate the view and may be written in any case).
    Insensitive,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: Regex,
}

impl Pattern {
    /// Compiles `pattern` under [`PATTERN_SIZE_LIMIT`].
    ///
    /// # Errors
    /// Why the pattern does not compile, on one line.
    pub fn new(pattern: &str, case: PatternCase) -> Result<Pattern, String> {
        Pattern::build(&[pattern], case, PREFILTER)
    }

    /// Compiles `patterns` into one program under [`PATTERN_SIZE_LIMIT`], which finds
    /// what their alternation `(?:p1)|(?:p2)|…` finds: at the leftmost position where
    /// any matches, the first of them in order that matches there.
    ///
    /// Built as many patterns rather than one alternation because the literals it
    /// searches for first are then chosen pattern by pattern: for the default policy's
    /// `fix` commitment (two patterns), a 1 KB draft is searched in under half the
    /// time.
    ///
    /// # Errors
    /// Why the patterns do not compile, on one line.
    pub fn new_many(patterns: &[&str], case: PatternCase) -> Result<Pattern, String> {
        Pattern::build(patterns, case, PREFILTER)
    }

    fn build(patterns: &[&str], case: PatternCase, prefilter: bool) -> Result<Pattern, String> {
        // The limits `regex`'s `size_limit` and `dfa_size_limit` set.
        let config = meta::Config::new()
            .auto_prefilter(prefilter)
            .nfa_size_limit(Some(PATTERN_SIZE_LIMIT))
            .hybrid_cache_capacity(PATTERN_SIZE_LIMIT);
        meta::Builder::new()
            .configure(config)
            .syntax(syntax::Config::new().case_insensitive(case == PatternCase::Insensitive))
            .build_many(patterns)
            .map(|regex| Pattern { regex })
            .map_err(|error| match (error.size_limit(), error.syntax_error()) {
                (Some(limit), _) => {
                    format!("compiled pattern exceeds the size limit of {limit} bytes")
                }
                (None, Some(syntax)) => one_line(&syntax.to_string()),
                (None, None) => one_line(&error.to_string()),
            })
    }

    /// The byte ranges of the successive non-overlapping matches in `text`, leftmost
    /// first.
    pub fn find_iter<'p, 't>(&'p self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 'p
    where
        't: 'p,
    {
        self.regex.find_iter(text).map(|found| found.range())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(pattern: &str, case: PatternCase, text: &str) -> Vec<Range<usize>> {
        Pattern::new(pattern, case)
            .unwrap()
            .find_iter(text)
            .collect()
    }

    #[test]
    fn finds_leftmost_first_non_overlapping_matches() {
        assert_eq!(
            ranges(
                r"\bcall(?:back)?\b",
                PatternCase::Sensitive,
                "callback, call, recall"
            ),
            vec![0..8, 10..14]
        );
    }

    #[test]
    fn case_is_folded_only_when_asked() {
        assert_eq!(
            ranges("refund", PatternCase::Sensitive, "REFUND refund"),
            vec![7..13]
        );
        assert_eq!(
            ranges("refund", PatternCase::Insensitive, "REFUND refund"),
            vec![0..6, 7..13]
        );
    }

    /// Texts of up to 40 of `pieces` in a row: the words, spaces and stray characters
    /// the patterns under test are made of.
    fn text_of(pieces: Vec<&'static str>) -> impl proptest::strategy::Strategy<Value = String> {
        proptest::strategy::Strategy::prop_map(
            proptest::collection::vec(proptest::sample::select(pieces), 0..40),
            |pieces| pieces.concat(),
        )
    }

    fn either_case() -> impl proptest::strategy::Strategy<Value = PatternCase> {
        proptest::sample::select(vec![PatternCase::Sensitive, PatternCase::Insensitive])
    }

    proptest::proptest! {
        /// Prefilters change how a match is found, never which: the default policy's
        /// kinds of pattern, on texts made of their pieces.
        #[test]
        fn prefilters_do_not_change_the_matches(
            text in text_of(vec![
                "we", "will", "'ll", " ", "call", "you", "within", "the", "hour", "bill",
                "x", "3", "doubled", ".", "é", "data", "is", "gone", "sk-", "abcdefghij",
            ]),
            pattern in proptest::sample::select(vec![
                r"\b(?:we|i)(?: will|'ll) call you\b",
                r"\bwithin the (?:hour|day)\b",
                r"\bbill\b[^.?!]{0,40}\b(?:higher|doubled)\b",
                r"\b[0-9]+ ?(?:x|×|times) (?:higher|more)\b",
                r"\bdata (?:is|was) (?:gone|lost)\b",
                r"\b(?:sk-|ghp_)[a-z0-9_\-]{16,}",
            ]),
            case in either_case(),
        ) {
            let with = Pattern::build(&[pattern], case, true).unwrap();
            let without = Pattern::build(&[pattern], case, false).unwrap();
            proptest::prop_assert_eq!(
                with.find_iter(&text).collect::<Vec<_>>(),
                without.find_iter(&text).collect::<Vec<_>>()
            );
        }
    }

    proptest::proptest! {
        /// Many patterns in one program find what their alternation finds: the same
        /// spans, leftmost first, the earlier pattern first at the same position,
        /// including where one pattern's match is a prefix of another's.
        #[test]
        fn many_patterns_find_what_their_alternation_finds(
            text in text_of(vec![
                "we", "will", "'ll", " ", "call", "you", "within", "the", "hour", "day",
                "definitely", "be", "fix", "fixed", "x", "3", "times", "higher", ".", "é",
            ]),
            patterns in proptest::strategy::Strategy::prop_shuffle(proptest::sample::subsequence(vec![
                r"(?:we|i)(?: will|'ll) call you",
                r"within the (?:hour|day)",
                r"(?:will|'ll) (?:definitely )?(?:be )?fix",
                r"will",
                r"fix(?:ed)?",
                r"[0-9]+ ?(?:x|times) (?:higher|more)",
                r"(?i)WE",
                r"",
            ], 1..5)),
            case in either_case(),
        ) {
            let joined = patterns.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|");
            let one = Pattern::new(&joined, case).unwrap();
            let many = Pattern::new_many(&patterns, case).unwrap();
            proptest::prop_assert_eq!(
                many.find_iter(&text).collect::<Vec<_>>(),
                one.find_iter(&text).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_syntax_error_is_one_line() {
        let reason = Pattern::new("a(b", PatternCase::Sensitive).unwrap_err();
        assert_eq!(reason, "unclosed group");
    }

    #[test]
    fn a_program_over_the_size_limit_is_refused() {
        let reason = Pattern::new("(?:a{1000}){1000}", PatternCase::Sensitive).unwrap_err();
        assert!(
            reason.contains("exceeds the size limit of 1048576 bytes"),
            "{reason}"
        );
    }
}
