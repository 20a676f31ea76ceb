//! Phrase sets: a policy's lists of phrases and patterns, compiled once into one
//! index, matched in one pass over a normalized text.
//!
//! Most of a policy is phrase lists: the trigger sets ("lawsuit", "cancel my
//! subscription"), the runbook's categories, the validator's prohibited topics and
//! phrases. Each list is "does the text say any of these things, and where". Three
//! designs were measured:
//!
//! - one `regex` alternation per list: simple, linear time, but compiling a few hundred
//!   case-insensitive, word-bounded alternatives costs milliseconds (literal extraction
//!   and NFA construction), and a check scans the text once per list;
//! - one overlapping Aho-Corasick automaton over every phrase of every list: builds in
//!   microseconds and scans once for all lists, but follows a transition per byte
//!   (about 80 instructions a byte) and then discards most candidates on word
//!   boundaries;
//! - a table keyed by each phrase's first word (this module): nearly every phrase
//!   starts with a word, and a word-bounded phrase can only start where a word does.
//!   The text is cut into words once, and each word is looked up once; a hit is
//!   confirmed by comparing the rest of the phrase. About a tenth of the automaton's
//!   cost on support replies.
//!
//! The rare phrase that starts with punctuation or a symbol (`$0 down`, `#1`), and any
//! first word shared by more than [`MAX_PHRASES_PER_WORD`] phrases, go to an
//! Aho-Corasick automaton instead, so that a policy listing thousands of phrases that
//! start alike cannot make each word cost thousands of comparisons.
//!
//! Phrases are matched on a normalized view (`text::normalize`) of both the phrase and
//! the text: case folded, NFKC, invisible characters removed, whitespace collapsed. So
//! `class action` matches "Class\n  Action" and "cl\u{200B}ass action", and a non-ASCII
//! phrase folds case like any other (`KÜNDIGEN` matches `kündigen`). A phrase that
//! starts (ends) with a letter, digit or `_` only matches where the text has no such
//! character just before (after) it: `sue` does not match "issue".
//!
//! Policy `patterns` are the author's own regular expressions, for what a list cannot
//! say (`\bdata\s+(?:is|was)\s+gone\b`). They run on the same view, one program per set
//! that has any, compiled with a size limit so a hostile policy cannot exhaust memory
//! (see [`pattern`](super::pattern)).
//!
//! Within one set, matches do not overlap: from left to right, the earliest match wins,
//! and of two starting at the same byte the longer one.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::normalize::normalize_str;
use super::pattern::Pattern;
pub use super::pattern::{PatternCase, PatternError, PATTERN_SIZE_LIMIT};
use crate::text::is_word_char;

/// How many phrases may share a first word in the word table; the rest of them are
/// matched by the automaton (see the module docs).
pub const MAX_PHRASES_PER_WORD: usize = 16;

/// Identifies a set within a [`PhraseIndex`]: the order it was added in.
pub type SetId = usize;

/// One match: which set, which phrase of it (`None` for a pattern), and where in the
/// view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseHit {
    /// The set that matched.
    pub set: SetId,
    /// The index of the phrase within its set, as listed; `None` for a pattern match.
    pub phrase: Option<usize>,
    /// First byte in the view.
    pub start: usize,
    /// One past the last byte in the view.
    pub end: usize,
}

/// A phrase: where it comes from, its normalized text, and which of its ends are
/// words.
#[derive(Debug, Clone)]
struct Literal {
    set: SetId,
    phrase: usize,
    needle: String,
    word_start: bool,
    word_end: bool,
}

/// FxHash's multiply-rotate over 8-byte words: keys are short words of the policy,
/// not attacker-chosen, and SipHash would cost more than the rest of the lookup.
#[derive(Debug, Default, Clone, Copy)]
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let tail = chunks
            .remainder()
            .iter()
            .rev()
            .fold(0u64, |word, &byte| (word << 8) | u64::from(byte));
        self.add(tail);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type WordTable = HashMap<Box<str>, Vec<usize>, BuildHasherDefault<WordHasher>>;

/// Which (first byte, length) and (last byte, length) pairs the first words of
/// phrases have: most words of a text are rejected by two bit tests, without hashing
/// (a policy's first words share their first bytes and lengths with many ordinary
/// words, far fewer with both ends).
#[derive(Debug, Clone)]
struct FirstWordFilter {
    /// Bit `min(len, 63)` of entry `b` is set when a first word starts with byte `b`
    /// and has that length.
    lengths_by_first_byte: Box<[u64; 256]>,
    /// The same, for the byte a first word ends with.
    lengths_by_last_byte: Box<[u64; 256]>,
}

impl Default for FirstWordFilter {
    fn default() -> Self {
        FirstWordFilter {
            lengths_by_first_byte: Box::new([0; 256]),
            lengths_by_last_byte: Box::new([0; 256]),
        }
    }
}

impl FirstWordFilter {
    /// The word's first and last bytes, and its length's bit.
    fn key(word: &str) -> Option<(usize, usize, u64)> {
        let bytes = word.as_bytes();
        let (&first, &last) = (bytes.first()?, bytes.last()?);
        Some((
            usize::from(first),
            usize::from(last),
            1u64 << word.len().min(63),
        ))
    }

    fn insert(&mut self, word: &str) {
        if let Some((first, last, bit)) = FirstWordFilter::key(word) {
            if let Some(lengths) = self.lengths_by_first_byte.get_mut(first) {
                *lengths |= bit;
            }
            if let Some(lengths) = self.lengths_by_last_byte.get_mut(last) {
                *lengths |= bit;
            }
        }
    }

    fn may_contain(&self, word: &str) -> bool {
        FirstWordFilter::key(word).is_some_and(|(first, last, bit)| {
            let has =
                |table: &[u64; 256], byte: usize| table.get(byte).is_some_and(|l| l & bit != 0);
            has(&self.lengths_by_first_byte, first) && has(&self.lengths_by_last_byte, last)
        })
    }
}

/// Collects sets, then compiles them into a [`PhraseIndex`].
#[derive(Debug, Default)]
pub struct PhraseIndexBuilder {
    literals: Vec<Literal>,
    patterns: Vec<Option<Pattern>>,
}

impl PhraseIndexBuilder {
    /// A builder with no sets.
    pub fn new() -> PhraseIndexBuilder {
        PhraseIndexBuilder::default()
    }

    /// Adds a set of literal `phrases` and regular-expression `patterns`.
    ///
    /// # Errors
    /// A pattern that does not compile, or is over [`PATTERN_SIZE_LIMIT`]: the first
    /// such pattern, as written.
    pub fn add_set<S: AsRef<str>>(
        &mut self,
        phrases: &[S],
        patterns: &[S],
        case: PatternCase,
    ) -> Result<SetId, PatternError> {
        let set = self.patterns.len();
        for (index, phrase) in phrases.iter().enumerate() {
            let needle = normalize_str(phrase.as_ref());
            // The view writes every whitespace character as an ASCII one, so trimming
            // ASCII is trimming all; and `str::trim_ascii` is small, where `str::trim`,
            // called for hundreds of phrases per engine build, ran hot enough in
            // WebAssembly for V8 to recompile it in the background of a cold start.
            let needle = needle.trim_ascii();
            if needle.is_empty() {
                continue;
            }
            self.literals.push(Literal {
                set,
                phrase: index,
                needle: needle.to_string(),
                word_start: needle.chars().next().is_some_and(is_word_char),
                word_end: needle.chars().next_back().is_some_and(is_word_char),
            });
        }
        self.patterns.push(compile_patterns(patterns, case)?);
        Ok(set)
    }

    /// Compiles the index.
    ///
    /// # Errors
    /// Only when the phrases together are too many for the automaton (millions).
    pub fn build(self) -> Result<PhraseIndex, PatternError> {
        let mut by_first_word = WordTable::default();
        for (id, literal) in self.literals.iter().enumerate() {
            if literal.word_start {
                by_first_word
                    .entry(first_word(&literal.needle).into())
                    .or_default()
                    .push(id);
            }
        }
        by_first_word.retain(|_, ids| ids.len() <= MAX_PHRASES_PER_WORD);
        let mut first_words = FirstWordFilter::default();
        for word in by_first_word.keys() {
            first_words.insert(word);
        }
        let in_table = |literal: &Literal| {
            literal.word_start && by_first_word.contains_key(first_word(&literal.needle))
        };
        let others: Vec<usize> = (0..self.literals.len())
            .filter(|&id| self.literals.get(id).is_some_and(|l| !in_table(l)))
            .collect();
        let automaton = if others.is_empty() {
            None
        } else {
            // Standard semantics: overlapping search needs them, and the word-boundary
            // filter needs every candidate (a rejected "sue you" in "sue your" must not
            // hide the "sue" that starts at the same byte).
            let needles = others
                .iter()
                .filter_map(|&id| self.literals.get(id))
                .map(|literal| literal.needle.as_str());
            let automaton = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(needles)
                .map_err(|error| PatternError {
                    pattern: format!("{} phrases", others.len()),
                    reason: error.to_string(),
                })?;
            Some((automaton, others))
        };
        Ok(PhraseIndex {
            first_words,
            by_first_word,
            automaton,
            literals: self.literals,
            patterns: self.patterns,
        })
    }
}

/// Many phrase sets, compiled into one word table (and, for the phrases it cannot
/// hold, one automaton) plus one program per set with patterns. Immutable and cheap
/// to search: one pass over the text for every set.
#[derive(Debug, Clone, Default)]
pub struct PhraseIndex {
    /// Phrase ids by the phrase's first word.
    by_first_word: WordTable,
    first_words: FirstWordFilter,
    /// The other phrases, with their ids by automaton pattern number.
    automaton: Option<(AhoCorasick, Vec<usize>)>,
    literals: Vec<Literal>,
    patterns: Vec<Option<Pattern>>,
}

impl PhraseIndex {
    /// How many sets the index holds.
    pub fn sets(&self) -> usize {
        self.patterns.len()
    }

    /// Whether no set can match anything.
    pub fn is_empty(&self) -> bool {
        self.literals.is_empty() && self.patterns.iter().all(Option::is_none)
    }

    /// Every match in `view` (a normalized text), sorted by set, then start; within a
    /// set, matches do not overlap (earliest first, then longest).
    pub fn find_all(&self, view: &str) -> Vec<PhraseHit> {
        let mut hits = self.candidates(view);
        hits.sort_by_key(|hit| (hit.set, hit.start, std::cmp::Reverse(hit.end)));
        let mut kept: Vec<PhraseHit> = Vec::with_capacity(hits.len());
        for hit in hits {
            if kept
                .last()
                .is_some_and(|last| last.set == hit.set && hit.start < last.end)
            {
                continue;
            }
            kept.push(hit);
        }
        kept
    }

    /// The first match of each set in `view` (earliest, then longest), indexed by set.
    pub fn first_per_set(&self, view: &str) -> Vec<Option<PhraseHit>> {
        let mut first: Vec<Option<PhraseHit>> = vec![None; self.sets()];
        for hit in self.candidates(view) {
            if let Some(slot) = first.get_mut(hit.set) {
                let better = slot.is_none_or(|best| {
                    (hit.start, std::cmp::Reverse(hit.end))
                        < (best.start, std::cmp::Reverse(best.end))
                });
                if better {
                    *slot = Some(hit);
                }
            }
        }
        first
    }

    /// Every word-bounded phrase occurrence and every pattern match, unordered.
    fn candidates(&self, view: &str) -> Vec<PhraseHit> {
        let mut hits = Vec::new();
        if !self.by_first_word.is_empty() {
            for (start, word) in words(view) {
                if !self.first_words.may_contain(word) {
                    continue;
                }
                let Some(ids) = self.by_first_word.get(word) else {
                    continue;
                };
                let rest = view.get(start..).unwrap_or_default();
                for literal in ids.iter().filter_map(|&id| self.literals.get(id)) {
                    let end = start + literal.needle.len();
                    if rest.starts_with(literal.needle.as_str())
                        && !(literal.word_end && word_after(view, end))
                    {
                        hits.push(literal.hit(start, end));
                    }
                }
            }
        }
        if let Some((automaton, ids)) = &self.automaton {
            for found in automaton.find_overlapping_iter(view) {
                let Some(literal) = ids
                    .get(found.pattern().as_usize())
                    .and_then(|&id| self.literals.get(id))
                else {
                    continue;
                };
                let (start, end) = (found.start(), found.end());
                if (literal.word_start && word_before(view, start))
                    || (literal.word_end && word_after(view, end))
                {
                    continue;
                }
                hits.push(literal.hit(start, end));
            }
        }
        for (set, pattern) in self.patterns.iter().enumerate() {
            let Some(pattern) = pattern else { continue };
            for found in pattern.find_iter(view) {
                // An empty match says nothing a reader could see.
                if !found.is_empty() {
                    hits.push(PhraseHit {
                        set,
                        phrase: None,
                        start: found.start,
                        end: found.end,
                    });
                }
            }
        }
        hits
    }
}

impl Literal {
    fn hit(&self, start: usize, end: usize) -> PhraseHit {
        PhraseHit {
            set: self.set,
            phrase: Some(self.phrase),
            start,
            end,
        }
    }
}

/// The leading run of word characters of a phrase that starts with one.
fn first_word(needle: &str) -> &str {
    let end = needle
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(needle.len(), |(at, _)| at);
    needle.get(..end).unwrap_or(needle)
}

/// Every maximal run of word characters in `text`, with its byte offset.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        // Skip to the next word character, then to the end of its run; ASCII bytes
        // are classified without decoding.
        let start = loop {
            let &byte = bytes.get(at)?;
            if byte.is_ascii() {
                if byte.is_ascii_alphanumeric() || byte == b'_' {
                    break at;
                }
                at += 1;
            } else {
                let c = text.get(at..)?.chars().next()?;
                if is_word_char(c) {
                    break at;
                }
                at += c.len_utf8();
            }
        };
        while let Some(&byte) = bytes.get(at) {
            if byte.is_ascii() {
                if !(byte.is_ascii_alphanumeric() || byte == b'_') {
                    break;
                }
                at += 1;
            } else {
                let Some(c) = text.get(at..).and_then(|tail| tail.chars().next()) else {
                    break;
                };
                if !is_word_char(c) {
                    break;
                }
                at += c.len_utf8();
            }
        }
        text.get(start..at).map(|word| (start, word))
    })
}

fn word_before(view: &str, at: usize) -> bool {
    view.get(..at)
        .and_then(|head| head.chars().next_back())
        .is_some_and(is_word_char)
}

fn word_after(view: &str, at: usize) -> bool {
    view.get(at..)
        .and_then(|tail| tail.chars().next())
        .is_some_and(is_word_char)
}

/// One program for a set's patterns, or `None` when it has none.
fn compile_patterns<S: AsRef<str>>(
    patterns: &[S],
    case: PatternCase,
) -> Result<Option<Pattern>, PatternError> {
    let patterns: Vec<&str> = patterns.iter().map(AsRef::as_ref).collect();
    if patterns.is_empty() {
        return Ok(None);
    }
    match Pattern::new_many(&patterns, case) {
        Ok(regex) => Ok(Some(regex)),
        // Name the culprit: compile each alone only now, when something failed.
        Err(joined_reason) => Err(patterns
            .iter()
            .find_map(|pattern| {
                Pattern::new(pattern, case)
                    .err()
                    .map(|reason| PatternError {
                        pattern: (*pattern).to_string(),
                        reason,
                    })
            })
            .unwrap_or_else(|| PatternError {
                pattern: patterns.join("|"),
                reason: joined_reason,
            })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::Normalized;
    use crate::text::Span;

    fn index(sets: &[(&[&str], &[&str])]) -> PhraseIndex {
        let mut builder = PhraseIndexBuilder::new();
        for (phrases, patterns) in sets {
            builder
                .add_set(phrases, patterns, PatternCase::Insensitive)
                .unwrap();
        }
        builder.build().unwrap()
    }

    /// The first match of set 0 in `text`, as a span of the original.
    fn first(index: &PhraseIndex, text: &str) -> Option<Span> {
        let view = Normalized::new(text);
        let hit = index.first_per_set(&view.text).into_iter().next()??;
        Some(view.original_span(hit.start, hit.end))
    }

    /// Whitespace of any kind around a phrase, as a YAML author may paste it, is
    /// trimmed: the view writes it all as ASCII whitespace.
    #[test]
    fn a_phrase_is_trimmed_of_any_whitespace() {
        let set = index(&[(&["\u{3000}Refund now\u{00a0}\t", "\u{2003}\u{2028}"], &[])]);
        assert_eq!(first(&set, "please refund now"), Some(Span::new(7, 17)));
        // A phrase of whitespace alone is no phrase.
        assert_eq!(first(&set, "a b"), None);
        assert_eq!(
            crate::text::normalize::canonical("\u{2003}Send\u{3000}"),
            "send"
        );
    }

    #[test]
    fn phrases_match_whole_words_in_any_case_and_spacing() {
        let set = index(&[(&["sue", "class action", "we're done"], &[])]);
        assert_eq!(first(&set, "I will SUE you"), Some(Span::new(7, 10)));
        assert_eq!(first(&set, "a new issue"), None);
        assert_eq!(
            first(&set, "a class\n  action suit"),
            Some(Span::new(2, 16))
        );
        assert_eq!(
            first(&set, "ok, WE\u{2019}RE DONE."),
            Some(Span::new(4, 16))
        );
        assert_eq!(
            first(&set, "a cl\u{200B}ass action"),
            Some(Span::new(2, 17))
        );
    }

    #[test]
    fn non_ascii_phrases_fold_case_and_keep_word_boundaries() {
        let set = index(&[(&["résilier", "kündigen", "café"], &[])]);
        assert_eq!(first(&set, "un café noir"), Some(Span::new(3, 8)));
        assert_eq!(first(&set, "wir KÜNDIGEN"), Some(Span::new(4, 13)));
        assert_eq!(first(&set, "un cafés"), None);
        assert_eq!(first(&set, "écafé"), None);
    }

    #[test]
    fn a_rejected_longer_phrase_does_not_hide_a_shorter_one() {
        let set = index(&[(&["sue you", "sue"], &[])]);
        assert_eq!(first(&set, "I'll sue your company"), Some(Span::new(5, 8)));
        assert_eq!(first(&set, "I'll sue you"), Some(Span::new(5, 12)));
    }

    #[test]
    fn sets_report_apart_and_without_overlap() {
        let set = index(&[(&["refund", "refund now"], &[]), (&["now"], &[r"\bn\w+"])]);
        let hits = set.find_all("refund now, refund");
        let spans: Vec<(SetId, Option<usize>, usize, usize)> = hits
            .iter()
            .map(|h| (h.set, h.phrase, h.start, h.end))
            .collect();
        assert_eq!(
            spans,
            [
                (0, Some(1), 0, 10),
                (0, Some(0), 12, 18),
                (1, Some(0), 7, 10)
            ]
        );
    }

    #[test]
    fn patterns_join_the_set() {
        let set = index(&[(&["outage"], &[r"\bdata\s+(?:is|was)\s+GONE\b"])]);
        assert_eq!(first(&set, "our data is gone"), Some(Span::new(4, 16)));
        assert!(index(&[(&[], &[])]).is_empty());
    }

    #[test]
    fn bad_pattern_reports_itself_in_one_line() {
        let error = PhraseIndexBuilder::new()
            .add_set(&["x"], &["ok", "a(b"], PatternCase::Sensitive)
            .unwrap_err();
        assert_eq!(error.pattern, "a(b");
        assert_eq!(error.reason, "unclosed group");
    }

    #[test]
    fn oversized_pattern_is_rejected() {
        let error = PhraseIndexBuilder::new()
            .add_set::<&str>(&[], &["(?:a{1000}){1000}"], PatternCase::Sensitive)
            .unwrap_err();
        assert!(error.reason.contains("size limit"), "{}", error.reason);
    }

    /// Every occurrence of every phrase at every byte, filtered on word boundaries:
    /// what the word table and the automaton must find together.
    fn naive(sets: &[Vec<String>], view: &str) -> Vec<(SetId, Option<usize>, usize, usize)> {
        let mut found = Vec::new();
        for (set, phrases) in sets.iter().enumerate() {
            for (index, phrase) in phrases.iter().enumerate() {
                let needle = normalize_str(phrase);
                let needle = needle.trim();
                if needle.is_empty() {
                    continue;
                }
                let word_start = needle.chars().next().is_some_and(is_word_char);
                let word_end = needle.chars().next_back().is_some_and(is_word_char);
                for (start, _) in view.char_indices() {
                    let end = start + needle.len();
                    if view
                        .get(start..)
                        .is_some_and(|rest| rest.starts_with(needle))
                        && !(word_start && word_before(view, start))
                        && !(word_end && word_after(view, end))
                    {
                        found.push((set, Some(index), start, end));
                    }
                }
            }
        }
        found.sort_unstable();
        found
    }

    proptest::proptest! {
        #[test]
        fn word_table_and_automaton_find_what_a_naive_scan_finds(
            first in proptest::collection::vec("[ab_ $\u{e9}'-]{1,7}", 0..40),
            second in proptest::collection::vec("(ab|b|\u{c9}|\\$)[ab_ ]{0,4}", 0..24),
            text in "[ab_ $\u{e9}\u{c9}'.-]{0,80}",
        ) {
            let sets: Vec<Vec<String>> = vec![first, second];
            let mut builder = PhraseIndexBuilder::new();
            for phrases in &sets {
                builder.add_set::<String>(phrases, &[], PatternCase::Sensitive).unwrap();
            }
            let index = builder.build().unwrap();
            let view = Normalized::new(&text).text;
            let mut got: Vec<_> = index
                .candidates(&view)
                .into_iter()
                .map(|h| (h.set, h.phrase, h.start, h.end))
                .collect();
            got.sort_unstable();
            proptest::prop_assert_eq!(got, naive(&sets, &view));
        }
    }

    #[test]
    fn a_crowded_first_word_goes_to_the_automaton() {
        let phrases: Vec<String> = (0..=MAX_PHRASES_PER_WORD)
            .map(|i| format!("cancel plan {i}"))
            .chain(["cancel".to_string(), "$5 off".to_string()])
            .collect();
        let mut builder = PhraseIndexBuilder::new();
        builder
            .add_set::<String>(&phrases, &[], PatternCase::Sensitive)
            .unwrap();
        let index = builder.build().unwrap();
        assert!(index.by_first_word.is_empty());
        let (_, ids) = index.automaton.as_ref().unwrap();
        assert_eq!(ids.len(), phrases.len());
        let hits = index.find_all("please cancel plan 16, and $5 off");
        let found: Vec<(Option<usize>, usize, usize)> =
            hits.iter().map(|h| (h.phrase, h.start, h.end)).collect();
        assert_eq!(found, [(Some(16), 7, 21), (Some(18), 27, 33)]);
    }
}
