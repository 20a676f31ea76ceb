//! Personal data in a reply: payment cards, US SSNs, other government ID numbers,
//! IBANs, secrets, and the email addresses of anyone but the ticket's customer.
//!
//! Every detector runs on the normalized view (see [`super::normalize`]), so full-width
//! digits, zero-width characters and odd spaces inside a number change nothing. Each
//! one is a hand-written linear scanner or a `regex` with a literal prefix; none
//! backtracks, so a megabyte of digits costs one pass.
//!
//! - **Cards**: 13–19 digits, written contiguously or in the usual groups (4-4-4-4,
//!   4-4-4-4-3, 4-6-5, 4-6-4, …) separated by single spaces or dashes, starting with a
//!   2–6 (the card networks' major industry identifiers) and passing the Luhn check. A
//!   window inside a longer run of 4-digit groups (a 22-digit tracking number written
//!   in fours) is a card only when no neighbouring window would also be one; a number
//!   after `IMEI` / `MEID` is a device id.
//! - **SSNs**: `AAA-GG-SSSS` or `AAA GG SSSS` standing alone (a space may set it off
//!   from other digits: `123-45-6789 2026`), or nine digits right after "SSN" /
//!   "social security (number)"; area 000, 666 and 900–999, group 00 and serial
//!   0000 are never issued, so they are not SSNs (nor are the two famous specimen
//!   numbers 078-05-1120 and 219-09-9999).
//! - **Other government IDs** (passports, driving licences, national ID, tax and
//!   insurance numbers): their formats are too many, and too like order numbers, to
//!   find by shape alone, so only the number named as one is found: the value right
//!   after one of the policy's `government_id_keywords` ("passport", "driver's
//!   license", …) and an optional "number", "no.", "#", ":" or "is". The value is 5–24
//!   letters and digits, at least four of them digits, in groups joined by single
//!   spaces, dashes or dots (`AB 12 34 56 C`, `S123-456-78-910-0`, `C01X00T47`).
//! - **IBANs**: a country code with its registered length, check digits, compact or in
//!   groups of four, passing ISO 7064 mod-97.
//! - **Secrets**: the value after "password:" (and passcode, PIN, …), API keys with the
//!   policy's well-known prefixes, and JSON Web Tokens.
//! - **Other customers' emails**: any address that is not the customer's and does not
//!   appear in the ticket, the KB, the CRM record, or the policy's allowed domains.

use std::collections::HashSet;

use crate::text::normalize::Normalized;
use crate::text::pattern::Pattern;

use crate::codes::Code;
use crate::policy::PiiPolicy;
use crate::text::is_word_char;
use crate::text::phrases::{
    PatternCase, PatternError, PhraseHit, PhraseIndex, PhraseIndexBuilder, SetId,
};

/// One piece of personal data, as a range of the normalized view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PiiHit {
    pub code: Code,
    pub start: usize,
    pub end: usize,
    /// What it is, for the message (never the value itself).
    pub what: &'static str,
}

/// The compiled PII detectors.
#[derive(Debug, Clone)]
pub(crate) struct PiiRules {
    /// API keys (policy prefixes) and JWTs, on the normalized view.
    pub tokens: Option<Pattern>,
    /// The keywords that announce a value, for a scan on its own (the validator's
    /// main pass finds them among its other sets).
    pub keywords: PhraseIndex,
    /// Which sets of `keywords` are which.
    pub keyword_sets: KeywordSets,
    /// Email domains that are never another customer's (the company's own).
    pub allowed_email_domains: Vec<String>,
}

/// The sets of a phrase index that hold the keywords announcing a value.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeywordSets {
    /// Keywords whose following value is a secret ("password", "pin", ...).
    pub secret: Option<SetId>,
    /// Keywords whose following value is a government ID number ("passport", ...).
    pub government_id: Option<SetId>,
}

impl KeywordSets {
    /// Adds the policy's secret and government ID keywords to `phrases`, a set each.
    ///
    /// # Errors
    /// The policy field whose set does not compile, and why.
    pub fn add(
        phrases: &mut PhraseIndexBuilder,
        policy: &PiiPolicy,
    ) -> Result<KeywordSets, (&'static str, PatternError)> {
        let mut set = |keywords: &[String], field: &'static str| {
            phrases
                .add_set::<String>(keywords, &[], PatternCase::Sensitive)
                .map(Some)
                .map_err(|error| (field, error))
        };
        Ok(KeywordSets {
            secret: set(&policy.secret_keywords, "secret_keywords")?,
            government_id: set(&policy.government_id_keywords, "government_id_keywords")?,
        })
    }
}

/// Where the keywords that announce a value end, as a phrase pass found them.
#[derive(Debug, Default)]
pub(crate) struct KeywordEnds {
    pub secret: Vec<usize>,
    pub government_id: Vec<usize>,
}

impl KeywordEnds {
    /// The ends of the `sets`' hits among `hits`.
    pub fn from_hits(hits: &[PhraseHit], sets: KeywordSets) -> KeywordEnds {
        let ends = |set: Option<SetId>| -> Vec<usize> {
            hits.iter()
                .filter(|hit| Some(hit.set) == set)
                .map(|hit| hit.end)
                .collect()
        };
        KeywordEnds {
            secret: ends(sets.secret),
            government_id: ends(sets.government_id),
        }
    }
}

/// Emails the reply may name: the customer's and those the context already shows.
#[derive(Debug, Default)]
pub(crate) struct KnownEmails {
    pub emails: HashSet<String>,
}

impl PiiRules {
    /// Every PII hit in a normalized view, sorted by start.
    pub fn scan(&self, view: &Normalized, known: &KnownEmails) -> Vec<PiiHit> {
        let hits = self.keywords.find_all(&view.text);
        let keywords = KeywordEnds::from_hits(&hits, self.keyword_sets);
        self.scan_with_keywords(view, known, &keywords)
    }

    /// [`PiiRules::scan`] with the keywords already found (by a phrase index that
    /// holds them among other sets, saving a pass).
    pub fn scan_with_keywords(
        &self,
        view: &Normalized,
        known: &KnownEmails,
        keywords: &KeywordEnds,
    ) -> Vec<PiiHit> {
        let text = view.text.as_str();
        let mut hits = Vec::new();
        scan_ibans(view, &mut hits);
        let ibans: Vec<(usize, usize)> = hits.iter().map(|h| (h.start, h.end)).collect();
        scan_digit_runs(view, &ibans, &mut hits);
        self.scan_secrets(text, &keywords.secret, &mut hits);
        scan_government_ids(text, &keywords.government_id, &mut hits);
        self.scan_emails(text, known, &mut hits);
        // Overlapping hits are all reported (and redaction masks their union), so
        // that one thing cannot hide another: `4111111111111111.bob@example.com` is a
        // card and an address whose local part the card starts. Only a hit on the
        // very span of an earlier one (a secret value that is also a card number) is
        // left out, being the same thing found twice.
        hits.sort_by_key(|hit| (hit.start, hit.end));
        hits.dedup_by(|later, earlier| later.start == earlier.start && later.end == earlier.end);
        hits
    }

    fn scan_secrets(&self, text: &str, secret_keyword_ends: &[usize], hits: &mut Vec<PiiHit>) {
        if let Some(tokens) = &self.tokens {
            for m in tokens.find_iter(text) {
                let what = if text[m.clone()].starts_with("eyj") {
                    "a JSON Web Token"
                } else {
                    "an API key"
                };
                hits.push(PiiHit {
                    code: Code::PiiSecret,
                    start: m.start,
                    end: m.end,
                    what,
                });
            }
        }
        for &keyword_end in secret_keyword_ends {
            if let Some((start, end)) = secret_value(text, keyword_end) {
                hits.push(PiiHit {
                    code: Code::PiiSecret,
                    start,
                    end,
                    what: "a password or secret",
                });
            }
        }
    }

    fn scan_emails(&self, text: &str, known: &KnownEmails, hits: &mut Vec<PiiHit>) {
        for (start, end) in find_emails(text) {
            let Some(address) = text.get(start..end) else {
                continue;
            };
            if known.emails.contains(address) {
                continue;
            }
            let domain = address.rsplit('@').next().unwrap_or_default();
            let allowed = self
                .allowed_email_domains
                .iter()
                .any(|d| domain == d || domain.ends_with(&format!(".{d}")));
            if allowed {
                continue;
            }
            hits.push(PiiHit {
                code: Code::PiiOtherCustomerEmail,
                start,
                end,
                what: "an email address that is not the customer's",
            });
        }
    }
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// Whether the character that ends at byte `index` of the view is a word character: a
/// letter or digit of any script, or `_`, that was one in the original too. An emoji,
/// a currency sign, U+FFFD or `№` (in the view `no`) before a card number leaves it a
/// card number.
fn word_before(view: &Normalized, index: usize) -> bool {
    view.text
        .get(..index)
        .and_then(|before| before.chars().next_back())
        .is_some_and(|c| is_word_char(c) && !view.is_symbol_letter(index - c.len_utf8()))
}

/// Whether the character that starts at byte `index` of the view is a word character
/// (as [`word_before`] says).
fn word_at(view: &Normalized, index: usize) -> bool {
    view.text
        .get(index..)
        .and_then(|after| after.chars().next())
        .is_some_and(|c| is_word_char(c) && !view.is_symbol_letter(index))
}

fn at(bytes: &[u8], index: usize) -> u8 {
    bytes.get(index).copied().unwrap_or(0)
}

/// Email addresses in a normalized (lower-case) text, as byte ranges.
pub(crate) fn find_emails(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    // Internationalized domains (`exämple.com`, `пример.рф`) are written in their
    // own letters: any letter or digit, with the ASCII dot and hyphen.
    let domain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-');
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut floor = 0usize;
    // The start of a run of addresses the next `@` continues, if one does.
    let mut run_from: Option<usize> = None;
    for (at_sign, _) in text.match_indices('@') {
        let mut start = at_sign;
        while start > floor && at_sign - start < 64 && local(at(bytes, start - 1)) {
            start -= 1;
        }
        while start < at_sign && matches!(at(bytes, start), b'.' | b'-') {
            start += 1;
        }
        let mut end = at_sign + 1;
        for (offset, c) in text.get(end..).unwrap_or_default().char_indices() {
            if !domain(c) || offset + c.len_utf8() > 253 {
                break;
            }
            end = at_sign + 1 + offset + c.len_utf8();
        }
        while end > at_sign + 1 && matches!(at(bytes, end - 1), b'.' | b'-') {
            end -= 1;
        }
        // Addresses run together (`bob@evil.comalice@corp.com`, where the view dropped
        // an invisible separator, or `bob@evil.com-alice@corp.com`): the first one's
        // domain took the second's local part. The run is one match, reported and
        // masked whole, from the first local part to the last valid domain.
        let runs_on = at(bytes, end) == b'@';
        let run_start = if start == at_sign {
            run_from.take()
        } else {
            Some(start)
        };
        let valid = end > at_sign + 1
            && text
                .get(at_sign + 1..end)
                .and_then(|host| host.rsplit_once('.'))
                .is_some_and(|(_, tld)| {
                    tld.chars().nth(1).is_some() && tld.chars().all(char::is_alphabetic)
                });
        match (run_start, valid) {
            (Some(start), true) => {
                match found.last_mut().filter(|last| last.0 == start) {
                    Some(last) => last.1 = end,
                    None => found.push((start, end)),
                }
                floor = end;
                run_from = runs_on.then_some(start);
            }
            (Some(start), false) if runs_on && end > at_sign + 1 => {
                floor = end;
                run_from = Some(start);
            }
            _ => run_from = None,
        }
    }
    found
}

/// The secret value after a keyword ending at `from`: `password: x`, `pin is 1234`.
fn secret_value(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = from;
    let skip_space = |i: &mut usize| {
        if at(bytes, *i) == b' ' {
            *i += 1;
        }
    };
    skip_space(&mut i);
    let rest = text.get(i..)?;
    let mut assigned = false;
    let mut stated = false;
    if rest.starts_with(':') || rest.starts_with('=') {
        assigned = true;
        i += 1;
    } else {
        for word in ["is set to ", "is now ", "is ", "was ", "set to "] {
            if rest.starts_with(word) {
                stated = true;
                i += word.len();
                break;
            }
        }
        if !stated {
            return None;
        }
    }
    skip_space(&mut i);
    if at(bytes, i) == b'"' || at(bytes, i) == b'\'' {
        i += 1;
    }
    let start = i;
    let mut end = start;
    while end < bytes.len() && end - start < 128 && !at(bytes, end).is_ascii_whitespace() {
        end += 1;
    }
    while end > start && matches!(at(bytes, end - 1), b'.' | b',' | b';' | b'"' | b'\'' | b')') {
        end -= 1;
    }
    let value = text.get(start..end)?;
    let chars = value.chars().count();
    if chars < 4 {
        return None;
    }
    let has_digit = value.bytes().any(|b| b.is_ascii_digit());
    let has_symbol = value.bytes().any(|b| b.is_ascii_punctuation());
    const WORDS: &[&str] = &[
        "required",
        "incorrect",
        "invalid",
        "expired",
        "reset",
        "changed",
        "updated",
        "hidden",
        "redacted",
        "correct",
        "wrong",
        "missing",
        "needed",
        "protected",
        "secure",
        "strong",
        "weak",
        "locked",
        "sent",
        "saved",
        "stored",
        "encrypted",
        "temporary",
        "case-sensitive",
    ];
    let plain_word = value.bytes().all(|b| b.is_ascii_alphabetic() || b >= 0x80);
    // A value of signs alone (`:-)`, `---`) is no secret, and masking, which hides
    // letters and digits, could not hide it.
    let looks_secret = if !value.chars().any(char::is_alphanumeric) {
        false
    } else if assigned {
        has_digit || has_symbol || (chars >= 6 && !WORDS.contains(&value))
    } else {
        has_digit && !plain_word
    };
    // Masked already: `****`, `xxxx`, or redaction's own output (`••••••••ter2`, and
    // `-••••…1111` where the value began with a sign): its first letter, digit or
    // mask is a mask.
    let masked = value.bytes().all(|b| b == b'*' || b == b'x' || b == b'.')
        || value
            .chars()
            .find(|&c| c == super::redact::MASK || c.is_alphanumeric())
            == Some(super::redact::MASK);
    (looks_secret && !masked).then_some((start, end))
}

fn scan_government_ids(text: &str, keyword_ends: &[usize], hits: &mut Vec<PiiHit>) {
    for &keyword_end in keyword_ends {
        if let Some((start, end)) = government_id_value(text, keyword_end) {
            hits.push(PiiHit {
                code: Code::PiiGovernmentId,
                start,
                end,
                what: "a government ID number",
            });
        }
    }
}

/// The ID number after a government ID keyword ending at `from` (`passport no.
/// C01X00T47`, `licence: S123-456-78-910-0`, `NI number is AB 12 34 56 C`).
fn government_id_value(text: &str, from: usize) -> Option<(usize, usize)> {
    /// What may stand between the keyword and its value, each read once, in order.
    const CONNECTORS: &[&[&str]] = &[
        &["number", "num", "nr", "no.", "no", "#"],
        &[":", "=", "-"],
        &["is", "was"],
    ];
    let bytes = text.as_bytes();
    let group_end = |from: usize| {
        let mut end = from;
        while at(bytes, end).is_ascii_alphanumeric() {
            end += 1;
        }
        end
    };
    let skip_spaces = |i: &mut usize| {
        while at(bytes, *i) == b' ' && *i < from + 64 {
            *i += 1;
        }
    };
    // The keyword is a whole word; what follows must be set off from it.
    if at(bytes, from).is_ascii_alphanumeric() {
        return None;
    }
    let mut i = from;
    for choices in CONNECTORS {
        skip_spaces(&mut i);
        let rest = text.get(i..)?;
        let connector = choices.iter().find(|word| {
            rest.starts_with(**word)
                && (!word.starts_with(|c: char| c.is_ascii_alphabetic())
                    || word.ends_with('.')
                    || !is_word(at(bytes, i + word.len())))
        });
        if let Some(word) = connector {
            i += word.len();
        }
    }
    skip_spaces(&mut i);
    // Groups of letters and digits joined by one space, dash or dot, each with a
    // digit; except the letters a UK National Insurance number starts and ends with
    // (`AB 12 34 56 C`): two before a pair of digits, one after digits.
    let digit_count = |(s, e): (usize, usize)| {
        bytes.get(s..e).map_or(0, |group| {
            group.iter().filter(|b| b.is_ascii_digit()).count()
        })
    };
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut group_start = i;
    let mut alphanumeric = 0;
    loop {
        let group = (group_start, group_end(group_start));
        // No ID number is longer: a longer first group is a word or another number,
        // and a group past the limit is not part of this value. Cutting there, rather
        // than refusing the whole run, keeps the answer the same once something after
        // the value has been masked (redaction scans its own output again).
        alphanumeric += group.1 - group.0;
        if alphanumeric > MAX_GOVERNMENT_ID_CHARS {
            break;
        }
        let joined = matches!(at(bytes, group.1), b' ' | b'-' | b'.');
        let size = group.1 - group.0;
        let next = (group.1 + 1, group_end(group.1 + 1));
        let fits = if size == 0 {
            false
        } else if digit_count(group) > 0 {
            true
        } else if groups.is_empty() {
            size == 2 && joined && next.1 - next.0 == 2 && digit_count(next) == 2
        } else {
            // The suffix letter, only where the prefix letters began the value.
            size == 1 && groups.first().is_some_and(|&first| digit_count(first) == 0)
        };
        if !fits {
            break;
        }
        groups.push(group);
        if !joined || size == 1 && digit_count(group) == 0 {
            break;
        }
        group_start = group.1 + 1;
    }
    let (first_start, _) = *groups.first()?;
    let (_, end) = *groups.last()?;
    let value = bytes.get(first_start..end)?;
    let alphanumeric = value.iter().filter(|b| b.is_ascii_alphanumeric()).count();
    let digits = value.iter().filter(|b| b.is_ascii_digit()).count();
    // Groups end at any ASCII letter or digit's end; one of another script glued on
    // (`12345678é`) makes the run a word, not this value.
    let glued = text
        .get(end..)
        .and_then(|after| after.chars().next())
        .is_some_and(|c| c.is_alphanumeric());
    (alphanumeric >= 5 && digits >= 4 && !glued).then_some((first_start, end))
}

/// The most letters and digits a government ID number has (Aadhaar's 12, a US
/// driving licence's 13, with room for the longest national formats).
const MAX_GOVERNMENT_ID_CHARS: usize = 24;

/// Whether `byte` can separate the digit groups of a card or SSN: cards are written
/// with spaces, dashes, dots or slashes between groups (`4111.1111.1111.1111`).
pub(crate) const fn is_group_separator(byte: u8) -> bool {
    matches!(byte, b' ' | b'-' | b'.' | b'/')
}

/// A run of digit groups joined by one [group separator](is_group_separator).
struct Group {
    start: usize,
    end: usize,
    /// The separator before this group (`0` for the first).
    sep: u8,
}

fn scan_digit_runs(view: &Normalized, ibans: &[(usize, usize)], hits: &mut Vec<PiiHit>) {
    let bytes = view.text.as_bytes();
    let mut i = 0usize;
    let mut groups: Vec<Group> = Vec::new();
    while i < bytes.len() {
        if !at(bytes, i).is_ascii_digit() {
            let Some(digit) = next_digit(bytes, i) else {
                break;
            };
            i = digit;
            continue;
        }
        // Glued to an identifier: `txn_8842`, `a1`, `ORD-4242…`, `T-123-45-6789`.
        let glued_left = word_before(view, i)
            || (i > 1
                && matches!(at(bytes, i - 1), b'-' | b'_' | b'/')
                && at(bytes, i - 2).is_ascii_alphabetic()
                && !view.is_symbol_letter(i - 2));
        groups.clear();
        let mut sep = 0u8;
        let mut j = i;
        loop {
            let start = j;
            while at(bytes, j).is_ascii_digit() {
                j += 1;
            }
            groups.push(Group { start, end: j, sep });
            let next = at(bytes, j);
            // A run's groups must all use the same separator.
            if is_group_separator(next) && at(bytes, j + 1).is_ascii_digit() {
                sep = next;
                j += 1;
            } else {
                break;
            }
        }
        let glued_right = word_at(view, j);
        // An IBAN-shaped run (`de89 3704 …`) that failed its checks is not a card.
        let iban_like = glued_left
            && i >= 2
            && at(bytes, i - 1).is_ascii_lowercase()
            && at(bytes, i - 2).is_ascii_lowercase()
            && (i == 2 || !is_word(at(bytes, i - 3)))
            && groups.first().is_some_and(|g| g.end - g.start == 2);
        if iban_like {
            i = j;
            continue;
        }
        if glued_left {
            // Digits glued to letters (`txn_8842`, `a1b2`): part of an identifier;
            // only the first group is glued, the rest of the run is checked.
            if groups.len() > 1 {
                groups.remove(0);
            } else {
                i = j;
                continue;
            }
        }
        // IBAN hits are disjoint and sorted: binary search.
        let in_iban = |start: usize, end: usize| {
            let after = ibans.partition_point(|&(_, e)| e <= start);
            ibans.get(after).is_some_and(|&(s, _)| s < end)
        };
        find_cards(bytes, &groups, glued_right, &in_iban, hits);
        find_ssns(&view.text, &groups, glued_right, hits);
        i = j;
    }
}

/// The most digits a card number has, and so the most [`digits_of`] collects.
const MAX_DIGITS: usize = 19;

/// The digit values of `groups`, on the stack (a dense text has a candidate every few
/// bytes); `None` past [`MAX_DIGITS`], which no card or SSN has.
fn digits_of(bytes: &[u8], groups: &[Group]) -> Option<Digits> {
    let mut digits = Digits {
        values: [0; MAX_DIGITS],
        len: 0,
    };
    for group in groups {
        for index in group.start..group.end {
            *digits.values.get_mut(digits.len)? = at(bytes, index) - b'0';
            digits.len += 1;
        }
    }
    Some(digits)
}

struct Digits {
    values: [u8; MAX_DIGITS],
    len: usize,
}

impl std::ops::Deref for Digits {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.values.get(..self.len).unwrap_or_default()
    }
}

pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (index, &digit) in digits.iter().rev().enumerate() {
        let mut d = u32::from(digit);
        if index % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// A card network's first digit (2–6) and a valid Luhn check digit.
fn card_digits(digits: &[u8]) -> bool {
    matches!(digits.first(), Some(2..=6)) && luhn(digits)
}

fn card_format(sizes: &[usize]) -> bool {
    let total: usize = sizes.iter().sum();
    if !(13..=19).contains(&total) {
        return false;
    }
    match sizes {
        [_] => true,
        [4, 6, 5] | [4, 6, 4] | [4, 4, 5] => true,
        [init @ .., last] => init.iter().all(|&s| s == 4) && (1..=4).contains(last),
        [] => false,
    }
}

fn find_cards(
    bytes: &[u8],
    groups: &[Group],
    glued_right: bool,
    in_iban: &dyn Fn(usize, usize) -> bool,
    hits: &mut Vec<PiiHit>,
) {
    let mut first = 0usize;
    while first < groups.len() {
        let mut found = None;
        // Windows of at most 19 digits (so at most 19 groups): sizes on the stack,
        // no allocation per window, a bounded number of windows per group.
        let mut sizes = [0usize; 19];
        let mut count = 0usize;
        let mut total = 0usize;
        for group in groups.iter().skip(first) {
            total += group.end - group.start;
            if total > 19 || count == sizes.len() {
                break;
            }
            if let Some(slot) = sizes.get_mut(count) {
                *slot = group.end - group.start;
            }
            count += 1;
        }
        // Longest window first.
        for len in (1..=count).rev() {
            let last = first + len - 1;
            let Some(window) = groups.get(first..=last) else {
                continue;
            };
            let Some(sizes) = sizes.get(..len) else {
                continue;
            };
            if !card_format(sizes) {
                continue;
            }
            let sep = window.get(1).map_or(0, |g| g.sep);
            if window.iter().skip(1).any(|g| g.sep != sep) {
                continue;
            }
            let is_last = last + 1 == groups.len();
            if is_last && glued_right {
                continue;
            }
            let before = first.checked_sub(1).and_then(|k| groups.get(k));
            let after = groups.get(last + 1);
            if sizes.len() == 1 {
                // A single block: not part of a dashed identifier.
                let dashed_before = window.first().is_some_and(|w| w.sep == b'-');
                let dashed_after = after.is_some_and(|g| g.sep == b'-');
                if dashed_before || dashed_after {
                    continue;
                }
            } else {
                // Not a window inside a longer streak of 4-digit groups.
                let first_sep = window.first().map_or(0, |w| w.sep);
                // A year just before ("in 2026 4242 …") does not make a streak.
                let is_year = |g: &Group| {
                    bytes
                        .get(g.start..g.end)
                        .is_some_and(|y| y.starts_with(b"19") || y.starts_with(b"20"))
                };
                let streak_before = before.is_some_and(|g| {
                    g.end - g.start == 4 && first_sep == sep && !(sep == b' ' && is_year(g))
                });
                let streak_after = after.is_some_and(|g| g.sep == sep && sizes.last() == Some(&4));
                // Inside a longer run of fours, the window is a card only if no
                // neighbouring window (one group left or right) would be one too: a
                // run of fours that hides two candidate cards is some other number.
                if streak_before || streak_after {
                    let left = first
                        .checked_sub(1)
                        .and_then(|f| groups.get(f..last))
                        .filter(|_| streak_before);
                    let right = groups.get(first + 1..=last + 1).filter(|_| streak_after);
                    let rival = [left, right]
                        .into_iter()
                        .flatten()
                        .any(|w| digits_of(bytes, w).is_some_and(|d| card_digits(&d)));
                    if rival {
                        continue;
                    }
                }
            }
            let (Some(start), Some(end)) = (
                window.first().map(|g| g.start),
                window.last().map(|g| g.end),
            ) else {
                continue;
            };
            if !digits_of(bytes, window).is_some_and(|digits| card_digits(&digits))
                || in_iban(start, end)
                || device_id_before(bytes, start)
            {
                continue;
            }
            found = Some((last, start, end));
            break;
        }
        match found {
            Some((last, start, end)) => {
                hits.push(PiiHit {
                    code: Code::PiiCard,
                    start,
                    end,
                    what: "a payment card number",
                });
                first = last + 1;
            }
            None => first += 1,
        }
    }
}

/// Whether a device identifier label (`IMEI`, `MEID`) ends just before `start`: those
/// are 15-digit Luhn numbers too.
fn device_id_before(bytes: &[u8], start: usize) -> bool {
    let from = start.saturating_sub(16);
    let before = bytes.get(from..start).unwrap_or_default();
    let text = String::from_utf8_lossy(before);
    let trimmed = text.trim_end_matches([' ', ':', '#']);
    trimmed.ends_with("imei") || trimmed.ends_with("meid") || trimmed.ends_with("imei number")
}

fn ssn_valid(digits: &[u8]) -> bool {
    let number = |range: std::ops::Range<usize>| {
        digits
            .get(range)
            .map(|ds| ds.iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d)))
    };
    let (Some(area), Some(group), Some(serial)) = (number(0..3), number(3..5), number(5..9)) else {
        return false;
    };
    if digits.len() != 9 || area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    !matches!((area, group, serial), (78, 5, 1120) | (219, 9, 9999))
}

/// Whether an SSN keyword ends right before `start` ("ssn", "ssn:", "social security number #").
fn ssn_keyword_before(text: &str, start: usize) -> bool {
    let from = start.saturating_sub(32);
    let Some(before) = text.get(from..start).or_else(|| {
        (from..start)
            .find(|&f| text.is_char_boundary(f))
            .and_then(|f| text.get(f..start))
    }) else {
        return false;
    };
    let trimmed = before.trim_end_matches([' ', ':', '#', '-', '.']);
    let trimmed = trimmed
        .strip_suffix(" is")
        .or_else(|| trimmed.strip_suffix(" was"))
        .unwrap_or(trimmed)
        .trim_end_matches([' ', ':', '#']);
    [
        "ssn",
        "ss",
        "social security number",
        "social security no",
        "social security",
        "ssn number",
    ]
    .iter()
    .any(|keyword| {
        trimmed.ends_with(keyword)
            && !trimmed
                .len()
                .checked_sub(keyword.len() + 1)
                .and_then(|k| trimmed.as_bytes().get(k))
                .is_some_and(|&b| is_word(b))
    })
}

/// SSNs among a run's groups: `AAA-GG-SSSS` (one separator throughout), or nine digits
/// right after an SSN keyword. The SSN may be the whole run or stand inside it, set off
/// by a space its own groups are not joined by (`123-45-6789 2026`, `SSN 12
/// 123-45-6789`); after a keyword, a space-joined SSN may go on with more groups. A
/// dash, dot, slash or plus joining it to more digits (`1-123-45-6789`,
/// `12.123-45-6789`, `123-45-6789-0`) makes it part of another number.
fn find_ssns(text: &str, groups: &[Group], glued_right: bool, hits: &mut Vec<PiiHit>) {
    let bytes = text.as_bytes();
    let size = |k: usize| groups.get(k).map_or(0, |g| g.end - g.start);
    let sep = |k: usize| groups.get(k).map_or(0, |g| g.sep);
    for k in 0..groups.len() {
        let (len, inner_sep) =
            if [size(k), size(k + 1), size(k + 2)] == [3, 2, 4] && sep(k + 1) == sep(k + 2) {
                (3, sep(k + 1))
            } else if size(k) == 9 {
                (1, 0)
            } else {
                continue;
            };
        let (Some(first), Some(last)) = (groups.get(k), groups.get(k + len - 1)) else {
            continue;
        };
        let keyword = ssn_keyword_before(text, first.start);
        if len == 1 && !keyword {
            continue;
        }
        // Set off from a neighbouring group by a space: one the SSN's own groups are
        // not joined by, or any after a keyword.
        let set_off = |between: u8| between == b' ' && (between != inner_sep || keyword);
        let left_alone = if k == 0 {
            first.start == 0 || !matches!(at(bytes, first.start - 1), b'-' | b'.' | b'/' | b'+')
        } else {
            set_off(first.sep)
        };
        let right_alone = match groups.get(k + len) {
            Some(next) => set_off(next.sep),
            None => {
                let joined = matches!(at(bytes, last.end), b'-' | b'/')
                    || (at(bytes, last.end) == b'.' && at(bytes, last.end + 1).is_ascii_digit());
                !glued_right && !joined
            }
        };
        let window = groups.get(k..k + len).unwrap_or_default();
        if left_alone
            && right_alone
            && digits_of(bytes, window).is_some_and(|digits| ssn_valid(&digits))
        {
            hits.push(PiiHit {
                code: Code::PiiSsn,
                start: first.start,
                end: last.end,
                what: "a US social security number",
            });
        }
    }
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("ad", 24),
    ("ae", 23),
    ("al", 28),
    ("at", 20),
    ("az", 28),
    ("ba", 20),
    ("be", 16),
    ("bg", 22),
    ("bh", 22),
    ("bi", 27),
    ("br", 29),
    ("by", 28),
    ("ch", 21),
    ("cr", 22),
    ("cy", 28),
    ("cz", 24),
    ("de", 22),
    ("dj", 27),
    ("dk", 18),
    ("do", 28),
    ("ee", 20),
    ("eg", 29),
    ("es", 24),
    ("fi", 18),
    ("fk", 18),
    ("fo", 18),
    ("fr", 27),
    ("gb", 22),
    ("ge", 22),
    ("gi", 23),
    ("gl", 18),
    ("gr", 27),
    ("gt", 28),
    ("hn", 28),
    ("hr", 21),
    ("hu", 28),
    ("ie", 22),
    ("il", 23),
    ("iq", 23),
    ("is", 26),
    ("it", 27),
    ("jo", 30),
    ("kw", 30),
    ("kz", 20),
    ("lb", 28),
    ("lc", 32),
    ("li", 21),
    ("lt", 20),
    ("lu", 20),
    ("lv", 21),
    ("ly", 25),
    ("mc", 27),
    ("md", 24),
    ("me", 22),
    ("mk", 19),
    ("mn", 20),
    ("mr", 27),
    ("mt", 31),
    ("mu", 30),
    ("ni", 28),
    ("nl", 18),
    ("no", 15),
    ("om", 23),
    ("pk", 24),
    ("pl", 28),
    ("ps", 29),
    ("pt", 25),
    ("qa", 29),
    ("ro", 24),
    ("rs", 22),
    ("ru", 33),
    ("sa", 24),
    ("sc", 31),
    ("sd", 18),
    ("se", 24),
    ("si", 19),
    ("sk", 24),
    ("sm", 27),
    ("so", 23),
    ("st", 25),
    ("sv", 28),
    ("tl", 23),
    ("tn", 24),
    ("tr", 26),
    ("ua", 29),
    ("va", 22),
    ("vg", 24),
    ("xk", 20),
    ("ye", 30),
];

pub(crate) fn iban_mod97(compact: &[u8]) -> bool {
    let rearranged = compact.iter().skip(4).chain(compact.iter().take(4));
    let mut remainder = 0u32;
    for &byte in rearranged {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'a'..=b'z' => u32::from(byte - b'a') + 10,
            b'A'..=b'Z' => u32::from(byte - b'A') + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

fn scan_ibans(view: &Normalized, hits: &mut Vec<PiiHit>) {
    let text = view.text.as_str();
    let bytes = text.as_bytes();
    let mut compact: Vec<u8> = Vec::with_capacity(34);
    // An IBAN starts two letters before a digit run: visit the first digit of each
    // run, not every byte (nor every digit: in a run, a digit follows a digit).
    let mut from = 2usize;
    // No IBAN starts inside the last one found.
    let mut floor = 0usize;
    while let Some(digit) = next_digit(bytes, from) {
        from = digit + 1;
        while bytes.get(from).is_some_and(u8::is_ascii_digit) {
            from += 1;
        }
        let Some(i) = digit.checked_sub(2) else {
            continue;
        };
        if i < floor {
            continue;
        }
        let starts = at(bytes, i).is_ascii_lowercase()
            && at(bytes, i + 1).is_ascii_lowercase()
            && at(bytes, i + 2).is_ascii_digit()
            && at(bytes, i + 3).is_ascii_digit()
            && !word_before(view, i);
        if !starts {
            continue;
        }
        let country = [at(bytes, i), at(bytes, i + 1)];
        let Some(&(_, length)) = IBAN_LENGTHS
            .iter()
            .find(|(code, _)| code.as_bytes() == country)
        else {
            continue;
        };
        compact.clear();
        let mut j = i;
        while compact.len() < length {
            let byte = at(bytes, j);
            if byte.is_ascii_alphanumeric() {
                compact.push(byte);
                j += 1;
            } else if byte == b' '
                && compact.len() % 4 == 0
                && at(bytes, j + 1).is_ascii_alphanumeric()
            {
                j += 1;
            } else {
                break;
            }
        }
        if compact.len() == length && !word_at(view, j) && iban_mod97(&compact) {
            hits.push(PiiHit {
                code: Code::PiiIban,
                start: i,
                end: j,
                what: "an IBAN",
            });
            floor = j;
        }
    }
}

/// The index of the first ASCII digit at or after `from`, eight bytes at a time: most
/// of a reply has no digit, and every PII number starts with one.
fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let tail = bytes.get(from..)?;
    let mut chunks = tail.chunks_exact(8);
    let mut offset = from;
    for chunk in &mut chunks {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        // Digits become 0..=9 with the high bit clear; adding 0x76 to the low seven
        // bits sets the high bit of every byte but those (and cannot carry).
        let shifted = u64::from_le_bytes(eight) ^ (ONES * 0x30);
        let digits = !(((shifted & !HIGH) + ONES * 0x76) | shifted) & HIGH;
        if digits != 0 {
            return Some(offset + (digits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(u8::is_ascii_digit)
        .map(|at| offset + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The eight-at-a-time digit search finds what a byte-by-byte one does.
        #[test]
        fn next_digit_is_the_first_digit_from_there(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            from in 0usize..44,
        ) {
            let naive = bytes
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, b)| b.is_ascii_digit())
                .map(|(at, _)| at);
            proptest::prop_assert_eq!(next_digit(&bytes, from), naive);
        }
    }

    fn rules() -> PiiRules {
        let mut index = PhraseIndexBuilder::new();
        let policy = PiiPolicy {
            allowed_email_domains: Vec::new(),
            secret_keywords: vec!["password".into(), "passcode".into(), "pin".into()],
            government_id_keywords: crate::policy::default_government_id_keywords(),
            secret_prefixes: Vec::new(),
        };
        let keyword_sets = KeywordSets::add(&mut index, &policy).unwrap();
        let keywords = index.build().unwrap();
        PiiRules {
            tokens: Pattern::new(r"\b(?:sk-|sk_live_|akia|ghp_)[a-z0-9_\-]{16,}|\beyj[a-z0-9_-]{8,}\.eyj[a-z0-9_-]{8,}\.[a-z0-9_-]{8,}", crate::text::pattern::PatternCase::Sensitive).ok(),
            keywords,
            keyword_sets,
            allowed_email_domains: vec!["example.com".into()],
        }
    }

    /// The hits in `text`, each with the original text it covers.
    fn codes(text: &str) -> Vec<(Code, &str)> {
        let view = Normalized::new(text);
        rules()
            .scan(&view, &KnownEmails::default())
            .into_iter()
            .map(|h| {
                let span = view.original_span(h.start, h.end);
                (h.code, &text[span.start..span.end])
            })
            .collect()
    }

    #[test]
    fn cards_need_luhn_and_a_card_shape() {
        assert_eq!(
            codes("card 4242 4242 4242 4242 ok"),
            [(Code::PiiCard, "4242 4242 4242 4242")]
        );
        assert_eq!(
            codes("card 4242-4242-4242-4242"),
            [(Code::PiiCard, "4242-4242-4242-4242")]
        );
        assert_eq!(
            codes("4242424242424242"),
            [(Code::PiiCard, "4242424242424242")]
        );
        assert_eq!(
            codes("amex 3782 822463 10005"),
            [(Code::PiiCard, "3782 822463 10005")]
        );
        assert!(codes("order 4242 4242 4242 4241").is_empty());
        assert!(codes("tracking 9400 1000 0000 0000 0000 00").is_empty());
        assert!(codes("txn_4242424242424242").is_empty());
        assert_eq!(
            codes("order 123456 4242 4242 4242 4242"),
            [(Code::PiiCard, "4242 4242 4242 4242")]
        );
    }

    /// Reported by fuzzing the npm package: cards written with dots or slashes.
    #[test]
    fn card_groups_may_be_separated_by_dots_or_slashes() {
        assert_eq!(
            codes("card 4242.4242.4242.4242."),
            [(Code::PiiCard, "4242.4242.4242.4242")]
        );
        assert_eq!(
            codes("card 4242/4242/4242/4242"),
            [(Code::PiiCard, "4242/4242/4242/4242")]
        );
        // Not cards: mixed separators, decimals, versions, dates, addresses.
        assert!(codes("4242.4242 4242-4242").is_empty());
        assert!(codes("pi 3.14159265358979 v1.2.3.4 on 2026/06/24 at 192.168.1.1").is_empty());
    }

    /// Regression (found by fuzzing the npm package): any non-ASCII character next to
    /// a number glued it to an identifier, so an emoji or a currency sign hid a card.
    #[test]
    fn only_letters_and_digits_glue_a_number_to_an_identifier() {
        for (text, card) in [
            ("\u{1f4b3}4242 4242 4242 4242", "4242 4242 4242 4242"),
            ("\u{20ac}4242424242424242", "4242424242424242"),
            ("4242424242424242\u{1f600}", "4242424242424242"),
            ("\u{fffd}4242-4242-4242-4242\u{fffd}", "4242-4242-4242-4242"),
        ] {
            assert_eq!(codes(text), [(Code::PiiCard, card)], "{text:?}");
        }
        // A letter of another script still glues: part of an identifier.
        assert!(codes("\u{e9}4242424242424242").is_empty());
        assert!(codes("4242424242424242\u{436}").is_empty());
        // The same for an IBAN's ends.
        assert_eq!(
            codes("\u{1f3e6}de89 3704 0044 0532 0130 00\u{1f3e6}"),
            [(Code::PiiIban, "de89 3704 0044 0532 0130 00")]
        );
    }

    /// A symbol that NFKC writes as letters (`№` → `no`, `™` → `tm`) is still a
    /// symbol: it does not glue a card or an IBAN to a word. "Карта №4111…" is how a
    /// card number is commonly written in Russian.
    #[test]
    fn symbols_written_as_letters_do_not_glue() {
        for (text, hit) in [
            (
                "\u{2116}4111 1111 1111 1111",
                (Code::PiiCard, "4111 1111 1111 1111"),
            ),
            (
                "\u{41a}\u{430}\u{440}\u{442}\u{430} \u{2116}4111111111111111",
                (Code::PiiCard, "4111111111111111"),
            ),
            (
                "4111-1111-1111-1111\u{2122}",
                (Code::PiiCard, "4111-1111-1111-1111"),
            ),
            (
                "\u{2116}-4111111111111111",
                (Code::PiiCard, "4111111111111111"),
            ),
            (
                "\u{2116}DE89 3704 0044 0532 0130 00\u{2122}",
                (Code::PiiIban, "DE89 3704 0044 0532 0130 00"),
            ),
        ] {
            assert_eq!(codes(text), [hit], "{text:?}");
        }
        // Letters written as letters still glue, full-width ones included.
        assert!(codes("No4111111111111111").is_empty());
        assert!(codes("\u{ff2e}\u{ff4f}4111111111111111").is_empty());
        assert!(codes("ord-4111111111111111").is_empty());
    }

    /// Regression (found by fuzzing the npm package): two addresses run together left
    /// the second one's domain out of the match, so redaction showed most of it.
    #[test]
    fn addresses_run_together_are_one_match() {
        for text in [
            "bob@evil.comalice@corp.com",
            "bob@evil.com.alice@corp.com",
            "bob@evil.com-alice@corp.com",
        ] {
            assert_eq!(find_emails(text), [(0, text.len())], "{text}");
        }
        // Internationalized domains are addresses too; a full stop of another script
        // ends one.
        for text in [
            "bob@ex\u{e4}mple.com",
            "bob@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}",
        ] {
            assert_eq!(find_emails(text), [(0, text.len())], "{text}");
        }
        assert_eq!(find_emails("bob@corp.com\u{3002} x"), [(0, 12)]);
        assert_eq!(find_emails("bob@corp.c\u{e4}"), [(0, 12)]);
        assert_eq!(
            find_emails("a@b.com, c@d.org@"),
            [(0, 7), (9, 16)],
            "a trailing @ with no domain after it is not a run"
        );
    }

    #[test]
    fn ssns_exclude_invalid_ranges() {
        assert_eq!(codes("ssn 123-45-6789."), [(Code::PiiSsn, "123-45-6789")]);
        assert!(codes("000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000").is_empty());
        assert_eq!(codes("ssn: 123456789"), [(Code::PiiSsn, "123456789")]);
        assert!(codes("order 123456789").is_empty());
        assert!(codes("call 1-123-45-6789").is_empty());
    }

    /// Regression (found by differential fuzzing): an SSN was found only when it was a
    /// whole run of digit groups, so a number after it hid it.
    #[test]
    fn an_ssn_set_off_inside_a_run_of_groups_is_found() {
        for (text, ssn) in [
            ("on file is 123-45-6789 0.", "123-45-6789"),
            ("ssn 12 123-45-6789", "123-45-6789"),
            ("ssn 123-45-6789 2026", "123-45-6789"),
            ("ssn 123 45 6789 0", "123 45 6789"),
            ("ssn: 123456789 0", "123456789"),
            ("1 123-45-6789 2", "123-45-6789"),
        ] {
            assert_eq!(codes(text), [(Code::PiiSsn, ssn)], "{text}");
        }
        // Joined on by its own separator without a keyword, or by a dash, dot or
        // slash: part of another number.
        for text in [
            "ref 123 45 6789 0",
            "ref 12 123 45 6789",
            "123-45-6789-0",
            "12.123-45-6789",
            "12-123-45-6789",
            "123-45-6789/2",
            "123-45-6789.5",
            "12 123456789",
        ] {
            assert!(codes(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn ibans_need_their_length_and_mod97() {
        assert_eq!(
            codes("iban de89 3704 0044 0532 0130 00."),
            [(Code::PiiIban, "de89 3704 0044 0532 0130 00")]
        );
        assert_eq!(
            codes("gb82west12345698765432"),
            [(Code::PiiIban, "gb82west12345698765432")]
        );
        assert!(codes("de89 3704 0044 0532 0130 01").is_empty());
    }

    #[test]
    fn secrets_and_emails() {
        assert_eq!(
            codes("your password: hunter22"),
            [(Code::PiiSecret, "hunter22")]
        );
        assert!(codes("your password is incorrect").is_empty());
        assert_eq!(
            codes("key sk_live_abcdefghijklmnop1234"),
            [(Code::PiiSecret, "sk_live_abcdefghijklmnop1234")]
        );
        assert_eq!(
            codes("mail bob@other.org or help@example.com"),
            [(Code::PiiOtherCustomerEmail, "bob@other.org")]
        );
    }

    #[test]
    fn government_ids_are_found_after_their_keyword() {
        for (text, id) in [
            ("your passport no. C01X00T47 is on file", "C01X00T47"),
            (
                "Driver\u{2019}s license: S123-456-78-910-0.",
                "S123-456-78-910-0",
            ),
            ("NI number is AB 12 34 56 C, thanks", "AB 12 34 56 C"),
            ("Passport number 123456789 expired", "123456789"),
            ("Aadhaar 1234 5678 9012", "1234 5678 9012"),
            // Full-width digits read as digits.
            ("passport １２３４５６７８", "１２３４５６７８"),
        ] {
            assert_eq!(codes(text), [(Code::PiiGovernmentId, id)], "{text}");
        }
    }

    #[test]
    fn a_government_id_keyword_without_a_number_is_nothing() {
        for text in [
            "bring your passport to the appointment",
            "your passport expires 2027",
            "passport: 2027",
            "license number is missing",
            "your license number is LIC-2024-00012345",
            "passport no longer needed",
            "the passport office on 5th street",
            "passportless 123456789",
            "passport 12345678é",
            "passport 1234567890123456789012345",
            "passport: ••••••0T47",
        ] {
            assert_eq!(id_hits(text), 0, "{text}");
        }
        // A word after the number is not part of it.
        assert_eq!(
            codes("passport 12345678 a week ago"),
            [(Code::PiiGovernmentId, "12345678")]
        );
        // Nor are groups past the longest ID number: the value ends before them, so
        // masking what follows (here a card) cannot change it.
        assert_eq!(
            codes("NI number is 4111111111111111card 4111111111111111"),
            [
                (Code::PiiGovernmentId, "4111111111111111card"),
                (Code::PiiCard, "4111111111111111")
            ]
        );
    }

    fn id_hits(text: &str) -> usize {
        codes(text)
            .iter()
            .filter(|(code, _)| *code == Code::PiiGovernmentId)
            .count()
    }
}
