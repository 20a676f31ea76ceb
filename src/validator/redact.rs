//! Redaction: mask personal data to its last four characters, keep everything else.
//!
//! `4242 4242 4242 4242` becomes `•••• •••• •••• 4242`: every letter or digit of the
//! span but the last four (and every symbol that reads as letters, such as `№`)
//! becomes `•`, separators stay, and every byte outside the spans is copied
//! unchanged. A short secret (under 12 letters and digits, such as a password or a
//! PIN) is masked whole: its last four characters would be most of it.
//!
//! A span that runs into more digits (directly, or across one separator) takes them
//! in: masking only its part of a longer number would leave the rest a number of its
//! own, and `AKIA…14111 1111 1111 1111` (an API key run into a card number that the
//! key's end glues to a word) would come out as `••••4111 1111 1111 1111`, a card
//! number in the clear.
//!
//! Masking can also unglue what the scan read as one word: in
//! `bob@example.com536 22 5432`, the digits glued to `com` make the address no
//! address, until the SSN after it is masked. So unless every masked stretch is
//! [quiet](is_quiet) (set off by whitespace, keeping too little to be anything), the
//! validator scans what masking leaves, masks what that finds (whole, and reported at
//! [its place in the original](original_span)), and repeats until the output scans
//! clean: redacting the output again finds nothing.

use crate::text::Span;
pub use crate::text::MASK;

/// Below this many letters and digits a span is masked whole.
const KEEP_LAST4_FROM: usize = 12;

/// A stretch of text that redaction masked: where it was in the original, and where
/// its mask is in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masked {
    pub original: Span,
    pub output: Span,
}

/// Masks each span of `text` (spans may be unsorted and may overlap; one marked `true`
/// is masked whole), and says where in the output each masked stretch went, in order.
pub(crate) fn redact(text: &str, spans: &[(Span, bool)]) -> (String, Vec<Masked>) {
    let mut sorted: Vec<(Span, bool)> = spans
        .iter()
        .filter(|(span, _)| span.start < span.end && span.end <= text.len())
        .map(|&(span, whole)| (with_adjoining_digits(text, span), whole))
        .collect();
    sorted.sort_by_key(|(span, _)| (span.start, span.end));
    let mut merged: Vec<(Span, bool)> = Vec::with_capacity(sorted.len());
    for (span, whole) in sorted {
        match merged.last_mut() {
            Some((last, last_whole)) if span.start < last.end => {
                last.end = last.end.max(span.end);
                *last_whole |= whole;
            }
            _ => merged.push((span, whole)),
        }
    }
    // A masked byte grows to at most the mask's three: one allocation, no regrowth
    // (which would copy a long text again and again).
    let growth: usize = merged
        .iter()
        .map(|(span, _)| 2 * (span.end - span.start))
        .sum();
    let mut out = String::with_capacity(text.len() + growth);
    let mut layout = Vec::with_capacity(merged.len());
    let mut copied = 0usize;
    for (span, whole) in merged {
        let (Some(before), Some(inside)) =
            (text.get(copied..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        out.push_str(before);
        let output_start = out.len();
        mask_into(&mut out, inside, whole);
        layout.push(Masked {
            original: span,
            output: Span::new(output_start, out.len()),
        });
        copied = span.end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    (out, layout)
}

/// Whether a masked stretch of `output` can hold or uncover nothing that the scan of
/// the original did not find, so that scanning the output again can be skipped (as
/// it is for almost every reply; a reply dense with personal data would otherwise
/// be scanned twice).
///
/// It is quiet when whitespace (or the text's edge) stands on both sides of it, so
/// nothing outside it was glued to what it masked; it starts with a mask, so it is no
/// secret's value (a value starting with a mask is redaction's own); and what follows
/// its last mask (what masking keeps: at most four letters and digits) is at most 16
/// bytes of ASCII letters, digits, `_` and group separators, too few for a card, SSN,
/// IBAN, key or secret, and no `@` for an address, or else holds no letter, digit or
/// `@` at all. A stretch of `text` that held a `•` of its own is never quiet: its
/// last `•` need not be a mask.
pub(crate) fn is_quiet(text: &str, output: &str, masked: &Masked) -> bool {
    let edge = |c: Option<char>| c.is_none_or(char::is_whitespace);
    let own_mask = text
        .get(masked.original.start..masked.original.end)
        .is_none_or(|original| original.contains(MASK));
    if own_mask {
        return false;
    }
    let (Some(before), Some(inside), Some(after)) = (
        output.get(..masked.output.start),
        output.get(masked.output.start..masked.output.end),
        output.get(masked.output.end..),
    ) else {
        return false;
    };
    let kept = inside.rfind(MASK).map(|last| last + MASK.len_utf8());
    edge(before.chars().next_back())
        && edge(after.chars().next())
        && inside.starts_with(MASK)
        && kept
            .and_then(|from| inside.get(from..))
            .is_some_and(|kept| {
                // A key's body alone is 16 characters or more.
                let digits_and_separators = kept.len() <= 16
                    && kept.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || b == b'_' || super::pii::is_group_separator(b)
                    });
                let signs_only = !kept.chars().any(|c| c == '@' || reads_as_alphanumeric(c));
                digits_and_separators || signs_only
            })
}

/// Where a span of the output of [`redact`] was in the original text: an
/// end inside a mask stands for the whole masked stretch.
pub(crate) fn original_span(layout: &[Masked], output: Span) -> Span {
    let to_original = |offset: usize, is_end: bool| {
        // The last stretch that starts at or before `offset` (for an end: before it).
        let before = layout.partition_point(|masked| {
            if is_end {
                masked.output.start < offset
            } else {
                masked.output.start <= offset
            }
        });
        match before.checked_sub(1).and_then(|index| layout.get(index)) {
            None => offset,
            Some(masked)
                if offset < masked.output.end || (is_end && offset == masked.output.end) =>
            {
                if is_end {
                    masked.original.end
                } else {
                    masked.original.start
                }
            }
            Some(masked) => masked.original.end + (offset - masked.output.end),
        }
    };
    Span::new(
        to_original(output.start, false),
        to_original(output.end, true),
    )
}

/// `span` grown over the digits it runs into on either side, directly or across one
/// separator at a time (`4242 4242 4242 42` before a card found in `424242-…`), as
/// the scan's normalized view sees them: a run of whitespace is one separator there,
/// and invisible characters and stray combining marks are not there at all.
fn with_adjoining_digits(text: &str, span: Span) -> Span {
    // How many bytes of `chars` (read away from the span) are digits, or separators
    // and invisible characters with a digit beyond them.
    fn adjoining(chars: impl Iterator<Item = char>) -> usize {
        let mut taken = 0;
        // Bytes read past the last digit, and whether they hold a separator yet.
        let mut pending = 0;
        let mut separated = false;
        let mut in_whitespace = false;
        for c in chars {
            if c.is_numeric() {
                taken += pending + c.len_utf8();
                (pending, separated, in_whitespace) = (0, false, false);
            } else if crate::text::normalize::is_ignorable(c)
                || unicode_normalization::char::is_combining_mark(c)
            {
                pending += c.len_utf8();
            } else if c.is_whitespace() && (!separated || in_whitespace) {
                pending += c.len_utf8();
                (separated, in_whitespace) = (true, true);
            } else if !separated && u8::try_from(c).is_ok_and(super::pii::is_group_separator) {
                pending += c.len_utf8();
                separated = true;
            } else {
                break;
            }
        }
        taken
    }
    let before = adjoining(text.get(..span.start).unwrap_or_default().chars().rev());
    let after = adjoining(text.get(span.end..).unwrap_or_default().chars());
    Span::new(span.start - before, span.end + after)
}

fn mask_into(out: &mut String, inside: &str, whole: bool) {
    if inside.is_ascii() {
        mask_ascii_into(out, inside, whole);
    } else {
        mask_chars_into(out, inside, whole);
    }
}

/// Whether `c` is a letter or digit, or a symbol that the normalized view reads as
/// letters (NFKC writes `№` as `no`, `™` as `tm`): masked, it no longer reads as part
/// of an address or a key.
fn reads_as_alphanumeric(c: char) -> bool {
    if crate::text::is_alphanumeric(c) {
        return true;
    }
    let mut reads = false;
    if !c.is_ascii() {
        unicode_normalization::char::decompose_compatible(c, |part| {
            reads |= part.is_alphanumeric();
        });
    }
    reads
}

fn mask_chars_into(out: &mut String, inside: &str, whole: bool) {
    let chars: Vec<(char, bool)> = inside
        .chars()
        .map(|c| (c, reads_as_alphanumeric(c)))
        .collect();
    let alnum = chars.iter().filter(|(_, alnum)| *alnum).count();
    let keep = if whole || alnum < KEEP_LAST4_FROM {
        0
    } else {
        4
    };
    let mut seen = 0usize;
    for (c, alnum_like) in chars {
        if alnum_like {
            seen += 1;
            if seen + keep > alnum {
                out.push(c);
            } else {
                out.push(MASK);
            }
        } else if crate::text::normalize::is_ignorable(c) {
            // Invisible characters inside a masked value are dropped.
        } else {
            out.push(c);
        }
    }
}

/// [`mask_into`] for the common ASCII value (cards, SSNs, IBANs, keys, emails),
/// byte by byte: no ASCII character is ignorable, and ASCII letters and digits are
/// exactly its alphanumeric characters.
fn mask_ascii_into(out: &mut String, inside: &str, whole: bool) {
    let alnum = inside.bytes().filter(u8::is_ascii_alphanumeric).count();
    let keep = if whole || alnum < KEEP_LAST4_FROM {
        0
    } else {
        4
    };
    let mut seen = 0usize;
    let mut mask = [0u8; 4];
    let mask = MASK.encode_utf8(&mut mask);
    for byte in inside.bytes() {
        if byte.is_ascii_alphanumeric() {
            seen += 1;
            if seen + keep <= alnum {
                out.push_str(mask);
                continue;
            }
        }
        out.push(char::from(byte));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII fast path masks exactly as the path for any text.
        #[test]
        fn ascii_values_mask_the_same_either_way(value in "[ -~]{0,40}", whole: bool) {
            let (mut fast, mut general) = (String::new(), String::new());
            mask_ascii_into(&mut fast, &value, whole);
            mask_chars_into(&mut general, &value, whole);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn masks_to_the_last_four_and_keeps_the_rest() {
        let text = "card 4242 4242 4242 4242, thanks";
        assert_eq!(
            redact(text, &[(Span::new(5, 24), false)]).0,
            "card •••• •••• •••• 4242, thanks"
        );
        assert_eq!(
            redact("pw hunter22!", &[(Span::new(3, 11), false)]).0,
            "pw ••••••••!"
        );
        assert_eq!(redact("abc", &[]).0, "abc");
        let full = "x ４２４２４２４２４２４２４２４２ y";
        let end = full.len() - 2;
        assert_eq!(
            redact(full, &[(Span::new(2, end), false)]).0,
            "x ••••••••••••４２４２ y"
        );
    }

    #[test]
    fn output_spans_map_back_to_the_original() {
        // `pin 4821 or bob@x.io`: the PIN (4..8) masks whole to 12 bytes at 4..16.
        let text = "pin 4821 or bob@x.io";
        let (out, layout) = redact(text, &[(Span::new(4, 8), true)]);
        assert_eq!(out, "pin •••• or bob@x.io");
        let masked = Masked {
            original: Span::new(4, 8),
            output: Span::new(4, 16),
        };
        assert_eq!(layout, [masked]);
        // Before the mask, unchanged; after it, shifted back by the mask's growth.
        assert_eq!(original_span(&layout, Span::new(0, 3)), Span::new(0, 3));
        assert_eq!(original_span(&layout, Span::new(20, 28)), Span::new(12, 20));
        // Touching the mask on either side, and inside it: the whole stretch.
        assert_eq!(original_span(&layout, Span::new(0, 4)), Span::new(0, 4));
        assert_eq!(original_span(&layout, Span::new(16, 19)), Span::new(8, 11));
        assert_eq!(original_span(&layout, Span::new(7, 10)), Span::new(4, 8));
        assert_eq!(original_span(&layout, Span::new(2, 18)), Span::new(2, 10));
        assert_eq!(original_span(&[], Span::new(3, 5)), Span::new(3, 5));
    }

    #[test]
    fn symbols_that_read_as_letters_are_masked() {
        // In the view `№@.№` is `no@.no`, an address; masked, it is none.
        assert_eq!(
            redact("\u{2116}@.\u{2116}", &[(Span::new(0, 8), true)]).0,
            "\u{2022}@.\u{2022}"
        );
        assert!(reads_as_alphanumeric('\u{2122}'));
        assert!(!reads_as_alphanumeric('\u{1F4B3}'));
        assert!(!reads_as_alphanumeric('-'));
    }

    #[test]
    fn a_stretch_is_quiet_only_when_nothing_can_come_of_it() {
        let quiet = |text: &str, span: Span| {
            let (output, layout) = redact(text, &[(span, false)]);
            layout.iter().all(|masked| is_quiet(text, &output, masked))
        };
        // Set off by whitespace, keeping a card's last four, a key's last letters, or
        // only signs.
        assert!(quiet("card 4242 4242 4242 4242 ok", Span::new(5, 24)));
        assert!(quiet("key sk_live_abcdefghijklmnop_ ok", Span::new(4, 29)));
        assert!(quiet("pw: hunter22!", Span::new(4, 13)));
        assert!(!quiet("pw: hunter22!", Span::new(4, 12)));
        // Glued on either side, or starting with something masking keeps.
        assert!(!quiet("x4242 4242 4242 4242", Span::new(1, 20)));
        assert!(!quiet("4242 4242 4242 4242.x", Span::new(0, 19)));
        assert!(!quiet("pin: -abcdefghijklmnop", Span::new(5, 22)));
        // Keeping an `@` or letters among signs; holding a `•` of its own.
        assert!(!quiet("4111111111111111@.ssn", Span::new(0, 21)));
        assert!(!quiet("password: hunter2hunter2pin:12", Span::new(10, 30)));
        assert!(!quiet("pw: \u{2022}hunter2hunter2", Span::new(4, 21)));
    }
}
