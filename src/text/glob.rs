//! Intent globs: `*` matches any run of characters, `?` exactly one.
//!
//! Intent labels are short model-chosen strings (`how_to_2fa`, `billing_duplicate_charge`),
//! so globs are the right power: a policy author can promote a family of intents
//! without writing a regular expression. Labels are matched in their canonical form
//! (the normalized view, trimmed: see `normalize::canonical`): models do not keep case steady,
//! and a label is model output, so `ａccount_deletion` or `account_deletion` with a
//! zero-width space must still be the `account_deletion` a policy escalates.

use super::normalize::canonical;

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
    source: String,
}

impl Glob {
    /// Compiles `pattern`. Every string is a valid glob.
    pub fn new(pattern: &str) -> Glob {
        Glob {
            pattern: canonical(pattern).chars().collect(),
            source: pattern.to_string(),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches the whole pattern.
    ///
    /// The classic two-pointer algorithm with one backtrack point: linear in practice
    /// and O(n·m) at worst, with no recursion.
    pub fn matches(&self, text: &str) -> bool {
        // Intent labels are nearly always plain ASCII words: fold case byte by byte
        // with no allocation, and take anything else through the normalized view.
        if text.bytes().all(|byte| byte.is_ascii_graphic()) {
            let bytes = text.as_bytes();
            self.matches_folded(bytes.len(), |index| {
                bytes
                    .get(index)
                    .map(|byte| char::from(byte.to_ascii_lowercase()))
            })
        } else {
            let folded: Vec<char> = canonical(text).chars().collect();
            self.matches_folded(folded.len(), |index| folded.get(index).copied())
        }
    }

    /// Matches a case-folded text of `len` chars, read through `char_at`.
    fn matches_folded(&self, len: usize, char_at: impl Fn(usize) -> Option<char>) -> bool {
        let pattern = &self.pattern;
        let (mut p, mut t) = (0usize, 0usize);
        let mut backtrack: Option<(usize, usize)> = None;
        while t < len {
            match pattern.get(p) {
                Some('*') => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(&c) if c == '?' || Some(c) == char_at(t) => {
                    p += 1;
                    t += 1;
                }
                _ => match backtrack {
                    Some((star, matched)) => {
                        p = star + 1;
                        t = matched + 1;
                        backtrack = Some((star, matched + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern
            .get(p..)
            .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
    }
}

/// A list of globs; matches when any one does.
#[derive(Debug, Clone, Default)]
pub struct GlobSet {
    globs: Vec<Glob>,
}

impl GlobSet {
    /// Compiles every pattern.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> GlobSet {
        GlobSet {
            globs: patterns.iter().map(|p| Glob::new(p.as_ref())).collect(),
        }
    }

    /// The first glob that matches `text`.
    pub fn first_match(&self, text: &str) -> Option<&Glob> {
        self.globs.iter().find(|glob| glob.matches(text))
    }

    /// Whether any glob matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.first_match(text).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(Glob::new("how_to_*").matches("how_to_2fa"));
        assert!(Glob::new("how_to_*").matches("how_to_"));
        assert!(!Glob::new("how_to_*").matches("how_2fa"));
        assert!(Glob::new("*dispute*").matches("payment_dispute_large"));
        assert!(Glob::new("order_status").matches("ORDER_STATUS"));
        assert!(!Glob::new("order_status").matches("order_status_x"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("ac"));
        assert!(Glob::new("*a*b*c").matches("xxaxxbxxbxc"));
        assert!(!Glob::new("*a*b*c").matches("xxaxxbxxbx"));
        assert!(Glob::new("*").matches(""));
        assert!(!Glob::new("").matches("x"));
        assert!(Glob::new("\u{c9}tat_*").matches("\u{e9}TAT_commande"));
        assert!(!Glob::new("\u{e9}tat").matches("etat"));
    }

    #[test]
    fn disguised_labels_match_what_they_spell() {
        let glob = Glob::new("account_deletion");
        for label in [
            "\u{200b}account_deletion",
            "\u{ff41}ccount_deletion",
            "account_deletion\u{200d}",
            " Account_Deletion ",
            "account\u{ad}_deletion",
        ] {
            assert!(glob.matches(label), "{label:?}");
        }
        assert!(!glob.matches("account_deletions"));
        assert!(!glob.matches("account deletion"));
        assert!(Glob::new("ｈow_to_*").matches("how_to_2fa"));
    }

    #[test]
    fn set_reports_first_match() {
        let set = GlobSet::new(&["billing_*", "refund*"]);
        assert_eq!(
            set.first_match("refund_request").map(Glob::as_str),
            Some("refund*")
        );
        assert!(!set.is_match("how_to_2fa"));
    }
}
