//! Grounding: every specific a reply states must come from the context.
//!
//! The blueprint's first principle is "grounded or silent": a price, a date, a
//! timeline, a phone number, a link or an article id that is not in the retrieved KB,
//! the CRM record, the orders or the ticket was invented. This module extracts the
//! specifics of a text, normalizes each into a canonical key, and looks the reply's
//! keys up in the keys of the context:
//!
//! | kind | written as | key |
//! |---|---|---|
//! | money | `$29`, `29.00 USD`, `USD 29`, `€15`, `$240k` | `money:usd:29` |
//! | percentage | `20%`, `20 percent` | `pct:20` |
//! | date | `June 3rd`, `3 June 2026`, `2026-06-03`, `06/03/2026` | `date:2026-06-03` (`date:*-06-03` without a year) |
//! | duration | `5–10 business days`, `within 24 hours`, `two weeks`, `30-day` | `dur:bday:5-10` |
//! | phone | `+1 (415) 555-0132`, `415.555.0132` | `phone:4155550132` (last ten digits) |
//! | url | `https://www.example.com/help/` | `url:example.com/help` |
//! | kb_id | `KB-204`, `kb204` | `kb:204` |
//!
//! A date without a year matches the same day of any year in the context; a slashed
//! date matches either reading (month/day or day/month); a single duration matches a
//! context range's upper bound ("within 10 business days" is grounded by "5-10
//! business days"; "5 business days" is not). Extraction works on tokens of the
//! normalized view, in one pass.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde_json::Value;

use crate::request::{Context, KbDoc};

/// The kind of a specific, as reported in `UNGROUNDED_CLAIM` violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Money,
    Percentage,
    Date,
    Duration,
    Phone,
    Url,
    KbId,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Money => "money",
            Kind::Percentage => "percentage",
            Kind::Date => "date",
            Kind::Duration => "duration",
            Kind::Phone => "phone",
            Kind::Url => "url",
            Kind::KbId => "kb_id",
        }
    }
}

/// A specific's canonical keys: nearly always one (an ambiguous numeric date has
/// two), held inline, so that a specific costs no list of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    first: String,
    more: Vec<String>,
}

impl Keys {
    fn one(key: String) -> Keys {
        Keys {
            first: key,
            more: Vec::new(),
        }
    }

    /// The keys in order, `None` for none.
    fn from_vec(keys: Vec<String>) -> Option<Keys> {
        let mut keys = keys.into_iter();
        Some(Keys {
            first: keys.next()?,
            more: keys.collect(),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.first).chain(&self.more)
    }
}

impl IntoIterator for Keys {
    type Item = String;
    type IntoIter = std::iter::Chain<std::iter::Once<String>, std::vec::IntoIter<String>>;

    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(self.first).chain(self.more)
    }
}

/// A key from its parts: `key(&["money:", "usd", ":", "29"])`. Keys are made for
/// every specific of every text; concatenation skips the formatting machinery.
fn key(parts: &[&str]) -> String {
    let mut key = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    push_parts(&mut key, parts);
    key
}

/// Appends a key's parts to `out` (see [`key`]).
fn push_parts(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

/// One specific found in a normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Specific {
    pub kind: Kind,
    /// Canonical keys; the specific is grounded when any one is in the context.
    pub keys: Keys,
    /// Byte range in the normalized text.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Word,
    Num,
    Sym,
}

/// A token's byte range, as `u32`s: a megabyte of reply is hundreds of thousands of
/// tokens, and at 12 bytes rather than 24 each the list costs half the memory traffic.
#[derive(Debug, Clone, Copy)]
struct Token {
    kind: TokenKind,
    start: u32,
    end: u32,
}

impl Token {
    fn start(&self) -> usize {
        self.start as usize
    }

    fn end(&self) -> usize {
        self.end as usize
    }
}

/// Splits `text` into tokens. Tokens start below `u32::MAX - 4` bytes (a character
/// begun there ends by `u32::MAX`): the validator caps replies far below that, and a
/// context text over 4 GiB has its tail ignored.
fn tokenize(text: &str) -> Vec<Token> {
    let all = text.as_bytes();
    let bytes = all
        .get(..all.len().min(u32::MAX as usize - 4))
        .unwrap_or(all);
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut i = 0usize;
    while i < bytes.len() {
        let byte = bytes.get(i).copied().unwrap_or(0);
        let (kind, end) = if byte == b' ' {
            i += 1;
            continue;
        } else if byte.is_ascii_digit() {
            let mut j = i + 1;
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            (TokenKind::Num, j)
        } else if byte.is_ascii_alphabetic() || byte >= 0x80 {
            let mut j = i;
            let mut kind = TokenKind::Word;
            while let Some(&b) = bytes.get(j) {
                if b.is_ascii_alphabetic() {
                    j += 1;
                } else if b >= 0x80 {
                    let c = text.get(j..).and_then(|rest| rest.chars().next());
                    let Some(c) = c else { break };
                    if c.is_alphabetic() {
                        j += c.len_utf8();
                    } else {
                        if j == i {
                            // A symbol such as `€`.
                            j += c.len_utf8();
                            kind = TokenKind::Sym;
                        }
                        break;
                    }
                } else {
                    break;
                }
            }
            (kind, j.max(i + 1))
        } else {
            (TokenKind::Sym, i + 1)
        };
        // Both offsets are at most `u32::MAX` (see above).
        tokens.push(Token {
            kind,
            start: i as u32,
            end: end as u32,
        });
        i = end;
    }
    tokens
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<Token>,
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("january", 1),
    ("feb", 2),
    ("february", 2),
    ("mar", 3),
    ("march", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("jun", 6),
    ("june", 6),
    ("jul", 7),
    ("july", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("sept", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
];

const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("sixty", "60"),
    ("ninety", "90"),
];

const UNITS: &[(&str, &str)] = &[
    ("second", "second"),
    ("seconds", "second"),
    ("sec", "second"),
    ("secs", "second"),
    ("minute", "minute"),
    ("minutes", "minute"),
    ("min", "minute"),
    ("mins", "minute"),
    ("hour", "hour"),
    ("hours", "hour"),
    ("hr", "hour"),
    ("hrs", "hour"),
    ("h", "hour"),
    ("day", "day"),
    ("days", "day"),
    ("week", "week"),
    ("weeks", "week"),
    ("wk", "week"),
    ("wks", "week"),
    ("month", "month"),
    ("months", "month"),
    ("year", "year"),
    ("years", "year"),
    ("yr", "year"),
    ("yrs", "year"),
];

const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("usd", "usd"),
    ("dollar", "usd"),
    ("dollars", "usd"),
    ("bucks", "usd"),
    ("eur", "eur"),
    ("euro", "eur"),
    ("euros", "eur"),
    ("gbp", "gbp"),
    ("cad", "cad"),
    ("aud", "aud"),
    ("jpy", "jpy"),
    ("chf", "chf"),
    ("inr", "inr"),
];

fn lookup<'a>(table: &'a [(&str, &'a str)], word: &str) -> Option<&'a str> {
    table.iter().find(|(k, _)| *k == word).map(|(_, v)| *v)
}

/// A number as written: canonical decimal text and the token index after it.
///
/// The text borrows from the reply when the number is one plain digit run (most are),
/// so the many numbers that turn out to be no specific cost no allocation.
struct Number<'t> {
    value: Cow<'t, str>,
    next: usize,
    start: usize,
}

impl<'t> Parser<'t> {
    fn token(&self, k: usize) -> Option<&Token> {
        self.tokens.get(k)
    }

    fn str_of(&self, k: usize) -> &'t str {
        self.tokens
            .get(k)
            .and_then(|t| self.text.get(t.start()..t.end()))
            .unwrap_or("")
    }

    fn is(&self, k: usize, kind: TokenKind) -> bool {
        self.token(k).is_some_and(|t| t.kind == kind)
    }

    fn word(&self, k: usize) -> Option<&'t str> {
        self.is(k, TokenKind::Word).then(|| self.str_of(k))
    }

    fn num(&self, k: usize) -> Option<&'t str> {
        self.is(k, TokenKind::Num).then(|| self.str_of(k))
    }

    fn sym(&self, k: usize, s: &str) -> bool {
        self.is(k, TokenKind::Sym) && self.str_of(k) == s
    }

    /// Whether token `k` starts right where token `k - 1` ends.
    fn glued(&self, k: usize) -> bool {
        match (k.checked_sub(1).and_then(|p| self.token(p)), self.token(k)) {
            (Some(prev), Some(this)) => prev.end == this.start,
            _ => false,
        }
    }

    fn start(&self, k: usize) -> usize {
        self.token(k).map_or(self.text.len(), |t| t.start())
    }

    fn end(&self, k: usize) -> usize {
        self.token(k).map_or(self.text.len(), |t| t.end())
    }

    /// A number at `k`: digits, thousands groups, a decimal part; or a number word.
    fn number(&self, k: usize, words: bool) -> Option<Number<'t>> {
        if let Some(digits) = self.num(k) {
            let mut next = k + 1;
            let mut groups: Option<String> = None;
            while self.sym(next, ",")
                && self.glued(next)
                && self.num(next + 1).is_some_and(|d| d.len() == 3)
                && self.glued(next + 1)
            {
                groups
                    .get_or_insert_with(|| digits.to_string())
                    .push_str(self.str_of(next + 1));
                next += 2;
            }
            let mut fraction = "";
            if self.sym(next, ".") && self.glued(next) && self.glued(next + 1) {
                if let Some(d) = self.num(next + 1) {
                    fraction = d.trim_end_matches('0');
                    next += 2;
                }
            }
            let value = match (groups, fraction) {
                (None, "") => Cow::Borrowed(without_leading_zeros(digits)),
                (groups, fraction) => {
                    let integer = without_leading_zeros(groups.as_deref().unwrap_or(digits));
                    Cow::Owned(if fraction.is_empty() {
                        integer.to_string()
                    } else {
                        format!("{integer}.{fraction}")
                    })
                }
            };
            return Some(Number {
                value,
                next,
                start: self.start(k),
            });
        }
        if words {
            let word = self.word(k)?;
            let value = lookup(NUMBER_WORDS, word)?;
            return Some(Number {
                value: Cow::Borrowed(value),
                next: k + 1,
                start: self.start(k),
            });
        }
        None
    }
}

/// `007` is `7`, `000` is `0`.
fn without_leading_zeros(digits: &str) -> &str {
    match digits.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    }
}

fn scaled(value: &str, suffix: Option<&str>) -> String {
    let factor: u32 = match suffix {
        Some("k") => 3,
        Some("m" | "mm") => 6,
        Some("bn" | "b") => 9,
        _ => return value.to_string(),
    };
    let (integer, fraction) = value.split_once('.').unwrap_or((value, ""));
    let mut digits = format!("{integer}{fraction}");
    let zeros = (factor as usize).saturating_sub(fraction.len());
    if fraction.len() > factor as usize {
        return value.to_string();
    }
    digits.push_str(&"0".repeat(zeros));
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses the `YYYY-MM-DD` at the start of `text` (an RFC 3339 time or a date).
pub(crate) fn parse_ymd(text: &str) -> Option<(i64, u32, u32)> {
    let date = text.trim().get(..10)?;
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    valid_date(Some(year), month, day).then_some((year, month, day))
}

fn valid_date(year: Option<i64>, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year.unwrap_or(2000), month)
}

/// `date:YYYY-MM-DD`, or `date:*-MM-DD` without a year. Written by hand: `format!`
/// with padding costs more than the rest of indexing a date, and a check indexes
/// several.
fn date_key(year: Option<i64>, month: u32, day: u32) -> String {
    let mut key = String::with_capacity(15);
    spell_date_key(&mut key, year, month, day);
    key
}

/// Appends [`date_key`] to `key`.
fn spell_date_key(key: &mut String, year: Option<i64>, month: u32, day: u32) {
    key.push_str("date:");
    match year {
        None => key.push('*'),
        Some(year) => match u32::try_from(year) {
            Ok(year) if year <= 9999 => push_padded(key, year, 4),
            _ => {
                key.push_str(&format!("{year:04}-{month:02}-{day:02}"));
                return;
            }
        },
    }
    key.push('-');
    push_padded(key, month, 2);
    key.push('-');
    push_padded(key, day, 2);
}

/// Appends `value` in decimal, zero-padded to `width` digits (as `{:0width$}` does).
fn push_padded(out: &mut String, value: u32, width: usize) {
    let mut divisor = 1;
    let mut digits = 1;
    while value / divisor >= 10 {
        divisor *= 10;
        digits += 1;
    }
    for _ in digits..width {
        out.push('0');
    }
    while divisor > 0 {
        out.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

/// An amount as the money keys write it: two decimals at most, trailing zeros
/// dropped (`29.9`, `30`), exactly as `format!("{amount:.2}")` then trimmed.
fn money_text(amount: f64) -> String {
    // Up to 1e13, `amount * 100` is within 0.0625 of the exact product; when it is
    // also within 0.25 of an integer, that integer is the exact product rounded, which
    // is what `{:.2}` prints. Whole cents then print without float formatting.
    let cents = amount * 100.0;
    let whole_cents = cents.round();
    if (0.0..1e13).contains(&amount) && (cents - whole_cents).abs() < 0.25 {
        let whole_cents = whole_cents as u64;
        let (units, fraction) = (whole_cents / 100, (whole_cents % 100) as u32);
        let mut text = units.to_string();
        if fraction != 0 {
            text.push('.');
            push_padded(&mut text, fraction, 2);
            if fraction % 10 == 0 {
                text.pop();
            }
        }
        return text;
    }
    let text = format!("{amount:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn day_number(text: &str) -> Option<u32> {
    (text.len() <= 2).then(|| text.parse().ok()).flatten()
}

fn full_year(text: &str) -> Option<i64> {
    match text.len() {
        4 => text.parse().ok(),
        2 => text.parse::<i64>().ok().map(|y| 2000 + y),
        _ => None,
    }
}

/// Extracts every specific from a normalized text.
pub(crate) fn extract(text: &str) -> Vec<Specific> {
    parse_all(text, parse_at)
}

/// The USD amounts a normalized text states, read as grounding reads money: `$1,200.50`,
/// `1200 usd`, `usd 1200`, `240k dollars`, both ends of `$10-$20`.
pub(crate) fn usd_amounts(text: &str) -> impl Iterator<Item = f64> {
    extract(text)
        .into_iter()
        .filter(|specific| specific.kind == Kind::Money)
        .flat_map(|specific| specific.keys)
        .filter_map(|key| key.strip_prefix("money:usd:")?.parse().ok())
}

/// The KB ids among the specifics of a normalized text: what [`extract`] finds of
/// [`Kind::KbId`], without parsing the rest (an internal note is read for its
/// citations only, and is dense with numbers that are no KB id).
///
/// An id starts at a `kb` with a space or an opening bracket before it. Of what
/// [`extract`] parses, only a URL, which runs to the next whitespace, can swallow such
/// a `kb` (`www.example.com/(kb-204)`): the rest take digits, separators, their own
/// words, or (an identifier such as `txn_8842-kb-204`) only what is glued on without
/// a bracket. A differential test keeps the two in step.
pub(crate) fn extract_kb_ids(text: &str) -> Vec<Specific> {
    let mut found = parse_all(text, |p, k| match p.word(k)? {
        "http" | "https" | "www" => url(p, k),
        "kb" => kb_id(p, k),
        _ => None,
    });
    found.retain(|specific| specific.kind == Kind::KbId);
    found
}

/// Parses `text` from left to right with `parse`, which is tried at each token and
/// says what it found there and the token after it. (Inlined into both callers, so
/// that each loop is compiled around its own parser, as when written out twice.)
#[inline(always)]
fn parse_all(text: &str, parse: impl Fn(&Parser<'_>, usize) -> Option<Parsed>) -> Vec<Specific> {
    let parser = Parser {
        text,
        tokens: tokenize(text),
    };
    let mut found = Vec::new();
    let mut k = 0usize;
    while k < parser.tokens.len() {
        match parse(&parser, k) {
            Some(Parsed { specifics, next }) => {
                found.extend(specifics.into_iter().flatten());
                k = next.max(k + 1);
            }
            None => k += 1,
        }
    }
    found
}

/// What a parse at one token found (a range is two specifics, an identifier none:
/// kept off the heap, as a dense text parses a candidate every few bytes), and the
/// token after it.
struct Parsed {
    specifics: [Option<Specific>; 2],
    next: usize,
}

fn one(kind: Kind, keys: Keys, start: usize, end: usize, next: usize) -> Option<Parsed> {
    Some(Parsed {
        specifics: [
            Some(Specific {
                kind,
                keys,
                start,
                end,
            }),
            None,
        ],
        next,
    })
}

/// The words besides month names and number words that can start a specific: URL
/// schemes, KB ids, currency prefixes (`us$`, `c$`, `a$`, ...) and codes.
const LEADING_WORDS: &[&str] = &[
    "http", "https", "www", "kb", "us", "c", "ca", "a", "au", "usd", "eur", "gbp", "cad", "aud",
    "jpy", "chf", "inr",
];

/// Whether a word can start a specific (most words cannot: skip them at once).
fn starts_specific(word: &str) -> bool {
    // The filter answers "certainly not" for nearly every ordinary word in a few
    // instructions; only the rest are looked up in the tables.
    let bit = word_bit(word.as_bytes());
    if SPECIFIC_STARTS
        .get(bit / 64)
        .is_none_or(|bits| bits & (1 << (bit % 64)) == 0)
    {
        return false;
    }
    LEADING_WORDS.contains(&word)
        || month_of(word).is_some()
        || lookup(NUMBER_WORDS, word).is_some()
}

/// A word's bit in [`SPECIFIC_STARTS`]: ten bits of a hash of its length and its
/// first, second and last bytes. A few instructions for a word of any length (every
/// word of every text asks), and still nearly every ordinary word misses.
const fn word_bit(word: &[u8]) -> usize {
    let (first, second, last) = match word {
        [] => (0, 0, 0),
        [only] => (*only, 0, *only),
        [first, last] => (*first, *last, *last),
        [first, second, .., last] => (*first, *second, *last),
    };
    let mixed =
        ((word.len() as u32) << 24) | ((first as u32) << 16) | ((second as u32) << 8) | last as u32;
    (mixed.wrapping_mul(0x85EB_CA6B) >> 22) as usize
}

/// A 1024-bit filter with the bit of every word that can start a specific set.
static SPECIFIC_STARTS: [u64; 16] = {
    const fn set(mut filter: [u64; 16], word: &str) -> [u64; 16] {
        let bit = word_bit(word.as_bytes());
        // `bit < 1024`; evaluated at compile time.
        #[allow(clippy::indexing_slicing)]
        {
            filter[bit / 64] |= 1 << (bit % 64);
        }
        filter
    }
    // Every word of a table (its first field for the keyed tables); `const` code
    // has no iterators, hence the macro.
    macro_rules! set_each {
        ($filter:ident, $table:expr $(, $field:tt)?) => {
            let mut at = 0;
            while at < $table.len() {
                #[allow(clippy::indexing_slicing)]
                let word = $table[at]$(.$field)?;
                $filter = set($filter, word);
                at += 1;
            }
        };
    }
    let mut filter = [0u64; 16];
    set_each!(filter, LEADING_WORDS);
    set_each!(filter, MONTHS, 0);
    set_each!(filter, NUMBER_WORDS, 0);
    filter
};

fn parse_at(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    match p.token(k).map(|t| t.kind) {
        Some(TokenKind::Word) if !starts_specific(p.str_of(k)) => None,
        Some(TokenKind::Sym) if !matches!(p.str_of(k), "$" | "€" | "£" | "¥" | "₹" | "+" | "(") => {
            None
        }
        _ => parse_specific_at(p, k),
    }
}

/// The parsers, for a token that may start a specific. Out of line in WebAssembly:
/// V8 charges each call of a function by the function's size toward recompiling it
/// with its optimizing compiler, and with the parsers inlined into [`parse_at`], which
/// runs for every token, that happened during a Node cold start's first check (about
/// 9 ms of background compiling, on the cores the check runs on). Natively the
/// inlining stays as it was.
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn parse_specific_at(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    if let Some(parsed) = url(p, k) {
        return Some(parsed);
    }
    if let Some(parsed) = kb_id(p, k) {
        return Some(parsed);
    }
    if let Some(parsed) = identifier_at(p, k) {
        return Some(parsed);
    }
    if let Some(parsed) = phone(p, k) {
        return Some(parsed);
    }
    if let Some(parsed) = money_prefixed(p, k) {
        return Some(parsed);
    }
    if let Some(parsed) = date_numeric(p, k) {
        return Some(parsed);
    }
    if let Some(parsed) = date_named(p, k) {
        return Some(parsed);
    }
    number_led(p, k)
}

/// A number glued to letters on the left (`txn_8842`, `v2`) is part of an identifier:
/// the whole identifier is skipped, as no specific.
fn identifier_at(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let glued_to_word = p.glued(k)
        && k.checked_sub(1)
            .is_some_and(|prev| p.is(prev, TokenKind::Word) || p.sym(prev, "_"));
    if !(glued_to_word && p.is(k, TokenKind::Num)) {
        return None;
    }
    let mut next = k + 1;
    while p.glued(next)
        && !p.sym(next, " ")
        && (p.is(next, TokenKind::Num)
            || p.is(next, TokenKind::Word)
            || p.sym(next, "_")
            || p.sym(next, "-"))
    {
        next += 1;
    }
    Some(Parsed {
        specifics: [None, None],
        next,
    })
}

fn url(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let word = p.word(k)?;
    let starts = match word {
        "http" | "https" => p.sym(k + 1, ":") && p.sym(k + 2, "/") && p.sym(k + 3, "/"),
        "www" => p.sym(k + 1, ".") && p.glued(k + 1),
        _ => false,
    };
    if !starts || (k > 0 && p.glued(k)) {
        return None;
    }
    let start = p.start(k);
    let bytes = p.text.as_bytes();
    let mut end = start;
    while bytes
        .get(end)
        .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'"' && *b != b'<' && *b != b'>')
    {
        end += 1;
    }
    while end > start
        && matches!(
            bytes.get(end - 1),
            Some(b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']' | b'\'')
        )
    {
        end -= 1;
    }
    let raw = p.text.get(start..end)?;
    let canonical = canonical_url(raw);
    if !canonical.contains('.') {
        return None;
    }
    let mut next = k;
    while p.token(next).is_some_and(|t| t.start() < end) {
        next += 1;
    }
    one(
        Kind::Url,
        Keys::one(key(&["url:", &canonical])),
        start,
        end,
        next,
    )
}

fn canonical_url(raw: &str) -> String {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .unwrap_or(raw);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.split('#').next().unwrap_or(rest);
    rest.trim_end_matches('/').to_string()
}

fn url_host(canonical: &str) -> &str {
    canonical.split(['/', '?']).next().unwrap_or(canonical)
}

fn kb_id(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    if p.word(k)? != "kb" || (k > 0 && p.glued(k) && !p.sym(k - 1, "(") && !p.sym(k - 1, "[")) {
        return None;
    }
    let (digits_at, ok) = if p.num(k + 1).is_some() {
        (k + 1, true)
    } else if (p.sym(k + 1, "-") || p.sym(k + 1, "_") || p.sym(k + 1, "#"))
        && p.glued(k + 1)
        && p.glued(k + 2)
    {
        (k + 2, p.num(k + 2).is_some())
    } else {
        (k, false)
    };
    if !ok {
        return None;
    }
    // `kb 204` with a space is an id too, but not when glued to more letters after.
    if p.glued(digits_at + 1) && p.is(digits_at + 1, TokenKind::Word) {
        return None;
    }
    let digits = p.num(digits_at)?;
    one(
        Kind::KbId,
        Keys::one(key(&["kb:", digits.trim_start_matches('0')])),
        p.start(k),
        p.end(digits_at),
        digits_at + 1,
    )
}

fn phone(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let token = p.token(k)?;
    let bytes = p.text.as_bytes();
    let start = token.start();
    let first = *bytes.get(start)?;
    if !(first == b'+' || first == b'(' || first.is_ascii_digit()) {
        return None;
    }
    if start > 0
        && bytes.get(start - 1).is_some_and(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b'$' | b'+')
        })
    {
        return None;
    }
    let (end, digits) = phone_at(bytes, start)?;
    // The national number: its last ten digits.
    let last_ten = digits
        .get(digits.len().saturating_sub(10)..)
        .unwrap_or(&digits);
    let mut next = k;
    while p.token(next).is_some_and(|t| t.start() < end) {
        next += 1;
    }
    one(
        Kind::Phone,
        Keys::one(key(&["phone:", last_ten])),
        start,
        end,
        next,
    )
}

/// A phone number at `i`: NANP (`(415) 555-0132`, `1-800-555-0199`) or international
/// (`+44 20 7946 0958`). Returns its end and its digits.
fn phone_at(bytes: &[u8], i: usize) -> Option<(usize, String)> {
    let digit_run = |from: usize| {
        let mut j = from;
        while bytes.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let is_sep = |b: Option<&u8>| matches!(b, Some(b' ' | b'-' | b'.'));
    let boundary = |j: usize| {
        let next = bytes.get(j);
        !(next.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            || (matches!(next, Some(b'-' | b'.' | b'/'))
                && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)))
    };
    let collect = |from: usize, to: usize, digits: &mut String| {
        for &b in bytes.get(from..to).unwrap_or_default() {
            if b.is_ascii_digit() {
                digits.push(char::from(b));
            }
        }
    };
    // NANP, with an optional +1 / 1 prefix.
    let mut j = i;
    let mut digits = String::new();
    if bytes.get(j) == Some(&b'+') {
        j += 1;
    }
    let cc_end = digit_run(j);
    if cc_end == j + 1 && bytes.get(j) == Some(&b'1') && is_sep(bytes.get(cc_end)) {
        j = cc_end + 1;
    } else if bytes.get(i) == Some(&b'+') && cc_end > j + 1 {
        // `+44 ...`: international below.
        j = usize::MAX;
    } else {
        j = i;
    }
    if j != usize::MAX {
        let mut area_ok = false;
        let mut k = j;
        if bytes.get(k) == Some(&b'(') {
            let e = digit_run(k + 1);
            if e == k + 4 && bytes.get(e) == Some(&b')') {
                k = e + 1;
                if bytes.get(k) == Some(&b' ') || bytes.get(k) == Some(&b'-') {
                    k += 1;
                }
                area_ok = true;
            }
        } else {
            let e = digit_run(k);
            if e == k + 3 && is_sep(bytes.get(e)) {
                k = e + 1;
                area_ok = true;
            }
        }
        if area_ok {
            let e = digit_run(k);
            if e == k + 3 && is_sep(bytes.get(e)) {
                let e2 = digit_run(e + 1);
                if e2 == e + 5 && boundary(e2) {
                    collect(i, e2, &mut digits);
                    return Some((e2, digits));
                }
            }
        }
    }
    // International: `+` country code, then 2..6 groups, 8..15 digits in all.
    if bytes.get(i) != Some(&b'+') {
        return None;
    }
    let mut k = digit_run(i + 1);
    if !(i + 2..=i + 4).contains(&k) {
        return None;
    }
    let mut groups = 0;
    let mut end = k;
    while is_sep(bytes.get(k)) || (bytes.get(k) == Some(&b' ') && bytes.get(k + 1) == Some(&b'(')) {
        let mut from = k + 1;
        let paren = bytes.get(from) == Some(&b'(');
        if paren {
            from += 1;
        }
        let e = digit_run(from);
        if e == from || e - from > 5 {
            break;
        }
        let mut after = e;
        if paren {
            if bytes.get(e) != Some(&b')') {
                break;
            }
            after = e + 1;
        }
        groups += 1;
        end = after;
        k = after;
        if groups >= 6 {
            break;
        }
    }
    collect(i, end, &mut digits);
    (groups >= 2 && (8..=15).contains(&digits.len()) && boundary(end)).then_some((end, digits))
}

fn currency_symbol(p: &Parser<'_>, k: usize) -> Option<(&'static str, usize)> {
    // `$`, `€`, `£`, `¥`, `us$`, `c$`, `a$`, `au$`, `ca$`.
    if p.is(k, TokenKind::Sym) {
        let code = match p.str_of(k) {
            "$" => "usd",
            "€" => "eur",
            "£" => "gbp",
            "¥" => "jpy",
            "₹" => "inr",
            _ => return None,
        };
        return Some((code, k + 1));
    }
    let word = p.word(k)?;
    if p.sym(k + 1, "$") && p.glued(k + 1) {
        let code = match word {
            "us" => "usd",
            "c" | "ca" | "cad" => "cad",
            "a" | "au" | "aud" => "aud",
            _ => return None,
        };
        return Some((code, k + 2));
    }
    None
}

fn money_prefixed(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let (currency, at) = match currency_symbol(p, k) {
        Some(found) => found,
        None => {
            let word = p.word(k)?;
            let code = lookup(CURRENCY_WORDS, word).filter(|_| word.len() == 3)?;
            if p.num(k + 1).is_none() || p.glued(k + 1) {
                return None;
            }
            (code, k + 1)
        }
    };
    if p.num(at).is_none() || (at > k + 1 && !p.glued(at) && currency_symbol(p, k).is_some()) {
        return None;
    }
    let number = p.number(at, false)?;
    let (value, next) = money_suffix(p, &number);
    let first = Specific {
        kind: Kind::Money,
        keys: Keys::one(key(&["money:", currency, ":", &value])),
        start: p.start(k),
        end: p.end(next - 1),
    };
    let mut next = next;
    let mut second = None;
    // A range: `$10-$20`, `$10 - 20`, `$10 to $20`.
    if p.sym(next, "-") || p.word(next) == Some("to") {
        let mut at = next + 1;
        if currency_symbol(p, at).is_some_and(|(c, _)| c == currency) {
            at = currency_symbol(p, at).map_or(at, |(_, after)| after);
        }
        if let Some(number) = p.number(at, false) {
            let (value, after) = money_suffix(p, &number);
            second = Some(Specific {
                kind: Kind::Money,
                keys: Keys::one(key(&["money:", currency, ":", &value])),
                start: p.start(next + 1),
                end: p.end(after - 1),
            });
            next = after;
        }
    }
    Some(Parsed {
        specifics: [Some(first), second],
        next,
    })
}

fn money_suffix<'t>(p: &Parser<'t>, number: &Number<'t>) -> (Cow<'t, str>, usize) {
    let suffix = p
        .word(number.next)
        .filter(|w| matches!(*w, "k" | "m" | "mm" | "bn") && p.glued(number.next));
    match suffix {
        Some(s) => (Cow::Owned(scaled(&number.value, Some(s))), number.next + 1),
        None => (number.value.clone(), number.next),
    }
}

fn date_numeric(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let a = p.num(k)?;
    let sep = p
        .token(k + 1)
        .filter(|t| t.kind == TokenKind::Sym)
        .map(|_| p.str_of(k + 1))?;
    if !matches!(sep, "-" | "/" | ".")
        || !p.glued(k + 1)
        || !p.glued(k + 2)
        || !p.sym(k + 3, sep)
        || !p.glued(k + 3)
        || !p.glued(k + 4)
    {
        return None;
    }
    let b = p.num(k + 2)?;
    let c = p.num(k + 4)?;
    if p.glued(k + 5)
        && (p.is(k + 5, TokenKind::Num)
            || p.is(k + 5, TokenKind::Word)
            || ((p.sym(k + 5, sep) || p.sym(k + 5, "."))
                && p.num(k + 6).is_some()
                && p.glued(k + 6)))
    {
        return None;
    }
    let (start, end, next) = (p.start(k), p.end(k + 4), k + 5);
    let mut keys = Vec::new();
    if a.len() == 4 {
        // ISO: YYYY-MM-DD (or YYYY/MM/DD).
        let (year, month, day) = (a.parse().ok()?, day_number(b)?, day_number(c)?);
        if valid_date(Some(year), month, day) {
            keys.push(date_key(Some(year), month, day));
        }
    } else if a.len() <= 2 && b.len() <= 2 && sep != "-" {
        let year = full_year(c)?;
        let (x, y) = (day_number(a)?, day_number(b)?);
        if sep == "/" && valid_date(Some(year), x, y) {
            keys.push(date_key(Some(year), x, y));
        }
        if valid_date(Some(year), y, x) {
            keys.push(date_key(Some(year), y, x));
        }
    }
    one(Kind::Date, Keys::from_vec(keys)?, start, end, next)
}

fn month_of(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, m)| *m)
}

/// `June 3rd`, `Jun. 3, 2026`, `3 June 2026`, `3rd of June`.
fn date_named(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let ordinal = |at: usize| {
        if p.glued(at)
            && p.word(at)
                .is_some_and(|w| matches!(w, "st" | "nd" | "rd" | "th"))
        {
            at + 1
        } else {
            at
        }
    };
    let year_after = |at: usize| -> (Option<i64>, usize) {
        let at_comma = if p.sym(at, ",") { at + 1 } else { at };
        match p.num(at_comma) {
            Some(y)
                if y.len() == 4
                    && !(p.sym(at_comma + 1, ":")
                        || p.glued(at_comma + 1) && p.is(at_comma + 1, TokenKind::Word)) =>
            {
                (y.parse().ok(), at_comma + 1)
            }
            _ => (None, at),
        }
    };
    if let Some(month) = p.word(k).and_then(month_of) {
        let mut at = k + 1;
        if p.sym(at, ".") && p.glued(at) {
            at += 1;
        }
        let day = day_number(p.num(at)?)?;
        if p.sym(at + 1, ":") || p.sym(at + 1, "%") {
            return None;
        }
        // `may 3x`: a number glued to a word other than an ordinal suffix is no day.
        let suffix = p.word(at + 1).filter(|_| p.glued(at + 1));
        if suffix.is_some_and(|w| !matches!(w, "st" | "nd" | "rd" | "th")) {
            return None;
        }
        let after_day = ordinal(at + 1);
        let (year, next) = year_after(after_day);
        if !valid_date(year, month, day) {
            return None;
        }
        return one(
            Kind::Date,
            Keys::one(date_key(year, month, day)),
            p.start(k),
            p.end(next - 1),
            next,
        );
    }
    let day = day_number(p.num(k)?)?;
    let mut at = ordinal(k + 1);
    if p.word(at) == Some("of") {
        at += 1;
    }
    let month = month_of(p.word(at)?)?;
    let (year, next) = year_after(at + 1);
    if !valid_date(year, month, day) {
        return None;
    }
    one(
        Kind::Date,
        Keys::one(date_key(year, month, day)),
        p.start(k),
        p.end(next - 1),
        next,
    )
}

fn unit_at(p: &Parser<'_>, k: usize) -> Option<(&'static str, usize)> {
    let mut at = k;
    let mut business = false;
    if let Some(word) = p.word(at) {
        if matches!(word, "business" | "working" | "calendar") {
            business = word != "calendar";
            at += 1;
            if p.sym(at, "-") {
                at += 1;
            }
        }
    }
    let unit = lookup(UNITS, p.word(at)?)?;
    if business && unit != "day" {
        return None;
    }
    Some((if business { "bday" } else { unit }, at + 1))
}

fn number_led(p: &Parser<'_>, k: usize) -> Option<Parsed> {
    let is_word_number = p.is(k, TokenKind::Word);
    let number = p.number(k, true)?;
    // Whatever follows, a word, `-` or `%` comes right after the number: a number
    // followed by another number or by other punctuation (most in a dense text) is
    // no specific.
    match p.token(number.next).map(|t| t.kind) {
        Some(TokenKind::Word) => {}
        Some(TokenKind::Sym) if matches!(p.str_of(number.next), "-" | "%") => {}
        _ => return None,
    }
    let start = number.start;
    let mut next = number.next;
    // Money written after the amount: `29.00 usd`, `29 dollars`, `$`-less `240k usd`.
    let (scaled_value, after_suffix) = money_suffix(p, &number);
    if let Some(currency) = p.word(after_suffix).and_then(|w| lookup(CURRENCY_WORDS, w)) {
        if !is_word_number {
            return one(
                Kind::Money,
                Keys::one(key(&["money:", currency, ":", &scaled_value])),
                start,
                p.end(after_suffix),
                after_suffix + 1,
            );
        }
    }
    // Percentages: `20%`, `20 percent`.
    if !is_word_number
        && (p.sym(next, "%") || p.word(next).is_some_and(|w| matches!(w, "percent" | "pct")))
    {
        return one(
            Kind::Percentage,
            Keys::one(key(&["pct:", &number.value])),
            start,
            p.end(next),
            next + 1,
        );
    }
    // Durations: `5-10 business days`, `5 to 10 days`, `24 hours`, `30-day`, `24h`.
    let mut high = None;
    if p.sym(next, "-")
        || p.word(next) == Some("to")
        || (p.word(next) == Some("and") && k > 0 && p.word(k - 1) == Some("between"))
    {
        if let Some(second) = p.number(next + 1, is_word_number) {
            if unit_at(p, second.next).is_some()
                || (p.sym(second.next, "-") && unit_at(p, second.next + 1).is_some())
            {
                high = Some(second.value.clone());
                next = second.next;
            }
        }
    }
    let unit_start = if p.sym(next, "-") { next + 1 } else { next };
    if let Some((unit, after)) = unit_at(p, unit_start) {
        if unit == "hour" && p.word(unit_start) == Some("h") && !p.glued(unit_start) {
            return None;
        }
        let duration = match &high {
            Some(high) => key(&["dur:", unit, ":", &number.value, "-", high]),
            None => key(&["dur:", unit, ":", &number.value]),
        };
        return one(
            Kind::Duration,
            Keys::one(duration),
            start,
            p.end(after - 1),
            after,
        );
    }
    None
}

/// Every string value of a CRM record, normalized (nested values included).
pub(crate) fn crm_strings(crm: &serde_json::Map<String, Value>) -> Vec<String> {
    fn walk(value: &Value, depth: usize, out: &mut Vec<String>) {
        if depth > 16 {
            return;
        }
        match value {
            Value::String(text) => out.push(crate::text::normalize::normalize_str(text)),
            Value::Array(items) => items.iter().for_each(|v| walk(v, depth + 1, out)),
            Value::Object(map) => map.values().for_each(|v| walk(v, depth + 1, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for value in crm.values() {
        walk(value, 0, &mut out);
    }
    out
}

/// Where a context key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A KB document (index into `context.kb`).
    Kb(usize),
    /// The CRM record, the orders, the ticket or the clock.
    Other,
}

/// Where a key was found: nearly always one place, held inline (a context has a key
/// per specific of every text, and preparing one is on the path of every check).
#[derive(Debug)]
pub(crate) struct Sources {
    first: Source,
    more: Vec<Source>,
}

impl Sources {
    pub fn iter(&self) -> impl Iterator<Item = &Source> {
        std::iter::once(&self.first).chain(&self.more)
    }

    pub fn first(&self) -> Source {
        self.first
    }

    pub fn contains(&self, source: Source) -> bool {
        self.first == source || self.more.contains(&source)
    }
}

/// The keys of everything the context says (or of what it says about one reply's
/// specifics, see [`IndexKeys`]).
#[derive(Debug, Default)]
pub(crate) struct Index {
    keys: HashMap<String, Sources>,
}

/// Which of the context's keys an [`Index`] keeps.
pub(crate) enum IndexKeys<'r> {
    /// Every key: a context prepared once for many replies.
    All,
    /// Only these, the keys of the one reply the context is prepared for. Every lookup
    /// asks for a key of that reply's specifics, so the answers are the same; the
    /// context's other specifics are parsed but never stored (most of a context's
    /// specifics are not in any given reply).
    Only(WantedKeys<'r>),
}

impl<'r> IndexKeys<'r> {
    /// Only the keys `keys` yields.
    pub fn only(keys: impl IntoIterator<Item = &'r str>) -> IndexKeys<'r> {
        let mut sorted: Vec<&str> = keys.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let filter = sorted
            .iter()
            .fold(0, |filter, key| filter | WantedKeys::bit(key));
        IndexKeys::Only(WantedKeys { sorted, filter })
    }
}

/// A reply's keys: a handful, so sorted and searched by bisection rather than hashed,
/// behind a 64-bit filter of their lengths and last bytes that turns most of the
/// context's keys away before any comparison.
pub(crate) struct WantedKeys<'r> {
    sorted: Vec<&'r str>,
    filter: u64,
}

impl WantedKeys<'_> {
    fn bit(key: &str) -> u64 {
        let last = key.as_bytes().last().copied().unwrap_or(0);
        1 << ((key.len() * 7 + usize::from(last)) % 64)
    }

    fn contains(&self, key: &str) -> bool {
        self.filter & WantedKeys::bit(key) != 0 && self.sorted.binary_search(&key).is_ok()
    }
}

/// Fills an [`Index`], keeping the keys that [`IndexKeys`] asks for.
struct IndexBuilder<'r> {
    index: Index,
    keys: IndexKeys<'r>,
    /// The buffer [`IndexBuilder::add`] spells keys in.
    spelled: String,
}

const MONEY_KEY_HINTS: &[&str] = &[
    "usd", "price", "amount", "cost", "fee", "total", "balance", "credit", "arr", "mrr", "charge",
    "refund", "eur", "gbp",
];

impl IndexBuilder<'_> {
    fn wants(&self, key: &str) -> bool {
        match &self.keys {
            IndexKeys::All => true,
            IndexKeys::Only(only) => only.contains(key),
        }
    }

    /// Adds the key that `spell` writes, if wanted. It is spelled into a buffer kept
    /// from key to key, and copied only when kept (most of a context's keys are not).
    fn add(&mut self, source: Source, spell: impl FnOnce(&mut String)) {
        let mut key = std::mem::take(&mut self.spelled);
        key.clear();
        spell(&mut key);
        if self.wants(&key) {
            self.insert(key.clone(), source);
        }
        self.spelled = key;
    }

    /// Records a key that [`IndexBuilder::wants`].
    fn insert(&mut self, key: String, source: Source) {
        match self.index.keys.entry(key) {
            Entry::Occupied(mut found) => {
                let sources = found.get_mut();
                if !sources.contains(source) {
                    sources.more.push(source);
                }
            }
            Entry::Vacant(new) => {
                new.insert(Sources {
                    first: source,
                    more: Vec::new(),
                });
            }
        }
    }

    /// Adds a specific's keys, with the extra keys a context value grounds.
    fn add_specific(&mut self, specific: &Specific, source: Source) {
        for own in specific.keys.iter() {
            if let Some(date) = own.strip_prefix("date:") {
                if let Some((_, month_day)) = date.split_once('-') {
                    self.add(source, |key| push_parts(key, &["date:*-", month_day]));
                }
            }
            if let Some(rest) = own.strip_prefix("dur:") {
                if let Some((unit, range)) = rest.split_once(':') {
                    if let Some((_, high)) = range.split_once('-') {
                        self.add(source, |key| push_parts(key, &["dur:", unit, ":", high]));
                    }
                }
            }
            if let Some(url) = own.strip_prefix("url:") {
                self.add(source, |key| push_parts(key, &["url:", url_host(url)]));
            }
            // Checked before the key is copied (most of a context's keys are not wanted).
            if self.wants(own) {
                self.insert(own.clone(), source);
            }
        }
    }

    /// Adds the specifics of a normalized text.
    pub fn add_text(&mut self, normalized: &str, source: Source) {
        for specific in extract(normalized) {
            self.add_specific(&specific, source);
        }
    }

    fn add_date(&mut self, text: &str, source: Source) {
        if let Some((year, month, day)) = parse_ymd(text) {
            self.add(source, |key| spell_date_key(key, Some(year), month, day));
            self.add(source, |key| spell_date_key(key, None, month, day));
        }
    }

    fn add_money(&mut self, amount: f64, source: Source) {
        if amount.is_finite() && amount >= 0.0 {
            self.add(source, |key| {
                push_parts(key, &["money:usd:", &money_text(amount)]);
            });
        }
    }

    fn add_crm(&mut self, field: &str, value: &Value, depth: usize) {
        if depth > 16 {
            return;
        }
        match value {
            Value::String(text) => {
                // The text's specifics come from `crm_strings`.
                self.add_date(text, Source::Other);
            }
            Value::Number(number) => {
                let lower = field.to_ascii_lowercase();
                if MONEY_KEY_HINTS.iter().any(|hint| lower.contains(hint)) {
                    if let Some(amount) = number.as_f64() {
                        self.add_money(amount, Source::Other);
                    }
                }
                if lower.contains("percent") || lower.contains("pct") || lower.contains("rate") {
                    if let Some(amount) = number.as_f64() {
                        let text = format!("{amount:.4}");
                        let text = text.trim_end_matches('0').trim_end_matches('.');
                        self.add(Source::Other, |key| push_parts(key, &["pct:", text]));
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.add_crm(field, item, depth + 1);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.add_crm(k, v, depth + 1);
                }
            }
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// Indexes a request context (its KB documents already normalized), the ticket's
    /// normalized text, the CRM record's normalized strings and the current time.
    fn build(
        mut self,
        context: &Context,
        kb: &[super::PreparedDoc],
        ticket: &[Cow<'_, str>],
        crm_strings: &[String],
        now: Option<&str>,
    ) -> Index {
        for (i, (doc, prepared)) in context.kb.iter().zip(kb).enumerate() {
            self.add_kb(i, doc, prepared);
        }
        for (key, value) in &context.crm {
            self.add_crm(key, value, 0);
        }
        for text in crm_strings {
            self.add_text(text, Source::Other);
        }
        for order in &context.orders {
            self.add_money(order.amount_usd, Source::Other);
            if let Some(date) = &order.date {
                self.add_date(date, Source::Other);
            }
        }
        for text in ticket {
            self.add_text(text, Source::Other);
        }
        if let Some(now) = now {
            self.add_date(now, Source::Other);
        }
        self.index
    }

    fn add_kb(&mut self, i: usize, doc: &KbDoc, prepared: &super::PreparedDoc) {
        let source = Source::Kb(i);
        // A document below the retrieval minimum is in context but grounds nothing
        // it says; its id is still a document in context.
        if prepared.relevant {
            self.add_text(&prepared.text, source);
        }
        for specific in extract(&prepared.id) {
            if specific.kind == Kind::KbId {
                self.add_specific(&specific, source);
            }
        }
        if let Some(updated) = doc.updated_at.as_ref().filter(|_| prepared.relevant) {
            self.add_date(updated, source);
        }
    }
}

impl Index {
    /// Indexes a request context (its KB documents already normalized), the ticket's
    /// normalized text, the CRM record's normalized strings and the current time:
    /// the keys that `keys` asks for.
    pub fn build(
        context: &Context,
        kb: &[super::PreparedDoc],
        ticket: &[Cow<'_, str>],
        crm_strings: &[String],
        now: Option<&str>,
        keys: IndexKeys<'_>,
    ) -> Index {
        IndexBuilder {
            index: Index::default(),
            keys,
            spelled: String::new(),
        }
        .build(context, kb, ticket, crm_strings, now)
    }

    /// The sources of the first of `keys` the context has, if any.
    pub fn lookup(&self, keys: &Keys) -> Option<&Sources> {
        keys.iter().find_map(|key| self.keys.get(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// `extract_kb_ids` finds exactly the KB ids `extract` finds, over texts made
        /// of ids, URLs, identifiers and every other kind of specific run together.
        #[test]
        fn kb_ids_alone_are_the_kb_ids_of_everything(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "kb", "kb-", "kb_", "kb#", "204", "0012", "-", "_", "(", ")", "[", "]", " ", " ",
                "https://", "http://", "www.", "example.com/", ".", ",", "/", "txn_", "v", "$",
                "usd", "june", "3rd", "two", "to", "10", "business", "days", "+1", "(415)",
                "555-0132", "%", "2026-06-03", "x", "a", "€", "é",
            ]), 0..24)
        ) {
            let text: String = pieces.concat();
            let all: Vec<Specific> = extract(&text).into_iter().filter(|s| s.kind == Kind::KbId).collect();
            proptest::prop_assert_eq!(extract_kb_ids(&text), all, "{:?}", text);
        }
    }

    #[test]
    fn the_filter_lets_every_word_that_can_start_a_specific_through() {
        let words = LEADING_WORDS
            .iter()
            .copied()
            .chain(MONTHS.iter().map(|(word, _)| *word))
            .chain(NUMBER_WORDS.iter().map(|(word, _)| *word));
        for word in words {
            assert!(starts_specific(word), "{word}");
        }
        for word in ["the", "your", "refund", "junes", "sixteen", "kbs", ""] {
            assert!(!starts_specific(word), "{word}");
        }
    }

    #[test]
    fn hand_written_keys_match_format() {
        for (year, month, day) in [(2026, 6, 3), (0, 1, 1), (9999, 12, 31), (10000, 2, 29)] {
            assert_eq!(
                date_key(Some(year), month, day),
                format!("date:{year:04}-{month:02}-{day:02}")
            );
        }
        assert_eq!(date_key(None, 6, 3), "date:*-06-03");
        let amounts = [
            0.0,
            0.5,
            1.005,
            0.125,
            0.375,
            29.0,
            29.9,
            29.99,
            29.999,
            100.1,
            1234.56,
            0.01,
            1e12 + 0.07,
            5e13,
            1e300,
            f64::MIN_POSITIVE,
        ];
        for amount in amounts
            .into_iter()
            .chain((0..5000).map(|c| f64::from(c) * 0.013))
        {
            let text = format!("{amount:.2}");
            let expected = text.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(money_text(amount), expected, "{amount}");
        }
    }

    fn keys(text: &str) -> Vec<(String, &str)> {
        let normalized = crate::text::normalize::normalize_str(text);
        extract(&normalized)
            .into_iter()
            .map(|s| {
                let keys: Vec<&str> = s.keys.iter().map(String::as_str).collect();
                (keys.join("|"), s.kind.as_str())
            })
            .collect()
    }

    #[test]
    fn money_forms_share_a_key() {
        for text in ["$29", "29.00 USD", "USD 29", "29 dollars", "US$29.0"] {
            assert_eq!(
                keys(text),
                [("money:usd:29".to_string(), "money")],
                "{text}"
            );
        }
        assert_eq!(keys("$240k")[0].0, "money:usd:240000");
        assert_eq!(keys("€1,299.50")[0].0, "money:eur:1299.5");
        assert_eq!(keys("$10-$20").len(), 2);
    }

    #[test]
    fn date_forms_share_a_key() {
        assert_eq!(keys("June 3rd")[0].0, "date:*-06-03");
        assert_eq!(keys("3 June 2026")[0].0, "date:2026-06-03");
        assert_eq!(keys("2026-06-03")[0].0, "date:2026-06-03");
        assert_eq!(keys("Jun. 3, 2026")[0].0, "date:2026-06-03");
        assert_eq!(keys("06/03/2026")[0].0, "date:2026-06-03|date:2026-03-06");
        assert!(keys("2026-13-45").is_empty());
    }

    #[test]
    fn durations_percentages_phones_urls_ids() {
        assert_eq!(keys("5\u{2013}10 business days")[0].0, "dur:bday:5-10");
        assert_eq!(keys("5 to 10 business days")[0].0, "dur:bday:5-10");
        assert_eq!(keys("within two weeks")[0].0, "dur:week:2");
        assert_eq!(keys("a 30-day trial")[0].0, "dur:day:30");
        assert_eq!(keys("20% off")[0].0, "pct:20");
        assert_eq!(keys("call +1 (415) 555-0132")[0].0, "phone:4155550132");
        assert_eq!(keys("call 415.555.0132")[0].0, "phone:4155550132");
        assert_eq!(keys("+44 20 7946 0958")[0].0, "phone:2079460958");
        assert_eq!(
            keys("see https://www.Example.com/help/.")[0].0,
            "url:example.com/help"
        );
        assert_eq!(keys("per KB-204")[0].0, "kb:204");
        assert!(keys("txn_8842 and order #12345 and 2FA").is_empty());
    }
}
