//! The external incident notice: the playbook's template and its "do not" rules.
//!
//! The incident playbook's medium-severity template has seven parts, each of which a
//! notice must carry (the T+1 h announcement lists the first five: what happened,
//! scope, current progress, expected restoration time, compensation policy; the
//! playbook publishes the full postmortem within 72 hours):
//!
//! | part | recognized by (case-insensitive) |
//! |---|---|
//! | `what_happened` | "we detected / observed / identified …", "we are seeing / investigating …", "root cause", "what happened", "started at" |
//! | `scope` | "Scope:", "N% of …", "affecting …", "affected users", "customers were affected" |
//! | `current_status` | "Current status:", "rolled back", "rolling back", "investigating", "mitigated", "resolved", "restored" |
//! | `expected_restoration` | "Expected restoration", "restoration expected", "ETA", "estimated …", "continuous updates" |
//! | `compensation` | "Compensation", "credit", "refund", "will not count against" |
//! | `next_update` | "next update", "we will update", "updates every …" |
//! | `postmortem` | "postmortem", "post-mortem", "incident report", "root cause analysis will follow" |
//!
//! A missing part is `NOTICE_PART_MISSING` (field `notice.<part>`); compensation is a
//! warning only, because the playbook asks for it "if applicable".
//!
//! The "do not" rules, each with the byte span of the offending words (field `notice`):
//!
//! - `NOTICE_ABSOLUTE_PROMISE`: "this will never happen again" and its kin: say what
//!   specific improvements are being made instead.
//! - `NOTICE_UPSTREAM_BLAME`: when the notice names an upstream provider (Anthropic,
//!   OpenAI, "our model provider", …), wording that puts the blame wholly on it
//!   ("entirely caused by", "not our fault", "beyond our control"). Naming the
//!   upstream cause is fine; deflecting responsibility is not.
//! - `NOTICE_STATUS_NORMAL`: "all systems normal / operational" during a quality
//!   incident (the default), where the service is up but its output is wrong.
//! - `NOTICE_FIX_TIME_COMMITTED`: a promised fix time ("will be fixed by 17:00",
//!   "resolved within 2 hours") unless [`NoticeOptions::fix_time_confirmed`]. An
//!   *expected* restoration time, as the template words it, is an estimate and passes.
//! - `NOTICE_DEFENSIVE`: defending the decisions that led to the incident ("working as
//!   intended", "a reasonable decision", "did nothing wrong"): customer loss is in
//!   progress; acknowledge and remediate now, analyze in the postmortem.
//!
//! Recognition is by phrase, so it can be fooled by a notice written to evade it; it is
//! a review aid for the incident commander, who approves every external notice.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::text::Span;
use crate::verdict::Violation;

/// The largest notice checked; a longer one gets a single `REQUEST_INVALID`.
pub const MAX_NOTICE_BYTES: usize = 256 * 1024;

/// What the checker should know about the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoticeOptions {
    /// The incident is a quality incident (the agent runs but decides wrongly), so
    /// "all systems normal" is misleading. Default `true`: fail toward saying less.
    pub quality_incident: bool,
    /// Engineering has confirmed a fix time, so the notice may commit to it.
    pub fix_time_confirmed: bool,
}

impl Default for NoticeOptions {
    fn default() -> Self {
        NoticeOptions {
            quality_incident: true,
            fix_time_confirmed: false,
        }
    }
}

/// A required part of the notice template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticePart {
    /// What happened (detection, initial root cause).
    WhatHappened,
    /// Who and what is affected.
    Scope,
    /// Rolled back, rolling back, investigating, ...
    CurrentStatus,
    /// The expected restoration time, or "continuous updates".
    ExpectedRestoration,
    /// The compensation policy, if applicable.
    Compensation,
    /// When the next update comes.
    NextUpdate,
    /// That a full postmortem will follow.
    Postmortem,
}

impl NoticePart {
    /// Every part, in template order.
    pub const ALL: [NoticePart; 7] = [
        NoticePart::WhatHappened,
        NoticePart::Scope,
        NoticePart::CurrentStatus,
        NoticePart::ExpectedRestoration,
        NoticePart::Compensation,
        NoticePart::NextUpdate,
        NoticePart::Postmortem,
    ];

    /// The machine name (`what_happened`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            NoticePart::WhatHappened => "what_happened",
            NoticePart::Scope => "scope",
            NoticePart::CurrentStatus => "current_status",
            NoticePart::ExpectedRestoration => "expected_restoration",
            NoticePart::Compensation => "compensation",
            NoticePart::NextUpdate => "next_update",
            NoticePart::Postmortem => "postmortem",
        }
    }

    fn missing_message(self) -> &'static str {
        match self {
            NoticePart::WhatHappened => {
                "the notice does not say what happened (e.g. \"At UTC 14:05 we detected ...\", \"Initial root cause: ...\")"
            }
            NoticePart::Scope => {
                "the notice does not give the scope (e.g. \"Scope: approximately 12% of users running invoice tasks\")"
            }
            NoticePart::CurrentStatus => {
                "the notice does not give the current status (e.g. \"Current status: rolling back\")"
            }
            NoticePart::ExpectedRestoration => {
                "the notice does not give an expected restoration (a time, or \"continuous updates\")"
            }
            NoticePart::Compensation => {
                "the notice does not state a compensation policy (if one applies)"
            }
            NoticePart::NextUpdate => {
                "the notice does not say when the next update comes (e.g. \"We will update progress every 30 minutes\")"
            }
            NoticePart::Postmortem => {
                "the notice does not say that a full postmortem will follow (the playbook publishes one within 72 hours)"
            }
        }
    }

    fn pattern(self) -> &'static str {
        match self {
            NoticePart::WhatHappened => {
                r"\bwhat\s+happened\b|\broot\s+cause\b|\bwe(?:\s+have|'ve)?\s+(?:detected|observed|identified|noticed|discovered|found|seen)\b|\bwe\s+(?:are|were)\s+(?:observing|seeing|experiencing|investigating)\b|\b(?:began|started|starting)\s+at\b"
            }
            NoticePart::Scope => {
                r"\bscope\s*:|\b\d+(?:\.\d+)?\s?%\s+of\b|\b(?:affects|affecting|impacts|impacting)\b|\b(?:affected|impacted)\s+(?:users|customers|accounts|tasks|workspaces|teams|regions?)\b|\b(?:users|customers|accounts|tasks|workspaces|teams)\s+(?:are|were|is|was)\s+(?:affected|impacted)\b|\b(?:all|some|most|a\s+subset\s+of)\s+(?:users|customers|accounts|workspaces)\b"
            }
            NoticePart::CurrentStatus => {
                r"\b(?:current|latest)\s+status\b|\bstatus\s*:|\brolled\s+back\b|\brolling\s+back\b|\binvestigating\b|\bmitigat(?:ed|ing)\b|\bresolved\b|\brestored\b|\b(?:deploying|deployed)\s+a\s+fix\b"
            }
            NoticePart::ExpectedRestoration => {
                r"\bexpected\s+(?:restoration|resolution|recovery|fix)\b|\b(?:restoration|resolution|recovery)\s+(?:is\s+)?expected\b|\bETA\b|\bestimated\s+(?:time|restoration|resolution|recovery)\b|\bcontinuous\s+updates\b|\bwe\s+expect\s+(?:to\s+restore|full\s+recovery|service\s+to)\b"
            }
            NoticePart::Compensation => {
                r"\bcompensat(?:ion|e|ed|ing)\b|\b(?:will\s+not|won't|do\s+not|don't|not)\s+(?:count|be\s+charged|be\s+billed)\b|\bcredits?\b|\brefund(?:s|ed)?\b|\bno\s+charge\b"
            }
            NoticePart::Postmortem => {
                r"\bpost[-\s]?mortem\b|\bincident\s+report\b|\broot[-\s]cause\s+analysis\s+will\s+follow\b"
            }
            NoticePart::NextUpdate => {
                r"\bnext\s+update\b|\bwe(?:\s+will|'ll)\s+(?:post\s+|send\s+|share\s+|provide\s+)?(?:an?\s+)?(?:further\s+)?updates?\b|\bupdates?\s+(?:progress\s+)?(?:every|by|at|within)\b"
            }
        }
    }
}

fn compile(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .ok()
}

struct Rules {
    parts: Vec<(NoticePart, Option<Regex>)>,
    absolute: Option<Regex>,
    upstream: Option<Regex>,
    deflection: Option<Regex>,
    status_normal: Option<Regex>,
    fix_time: Option<Regex>,
    defensive: Option<Regex>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules {
        parts: NoticePart::ALL
            .iter()
            .map(|part| (*part, compile(part.pattern())))
            .collect(),
        absolute: compile(
            r"\bnever\s+(?:happen|occur|recur)s?\s+again\b|\b(?:won't|will\s+not|shall\s+not|cannot|can't|can\s+not)\s+(?:ever\s+)?(?:happen|occur|recur)\s+again\b|\bnever\s+again\b|\bguarantee\w*\b[^.!?\n]{0,40}\b(?:never|won't|will\s+not)\b",
        ),
        upstream: compile(
            r"\bupstream\b|\bthird[-\s]party\s+(?:ai\s+|llm\s+|model\s+)?(?:provider|vendor|model|api)s?\b|\b(?:model|ai|llm)\s+(?:provider|vendor)s?\b|\b(?:anthropic|openai|open\s+ai|claude|gpt-?\d\w*|gemini|azure\s+openai|bedrock|vertex\s+ai|mistral|cohere)\b",
        ),
        deflection: compile(
            r"\b(?:entirely|solely|wholly|completely|fully|purely|only|100%)\s+(?:due\s+to|caused\s+by|because\s+of|attributable\s+to|the\s+(?:fault|responsibility)\s+of|on\s+the\s+side\s+of)\b|\bnot\s+our\s+fault\b|\bno\s+fault\s+of\s+(?:ours|our\s+own)\b|\b(?:outside|beyond)\s+(?:of\s+)?our\s+control\b|\bnothing\s+(?:that\s+)?we\s+could\s+(?:have\s+)?do(?:ne)?\b|\b(?:the\s+)?(?:fault|blame|responsibility)\s+(?:lies|lay|rests|is)\s+(?:entirely\s+|solely\s+|wholly\s+)?(?:with|on)\b|\b(?:we\s+are|we're)\s+not\s+(?:responsible|to\s+blame|at\s+fault)\b",
        ),
        status_normal: compile(
            r"\ball\s+systems?\s+(?:are\s+|is\s+)?(?:normal|operational|go|green|functioning(?:\s+normally)?|working(?:\s+normally)?)\b|\bsystem\s+status\s*:?\s*(?:normal|operational|green|ok)\b|\b(?:operating|running|functioning|working)\s+(?:as\s+)?normal(?:ly)?\b|\beverything\s+is\s+(?:working|fine|normal|operational)\b|\bfully\s+operational\b",
        ),
        defensive: compile(
            r"\b(?:working|worked|behaving|behaved|performing|performed|functioning|functioned)\s+as\s+(?:intended|designed|expected)\b|\bexpected\s+behaviou?r\b|\b(?:a\s+)?(?:reasonable|correct|sound|defensible|justified)\s+(?:decision|choice|call|trade-?off)\b|\bdid\s+nothing\s+wrong\b|\bmade\s+the\s+right\s+(?:decision|choice|call)\b|\bwas\s+(?:entirely\s+)?(?:reasonable|justified|the\s+right\s+call)\b",
        ),
        fix_time: compile(
            r"\b(?:will|shall|'ll)\s+be\s+(?:fully\s+)?(?:fixed|resolved|restored|repaired|back(?:\s+(?:online|up|to\s+normal))?|working(?:\s+again)?|operational(?:\s+again)?)\s+(?:by|within|in|before|at|no\s+later\s+than)\b|\bwe(?:\s+will|'ll)\s+(?:have\s+(?:it|this|the\s+\w+)\s+)?(?:fix|resolve|restore|repair)\w*\s+(?:(?:it|this|the\s+\w+)\s+)?(?:by|within|before|no\s+later\s+than)\b|\b(?:guarantee|promise|commit)\w*\b[^.!?\n]{0,60}\b(?:by|within|before)\s+\d",
        ),
    })
}

/// Checks an incident notice with the default options (a quality incident, no
/// confirmed fix time). See the [module docs](self).
pub fn validate_notice(text: &str) -> Vec<Violation> {
    validate_notice_with(text, &NoticeOptions::default())
}

/// Checks an incident notice. Violations come in a fixed order: missing parts in
/// template order, then each "do not" rule's matches in text order.
pub fn validate_notice_with(text: &str, options: &NoticeOptions) -> Vec<Violation> {
    if text.len() > MAX_NOTICE_BYTES {
        return vec![Violation::block(
            Code::RequestInvalid,
            format!(
                "the notice is {} bytes, over the limit of {MAX_NOTICE_BYTES}",
                text.len()
            ),
        )
        .in_field("notice")];
    }
    let rules = rules();
    let mut violations = Vec::new();
    for (part, regex) in &rules.parts {
        // A rule that failed to compile cannot vouch for the part: report it missing.
        let present = regex.as_ref().is_some_and(|regex| regex.is_match(text));
        if !present {
            let violation = if *part == NoticePart::Compensation {
                Violation::warn(Code::NoticePartMissing, part.missing_message())
            } else {
                Violation::block(Code::NoticePartMissing, part.missing_message())
            };
            violations.push(violation.in_field(format!("notice.{}", part.as_str())));
        }
    }
    let mut flag = |regex: &Option<Regex>, code: Code, message: &dyn Fn(&str) -> String| {
        for found in regex.iter().flat_map(|regex| regex.find_iter(text)) {
            violations.push(
                Violation::block(code, message(found.as_str()))
                    .in_field("notice")
                    .at(Span::new(found.start(), found.end())),
            );
        }
    };
    flag(&rules.absolute, Code::NoticeAbsolutePromise, &|found| {
        format!("`{found}` is an absolute promise; say which specific improvements are being made instead")
    });
    let names_upstream = rules
        .upstream
        .as_ref()
        .is_some_and(|regex| regex.is_match(text));
    if names_upstream {
        flag(&rules.deflection, Code::NoticeUpstreamBlame, &|found| {
            format!("`{found}` puts the blame on the upstream provider; the customer bought our service, so own it and mention upstream only as a cause")
        });
    }
    if options.quality_incident {
        flag(&rules.status_normal, Code::NoticeStatusNormal, &|found| {
            format!("`{found}` papers over a quality incident; say which tasks show lower quality and that it is being investigated")
        });
    }
    flag(&rules.defensive, Code::NoticeDefensive, &|found| {
        format!("`{found}` defends a decision while customers are losing work; acknowledge and remediate now, and analyze in the postmortem")
    });
    if !options.fix_time_confirmed {
        flag(&rules.fix_time, Code::NoticeFixTimeCommitted, &|found| {
            format!("`{found}` commits to a fix time engineering has not confirmed; give an expected restoration or \"continuous updates\"")
        });
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        let rules = rules();
        assert!(rules.parts.iter().all(|(_, regex)| regex.is_some()));
        assert!(rules.absolute.is_some());
        assert!(rules.upstream.is_some());
        assert!(rules.deflection.is_some());
        assert!(rules.status_normal.is_some());
        assert!(rules.fix_time.is_some());
        assert!(rules.defensive.is_some());
    }
}
