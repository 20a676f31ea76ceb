//! The normalized view a reply is matched on, with a byte map back to the original.
//!
//! Evasion tricks change the bytes a reader does not see: a zero-width space inside a
//! prohibited phrase, a soft hyphen inside a word, full-width or Arabic-Indic digits in
//! a card number, a Cyrillic `о` in place of a Latin `o`, curly apostrophes, runs of
//! odd spaces. Every rule therefore matches on one normalized view of the text:
//!
//! 1. Unicode NFKC (compatibility forms fold: `４` → `4`, `ﬁ` → `fi`, `Ａ` → `A`),
//!    applied per base character and its combining marks;
//! 2. default-ignorable characters removed (zero-width spaces and joiners, soft
//!    hyphens, bidi controls, variation selectors, tags), and combining marks left
//!    over after composition removed (strike-through and underline overlays);
//! 3. decimal digits of every common script folded to ASCII;
//! 4. every run of whitespace collapsed to one ASCII space;
//! 5. case folded to lower case; dashes folded to `-`, curly quotes to `'` and `"`,
//!    and the Cyrillic and Greek letters that look like Latin ones to those letters.
//!
//! Every byte of the view knows the original byte range it came from, so a match in
//! the view maps back to an exact span of the original text, which is what violations
//! report and what redaction masks. The map is kept as pieces, not per byte: a run of
//! bytes copied one for one (most of any text) is one piece, so building the view of
//! plain ASCII costs a lower-casing copy and a handful of pieces, and mapping a span
//! back is a binary search. Everything else (a folded character, a collapsed run of
//! whitespace) is a piece whose bytes all stand for the same original range.
//!
//! Not covered: Hangul jamo composition across separate conjoining jamo, and
//! confusables beyond the small Latin look-alike table (whole-script homoglyph
//! detection needs the full Unicode confusables data).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::text::{Span, MASK};

/// A normalized view of a text and the map from its bytes to the original's.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    /// The normalized text.
    pub text: String,
    /// Where each stretch of `text` came from, in order of `view`.
    pieces: Vec<Piece>,
    /// For each block of [`BLOCK`] view bytes, the piece its first byte lies in; empty
    /// for a view of few pieces. A text full of folded characters (the adversarial
    /// megabyte has a hundred thousand pieces) then maps a span with a search among
    /// the pieces of one block instead of a search among all of them.
    blocks: Vec<u32>,
    /// View ranges whose letters stand for a symbol of the original that is no letter
    /// itself (NFKC writes `№` as `no`, `™` as `tm`, `℅` as `c/o`), in order. They
    /// match phrases as letters do, but a number written after `№` is not glued to a
    /// word (see [`Normalized::is_symbol_letter`]). Empty for almost every text.
    symbol_letters: Vec<(u32, u32)>,
    original_len: usize,
}

/// The view bytes per entry of [`Normalized::blocks`].
const BLOCK: usize = 256;
/// Views of fewer pieces are searched whole.
const FEW_PIECES: usize = 64;

/// A stretch of the view, from `view` to the next piece's `view` (or the end).
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// First byte of the stretch in the view.
    view: u32,
    /// First original byte.
    original: u32,
    /// One past the last original byte; only for a piece that is not `copied`.
    original_end: u32,
    /// Copied byte for byte: view byte `view + k` is original byte `original + k`.
    /// Otherwise every byte of the stretch stands for `original..original_end`.
    copied: bool,
}

/// A name or label as a model may disguise it (`Send`, `send `, a full-width `ｓｅｎｄ`,
/// a zero-width space inside), undisguised: its normalized view, trimmed. Tool
/// arguments and intent labels are compared in this form.
pub(crate) fn canonical(label: &str) -> String {
    let view = normalize_str(label);
    // The view's whitespace is all ASCII (see `PhraseIndexBuilder::add_set`).
    match view.trim_ascii() {
        trimmed if trimmed.len() == view.len() => view,
        trimmed => trimmed.to_string(),
    }
}

/// Normalizes a policy phrase or a context value the same way as a reply, without
/// the byte map (which context texts do not need).
pub(crate) fn normalize_str(text: &str) -> String {
    // Most policy phrases (hundreds per engine build) and many context values are
    // ASCII with single spaces, which the view only lower-cases. Saying so
    // here keeps them out of `build`: in WebAssembly, V8 charges a call to a large
    // function by its size toward recompiling it with its optimizing compiler, and
    // hundreds of calls for short phrases had `build` recompiled during every cold
    // engine build, on a background thread the build then competed with.
    let mut after_space = false;
    if text.bytes().all(|byte| kept_as_is(byte, &mut after_space)) {
        return text.to_ascii_lowercase();
    }
    Normalized::build::<true>(text, false).text
}

impl Normalized {
    /// Builds the view of `original`. Texts over 4 GiB are cut there (the validator
    /// caps its input far below that).
    pub fn new(original: &str) -> Normalized {
        Normalized::build::<true>(original, true)
    }

    /// The view, mapped back to `original` when `map`. `MASK_RUNS` copies runs of
    /// redaction masks whole; every caller sets it, and a test builds the view without
    /// it to hold that shortcut to the general path (a constant, so the shipped code
    /// has no such branch).
    fn build<const MASK_RUNS: bool>(original: &str, map: bool) -> Normalized {
        let mut out = Builder {
            text: Vec::with_capacity(original.len()),
            pieces: Vec::new(),
            symbol_letters: Vec::new(),
            last_space: false,
            map,
        };
        let bytes = original.as_bytes();
        let limit = original.len().min(u32::MAX as usize);
        let mut i = 0usize;
        while i < limit {
            let byte = bytes.get(i).copied().unwrap_or(0);
            // Fast path: a run of plain ASCII and single spaces (which the view keeps
            // as they are), each byte followed by ASCII (so no combining mark can
            // attach to it), copied in one go: most sentences are one run.
            let (mut end, mut after_space) = plain_words_end(bytes, i, limit, out.last_space);
            while let Some(&next) = bytes.get(end).filter(|_| end < limit) {
                if !kept_as_is(next, &mut after_space) {
                    break;
                }
                end += 1;
            }
            if end < limit && !bytes.get(end).is_some_and(u8::is_ascii) {
                end = end.saturating_sub(1);
            }
            if end > i {
                out.push_ascii_run(bytes.get(i..end).unwrap_or_default(), i);
                i = end;
                continue;
            }
            let masks_end = if MASK_RUNS {
                mask_run_end(original, i, limit)
            } else {
                i
            };
            if masks_end > i {
                out.push_copied(bytes.get(i..masks_end).unwrap_or_default(), i);
                i = masks_end;
                continue;
            }
            let next_is_ascii = bytes.get(i + 1).is_none_or(u8::is_ascii);
            if byte.is_ascii() && next_is_ascii {
                out.push_ascii(byte, i, i + 1);
                i += 1;
                continue;
            }
            // A base character and the combining marks that follow it.
            let Some(rest) = original.get(i..) else {
                break;
            };
            let mut chars = rest.char_indices();
            let Some((_, base)) = chars.next() else {
                break;
            };
            let mut end = i + base.len_utf8();
            let mut cluster = false;
            for (offset, mark) in chars {
                if is_combining_mark(mark) {
                    end = i + offset + mark.len_utf8();
                    cluster = true;
                } else {
                    break;
                }
            }
            let view_start = out.text.len();
            if !cluster && base.is_ascii() {
                out.push_ascii(base as u8, i, end);
            } else if cluster {
                let source = original.get(i..end).unwrap_or_default();
                for c in source.nfkc() {
                    out.push_char(c, i, end);
                }
            } else {
                for c in std::iter::once(base).nfkc() {
                    out.push_char(c, i, end);
                }
            }
            if !base.is_ascii() && !base.is_alphanumeric() {
                out.note_symbol_letters(view_start);
            }
            i = end;
        }
        let blocks = if out.pieces.len() < FEW_PIECES {
            Vec::new()
        } else {
            block_starts(&out.pieces, out.text.len())
        };
        Normalized {
            blocks,
            // Every push is a whole character, so this never fails; were it to, a lossy
            // view would still be matched rather than a panic.
            text: String::from_utf8(out.text)
                .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()),
            pieces: out.pieces,
            symbol_letters: out.symbol_letters,
            original_len: original.len(),
        }
    }

    /// Whether view byte `at` is part of the letters or digits that a symbol of the
    /// original was written as (`№` → `no`). The PII scan reads a number right after
    /// such letters (`№4111 1111 1111 1111`, a common way to write "number" before a
    /// card in Russian or French) as standing alone, not as part of an identifier.
    pub fn is_symbol_letter(&self, at: usize) -> bool {
        let Ok(at) = u32::try_from(at) else {
            return false;
        };
        let after = self
            .symbol_letters
            .partition_point(|&(start, _)| start <= at);
        after
            .checked_sub(1)
            .and_then(|range| self.symbol_letters.get(range))
            .is_some_and(|&(_, end)| at < end)
    }

    /// The piece that view byte `at` lies in.
    fn piece_of(&self, at: usize) -> Option<usize> {
        if at >= self.text.len() {
            return None;
        }
        let block = at / BLOCK;
        let (first, last) = match self.blocks.get(block) {
            Some(&first) => (
                first as usize,
                self.blocks
                    .get(block + 1)
                    .map_or(self.pieces.len(), |&next| next as usize + 1),
            ),
            None => (0, self.pieces.len()),
        };
        let candidates = self.pieces.get(first..last)?;
        let before = candidates.partition_point(|piece| piece.view as usize <= at);
        (first + before).checked_sub(1)
    }

    /// The original range that view byte `at` came from.
    fn origin(&self, at: usize) -> Option<(usize, usize)> {
        let piece = self.pieces.get(self.piece_of(at)?)?;
        if piece.copied {
            let byte = piece.original as usize + (at - piece.view as usize);
            Some((byte, byte + 1))
        } else {
            Some((piece.original as usize, piece.original_end as usize))
        }
    }

    /// The original span that the normalized range `[start, end)` came from.
    pub fn original_span(&self, start: usize, end: usize) -> Span {
        let from = self.origin(start).map_or(self.original_len, |(s, _)| s);
        if end <= start {
            return Span::new(from, from);
        }
        let to = self.origin(end - 1).map_or(self.original_len, |(_, e)| e);
        Span::new(from, to.max(from))
    }
}

/// [`Normalized::blocks`] for `pieces` of a view of `len` bytes.
fn block_starts(pieces: &[Piece], len: usize) -> Vec<u32> {
    let mut blocks = Vec::with_capacity(len / BLOCK + 1);
    let mut piece = 0usize;
    for block in 0..len.div_ceil(BLOCK) {
        let at = block * BLOCK;
        while pieces
            .get(piece + 1)
            .is_some_and(|next| next.view as usize <= at)
        {
            piece += 1;
        }
        // Piece indices fit: there are no more pieces than view bytes (< 4 GiB).
        blocks.push(piece as u32);
    }
    blocks
}

/// Skips, eight bytes at a time, the words and single spaces from `at` on that the
/// view keeps as they are; returns where the skipping stopped and whether the byte
/// before it is a space. The byte-at-a-time loop after it takes over at the first
/// eight bytes holding anything else (a control, other whitespace, a non-ASCII byte,
/// a second space in a row): the same bytes are skipped either way, this is only
/// faster over ordinary prose.
fn plain_words_end(
    bytes: &[u8],
    mut at: usize,
    limit: usize,
    mut after_space: bool,
) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while at + 8 <= limit {
        let Some(chunk) = bytes
            .get(at..at + 8)
            .and_then(|eight| <[u8; 8]>::try_from(eight).ok())
            .map(u64::from_le_bytes)
        else {
            break;
        };
        // For ASCII bytes (checked first), a byte's high bit in `at_least_space` is
        // set when it is 0x20 or more; in `spaces`, when it is exactly 0x20. Neither
        // sum carries into the next byte.
        let at_least_space = (chunk | HIGH).wrapping_sub(0x20 * ONES) & HIGH;
        let not_space = chunk ^ (0x20 * ONES);
        let spaces = !(((not_space & !HIGH) + !HIGH) | not_space) & HIGH;
        let space_after_space = spaces & ((spaces << 8) | u64::from(after_space) << 7);
        if chunk & HIGH != 0 || at_least_space != HIGH || space_after_space != 0 {
            break;
        }
        after_space = spaces >> 63 != 0;
        at += 8;
    }
    (at, after_space)
}

/// Whether the view keeps `byte` as it is (lower-cased), coming after a space or not
/// (`after_space`, updated): plain ASCII, or a space that does not follow another.
#[inline]
fn kept_as_is(byte: u8, after_space: &mut bool) -> bool {
    match ASCII_CLASS.get(usize::from(byte)) {
        Some(&PLAIN) => *after_space = false,
        Some(&SPACE) if !*after_space => *after_space = true,
        _ => return false,
    }
    true
}

/// The end of the run of redaction masks ([`MASK`]) from `at`, which the view keeps as
/// they are (NFKC and every fold leave `•` alone): a redacted reply is scanned again,
/// and a masked card is a dozen of them. The last mask is left out when a non-ASCII
/// character follows it, which may be a combining mark to compose with it.
fn mask_run_end(original: &str, at: usize, limit: usize) -> usize {
    let mut end = at;
    while end + MASK.len_utf8() <= limit
        && original
            .get(end..)
            .is_some_and(|rest| rest.starts_with(MASK))
    {
        end += MASK.len_utf8();
    }
    if end > at && end < limit && !original.as_bytes().get(end).is_some_and(u8::is_ascii) {
        end -= MASK.len_utf8();
    }
    end
}

/// How the fast path sees a byte: ASCII that is neither whitespace nor a control the
/// view drops, ` `, or anything else (non-ASCII, other whitespace).
const PLAIN: u8 = 0;
const SPACE: u8 = 1;
const OTHER: u8 = 2;
// Evaluated at compile time: an index out of range would fail the build, not a check.
#[allow(clippy::indexing_slicing)]
static ASCII_CLASS: [u8; 256] = {
    let mut class = [OTHER; 256];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        class[byte] = if b == b' ' {
            SPACE
        } else if b.is_ascii_whitespace() || b == 0x0b {
            OTHER
        } else {
            PLAIN
        };
        byte += 1;
    }
    class
};

struct Builder {
    /// The view's bytes: a byte buffer, so that an ASCII run is one copy and one
    /// in-place lower-casing rather than a push per character.
    text: Vec<u8>,
    pieces: Vec<Piece>,
    symbol_letters: Vec<(u32, u32)>,
    last_space: bool,
    /// Whether to record the byte map.
    map: bool,
}

/// `new` stops at u32::MAX, so offsets fit; saturate rather than wrap if not.
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Builder {
    /// Plain ASCII without whitespace, starting at original byte `at`: lower-cased,
    /// one byte out per byte in.
    /// Records that the view from `view_start` on was written for one symbol: as
    /// [`Normalized::symbol_letters`] when that holds a letter or digit.
    fn note_symbol_letters(&mut self, view_start: usize) {
        let written = self
            .text
            .get(view_start..)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or_default();
        if self.map && written.chars().any(char::is_alphanumeric) {
            self.symbol_letters
                .push((offset(view_start), offset(self.text.len())));
        }
    }

    /// Pushes `run`, which the view keeps byte for byte and which ends in no space.
    fn push_copied(&mut self, run: &[u8], at: usize) {
        self.last_space = false;
        self.record_copied(at);
        self.text.extend_from_slice(run);
    }

    fn push_ascii_run(&mut self, run: &[u8], at: usize) {
        self.last_space = run.last() == Some(&b' ');
        self.record_copied(at);
        let from = self.text.len();
        self.text.extend_from_slice(run);
        if let Some(copied) = self.text.get_mut(from..) {
            copied.make_ascii_lowercase();
        }
    }

    /// Notes that the bytes about to be pushed are copied from original byte `at` on:
    /// continues the last piece when it is a copy that ends just there.
    fn record_copied(&mut self, at: usize) {
        if !self.map {
            return;
        }
        let view = self.text.len();
        if let Some(last) = self.pieces.last() {
            let continues =
                last.copied && last.original as usize + (view - last.view as usize) == at;
            if continues {
                return;
            }
        }
        self.pieces.push(Piece {
            view: offset(view),
            original: offset(at),
            original_end: 0,
            copied: true,
        });
    }

    /// Notes that the bytes about to be pushed all stand for `start..end`.
    fn record(&mut self, start: usize, end: usize) {
        if self.map {
            self.pieces.push(Piece {
                view: offset(self.text.len()),
                original: offset(start),
                original_end: offset(end),
                copied: false,
            });
        }
    }

    fn push_space(&mut self, start: usize, end: usize) {
        if self.last_space {
            if self.map {
                // Collapse: the one space now stands for the whole run.
                let space = self.text.len().saturating_sub(1);
                if let Some(last) = self.pieces.last_mut() {
                    if last.copied {
                        // The space was copied with the text before it: split it off.
                        let original = last.original as usize + (space - last.view as usize);
                        if last.view as usize == space {
                            self.pieces.pop();
                        }
                        self.pieces.push(Piece {
                            view: offset(space),
                            original: offset(original),
                            original_end: offset(end),
                            copied: false,
                        });
                    } else {
                        last.original_end = offset(end);
                    }
                }
            }
            return;
        }
        if end == start + 1 {
            self.record_copied(start);
        } else {
            self.record(start, end);
        }
        self.text.push(b' ');
        self.last_space = true;
    }

    fn push_ascii(&mut self, byte: u8, start: usize, end: usize) {
        if byte.is_ascii_whitespace() || byte == 0x0b {
            self.push_space(start, end);
            return;
        }
        self.last_space = false;
        if end == start + 1 {
            self.record_copied(start);
        } else {
            self.record(start, end);
        }
        self.text.push(byte.to_ascii_lowercase());
    }

    fn push_char(&mut self, c: char, start: usize, end: usize) {
        if c.is_ascii() {
            self.push_ascii(c as u8, start, end);
            return;
        }
        if is_ignorable(c) || is_combining_mark(c) {
            return;
        }
        if c.is_whitespace() {
            self.push_space(start, end);
            return;
        }
        if let Some(folded) = fold_punctuation(c).or_else(|| fold_digit(c)) {
            self.push_ascii(folded as u8, start, end);
            return;
        }
        self.last_space = false;
        for lower in c.to_lowercase() {
            let lower = fold_lookalike(lower).unwrap_or(lower);
            self.record(start, end);
            let mut buffer = [0; 4];
            self.text
                .extend_from_slice(lower.encode_utf8(&mut buffer).as_bytes());
        }
    }
}

/// Default-ignorable code points: invisible, so removed from the view.
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

fn fold_punctuation(c: char) -> Option<char> {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => Some('-'),
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{FF07}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{FF02}' => Some('"'),
        _ => None,
    }
}

/// The zero of each script's decimal digits (Unicode `Nd`, Basic Multilingual Plane).
const DIGIT_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

fn fold_digit(c: char) -> Option<char> {
    let code = u32::from(c);
    if code < 0x0660 {
        return None;
    }
    DIGIT_ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .and_then(|&zero| char::from_digit(code - zero, 10))
}

/// Lower-case Cyrillic and Greek letters drawn like Latin ones.
fn fold_lookalike(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'е' | 'ε' => 'e',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'с' | 'ϲ' => 'c',
        'у' | 'γ' => 'y',
        'х' | 'χ' => 'x',
        'і' | 'ι' | 'ӏ' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'һ' => 'h',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'т' | 'τ' => 't',
        'в' | 'β' => 'b',
        'н' | 'η' => 'n',
        'ν' => 'v',
        'υ' => 'u',
        'ԛ' => 'q',
        'ԝ' | 'ω' => 'w',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> String {
        Normalized::new(text).text
    }

    #[test]
    fn ascii_is_lowercased_and_whitespace_collapsed() {
        assert_eq!(view("Hello \t\n  World"), "hello world");
        let n = Normalized::new("a  \n b");
        assert_eq!(n.text, "a b");
        assert_eq!(n.original_span(1, 2), Span::new(1, 5));
        assert_eq!(n.original_span(0, 3), Span::new(0, 6));
    }

    #[test]
    fn invisible_characters_are_removed_and_spans_point_into_the_original() {
        let text = "I c\u{200B}an\u{00AD}not";
        let n = Normalized::new(text);
        assert_eq!(n.text, "i cannot");
        assert_eq!(n.original_span(2, 8), Span::new(2, text.len()));
    }

    #[test]
    fn fullwidth_and_other_digits_fold() {
        assert_eq!(view("４２４２"), "4242");
        assert_eq!(view("٤٢"), "42");
        assert_eq!(view("१२३"), "123");
        let n = Normalized::new("x４２y");
        assert_eq!(n.text, "x42y");
        assert_eq!(n.original_span(1, 3), Span::new(1, 7));
    }

    #[test]
    fn punctuation_lookalikes_and_marks_fold() {
        assert_eq!(view("I\u{2019}m just an AI"), "i'm just an ai");
        assert_eq!(view("5\u{2013}10"), "5-10");
        assert_eq!(view("ΡАУРАL"), "paypal");
        assert_eq!(view("c\u{0336}a\u{0336}n"), "can");
        assert_eq!(view("caf\u{0065}\u{0301}"), "café");
        assert_eq!(view("\u{FB01}ne"), "fine");
        assert_eq!(view("a\u{3000}\u{00A0}b"), "a b");
    }

    #[test]
    fn letters_written_for_a_symbol_are_marked() {
        // `№` → `no`, `™` → `tm`; `ｎ` is a letter already, `①` a digit already.
        let n = Normalized::new("a\u{2116}5 x\u{2122} \u{ff4e}\u{2460}");
        assert_eq!(n.text, "ano5 xtm n1");
        let marked: Vec<usize> = (0..n.text.len())
            .filter(|&at| n.is_symbol_letter(at))
            .collect();
        assert_eq!(marked, [1, 2, 6, 7]);
        // Only mapped views are marked; phrase views need no marks.
        assert!(Normalized::new("plain text").symbol_letters.is_empty());
    }

    #[test]
    fn a_collapsed_run_splits_the_copied_piece_it_started_in() {
        let n = Normalized::new("Ab  \n Cd e");
        assert_eq!(n.text, "ab cd e");
        assert_eq!(n.original_span(0, 2), Span::new(0, 2));
        assert_eq!(n.original_span(2, 3), Span::new(2, 6));
        assert_eq!(n.original_span(3, 5), Span::new(6, 8));
        assert_eq!(n.original_span(5, 6), Span::new(8, 9));
        assert_eq!(n.original_span(1, 7), Span::new(1, 10));
        let n = Normalized::new("x\u{3000} \u{00A0}y z");
        assert_eq!(n.text, "x y z");
        assert_eq!(n.original_span(1, 2), Span::new(1, 7));
        assert_eq!(n.original_span(2, 5), Span::new(7, 10));
    }

    proptest::proptest! {
        /// Whatever the text, each view byte maps into the original, in order, and a
        /// view byte copied from the original is that byte lower-cased.
        #[test]
        fn every_view_byte_maps_back_in_order(text in "[a-zA-Z \t\n\u{200B}\u{00A0}\u{FF14}é\u{0301}\u{3000}ﬁ.-]{0,40}") {
            let n = Normalized::new(&text);
            let mut previous = 0;
            for k in 0..n.text.len() {
                let span = n.original_span(k, k + 1);
                proptest::prop_assert!(span.start < span.end && span.end <= text.len());
                proptest::prop_assert!(span.start >= previous);
                previous = span.start;
                let byte = n.text.as_bytes()[k];
                if span.end == span.start + 1 && byte != b' ' {
                    proptest::prop_assert_eq!(text.as_bytes()[span.start].to_ascii_lowercase(), byte);
                }
            }
        }
    }

    proptest::proptest! {
        /// Runs of redaction masks copied whole give the view, and the spans back,
        /// that taking each mask as its own character gives, combining marks and all.
        #[test]
        fn mask_runs_are_viewed_as_single_masks(
            text in "(\u{2022}{1,5}|[a-zA-Z4 -]{1,3}|\u{0301}|\u{20DE}|\u{00E9}|\u{200B}|\u{3000}|\u{2116})*"
        ) {
            let shortcut = Normalized::build::<true>(&text, true);
            let general = Normalized::build::<false>(&text, true);
            proptest::prop_assert_eq!(&shortcut.text, &general.text);
            let boundaries: Vec<usize> = shortcut
                .text
                .char_indices()
                .map(|(at, _)| at)
                .chain(std::iter::once(shortcut.text.len()))
                .collect();
            for (k, &start) in boundaries.iter().enumerate() {
                for &end in boundaries.iter().skip(k + 1).take(3) {
                    proptest::prop_assert_eq!(
                        shortcut.original_span(start, end),
                        general.original_span(start, end),
                        "view {}..{}", start, end
                    );
                }
            }
            proptest::prop_assert_eq!(&shortcut.symbol_letters, &general.symbol_letters);
        }
    }

    proptest::proptest! {
        /// The shortcut for plain ASCII gives what the full view gives: words and
        /// single spaces, about half the time with something the shortcut refuses.
        #[test]
        fn normalizing_a_string_is_taking_its_view(
            text in "( ?[a-zA-Z0-9.,'~!]{1,6}){0,6}(  |\t|\n|\u{0001}|\u{007F}|é|\u{200B})?( ?[a-zA-Z]{1,4}){0,2} ?"
        ) {
            proptest::prop_assert_eq!(normalize_str(&text), Normalized::new(&text).text);
        }
    }

    proptest::proptest! {
        /// Skipping eight bytes at a time stops on an eight-byte boundary at or before
        /// the first byte the byte-at-a-time loop stops on (within eight bytes of it,
        /// unless a control byte, which the chunks leave to that loop, came first),
        /// and agrees with it on whether a space came last.
        #[test]
        fn chunked_skipping_stops_no_later_than_byte_by_byte(
            text in "([a-zA-Z0-9.,'] ?|  |\t|\n|\u{0001}|\u{007F}|é){0,60}",
            from in 0usize..8,
            after_space: bool,
        ) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let mut reference = from;
            let mut space_before = after_space;
            while let Some(&byte) = bytes.get(reference) {
                if !kept_as_is(byte, &mut space_before) {
                    break;
                }
                reference += 1;
            }
            let (end, space_last) = plain_words_end(bytes, from, bytes.len(), after_space);
            proptest::prop_assert!(end <= reference && (end - from) % 8 == 0);
            let control_first = bytes[end..reference].iter().any(|&b| b < 0x20);
            proptest::prop_assert!(reference - end < 8 || end + 8 > bytes.len() || control_first);
            let expected = if end == from { after_space } else { bytes[end - 1] == b' ' };
            proptest::prop_assert_eq!(space_last, expected);
        }
    }

    proptest::proptest! {
        /// A long view of many pieces finds each byte's piece through its blocks; that
        /// piece is the one a search among all the pieces finds.
        #[test]
        fn block_lookup_finds_the_same_piece_as_a_whole_search(
            text in "([a-z ]{0,300}|[\u{FF10}-\u{FF19}\u{200B} \t\n]{0,200}|é\u{0301}|ﬁ){0,12}"
        ) {
            let n = Normalized::new(&text);
            for at in 0..n.text.len() {
                let whole = n.pieces.partition_point(|p| p.view as usize <= at).checked_sub(1);
                proptest::prop_assert_eq!(n.piece_of(at), whole, "view byte {}", at);
            }
            proptest::prop_assert_eq!(n.piece_of(n.text.len()), None);
        }
    }

    #[test]
    fn a_view_of_many_pieces_is_searched_by_block() {
        let text = "４ ".repeat(500);
        let n = Normalized::new(&text);
        assert!(n.pieces.len() >= FEW_PIECES && !n.blocks.is_empty());
        assert_eq!(n.text, "4 ".repeat(500));
        // The 300th `４` is original bytes 299 * 4 ..; view byte 598 is its `4`.
        assert_eq!(n.original_span(598, 599), Span::new(299 * 4, 299 * 4 + 3));
        assert_eq!(n.original_span(598, 600), Span::new(299 * 4, 299 * 4 + 4));
    }

    #[test]
    fn empty_and_edge_spans() {
        let n = Normalized::new("");
        assert_eq!(n.text, "");
        assert_eq!(n.original_span(0, 0), Span::new(0, 0));
        let n = Normalized::new("ab\u{200B}");
        assert_eq!(n.original_span(2, 2), Span::new(5, 5));
    }
}
