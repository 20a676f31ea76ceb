//! Trust levels, and the band a contract's structure implies.
//!
//! A contract *declares* a trust level (`A0`..`A5`), but a declaration is only a claim.
//! The AgentAz registry's reference tier computation (v2.0.0-draft, advisory) derives a
//! band from what the contract actually grants: which tools run without a human, whether
//! any of them sounds irreversible, whether approvals, audit, cost and loop bounds exist.
//! deskguard reproduces that computation exactly, so that a contract that claims less
//! authority than it grants can be flagged (`TIER_MISMATCH`, a lint warning) before the
//! engine trusts it.
//!
//! The computation, in order:
//! 1. `execution_tools_absent` and no approval-required tools: band `ADV` (advisory).
//! 2. Otherwise the *auto pool* is `auto_executable_tools`, or `allowed_tools` when that
//!    is empty. A tool is risky when [`is_risky_tool`] says so, except that nothing is
//!    risky when `execution_tools_absent` is true.
//! 3. Risky tools in the pool: `A4` when `audit`, `cost_boundary` and `loop_boundary` are
//!    all present and non-empty, else `A5`.
//! 4. Else approval-required tools: `A3`. Else an empty pool: `A0`. Else `ADV`.
//!
//! An `ADV` result is *computable* only for the newer split shape: the older
//! `allowed_tools`-only shape cannot say whether a listed tool would have needed an
//! approval, so the reference refuses to vouch for it. Declared `A0`..`A2` compare as
//! `ADV`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ToolBoundary, ToolBoundaryShape};

/// The authority class a contract declares, by its worst-case action.
///
/// `A0` can do nothing; `A5` acts with full autonomy. Serialized as `"A0"`..`"A5"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TrustLevel {
    /// No authority.
    A0,
    /// Informs.
    A1,
    /// Recommends.
    A2,
    /// Acts with human approval.
    A3,
    /// Acts autonomously within audited, bounded guardrails.
    A4,
    /// Acts with full autonomy.
    A5,
}

impl TrustLevel {
    /// The band this level is compared as: `A0`..`A2` all compare as [`Band::Adv`].
    pub fn band(self) -> Band {
        match self {
            TrustLevel::A0 | TrustLevel::A1 | TrustLevel::A2 => Band::Adv,
            TrustLevel::A3 => Band::A3,
            TrustLevel::A4 => Band::A4,
            TrustLevel::A5 => Band::A5,
        }
    }

    /// The level as written in a contract (`"A3"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TrustLevel::A0 => "A0",
            TrustLevel::A1 => "A1",
            TrustLevel::A2 => "A2",
            TrustLevel::A3 => "A3",
            TrustLevel::A4 => "A4",
            TrustLevel::A5 => "A5",
        }
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The band the reference computation derives from a contract's structure.
///
/// Serialized as `"A0"`, `"ADV"`, `"A3"`, `"A4"`, `"A5"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Band {
    /// No tools in the auto pool at all.
    A0,
    /// Advisory: the agent's tools only read, classify or draft.
    #[serde(rename = "ADV")]
    Adv,
    /// Acting tools exist but each needs a human approval.
    A3,
    /// Risky tools run unattended, with audit, cost and loop bounds.
    A4,
    /// Risky tools run unattended without all of audit, cost and loop bounds.
    A5,
}

impl Band {
    /// The band as the reference writes it (`"ADV"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Band::A0 => "A0",
            Band::Adv => "ADV",
            Band::A3 => "A3",
            Band::A4 => "A4",
            Band::A5 => "A5",
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The declared trust level next to the computed band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierReport {
    /// What the contract says.
    pub declared: TrustLevel,
    /// What its structure implies.
    pub computed: Band,
    /// False when the band is `ADV` and the contract uses the older `allowed_tools`-only
    /// shape, which the reference computation cannot vouch for.
    pub computable: bool,
    /// Whether `computed` equals the declared level's [`TrustLevel::band`].
    pub agrees: bool,
}

/// Verbs that make a tool risky when a word of its name starts with one of them.
const RISKY_VERBS: &[&str] = &[
    "rollback",
    "delete",
    "deploy",
    "scale",
    "refund",
    "charge",
    "pay",
    "wire",
    "cancel",
    "terminate",
    "drop",
    "truncate",
    "provision",
    "grant",
    "revoke",
    "quarantine",
    "purge",
    "transfer",
    "disable",
    "shutdown",
    "publish",
    "commit",
    "execute",
    "remove",
];

/// Objects that make `modify` risky: `modify_config`, `modify-config`, `modifyconfig`.
const MODIFY_OBJECTS: &[&str] = &["config", "security", "access", "record"];

/// Whether a tool name sounds like an irreversible or privileged action.
///
/// True when, ignoring ASCII case, a *word start* in `name` is followed by one of the
/// reference verbs (`rollback`, `delete`, `deploy`, `scale`, `refund`, `charge`, `pay`,
/// `wire`, `cancel`, `terminate`, `drop`, `truncate`, `provision`, `grant`, `revoke`,
/// `quarantine`, `purge`, `transfer`, `disable`, `shutdown`, `publish`, `commit`,
/// `execute`, `remove`) or by `modify` + optional `_`/`-` + `config`, `security`,
/// `access` or `record`.
///
/// A word starts at the beginning of the name, after any character that is not a
/// letter or digit (`_`, `-`, `.`, space, `/`, ...), and at a camelCase hump (a lowercase
/// letter followed by an uppercase one). Only the start is anchored: `deployment` and
/// `payer` match, `redeploy` and `escalate` do not.
///
/// ```
/// use deskguard::contract::is_risky_tool;
/// assert!(is_risky_tool("rollback_deploy"));
/// assert!(is_risky_tool("crm.refund_issue"));
/// assert!(is_risky_tool("autoDeploy"));
/// assert!(is_risky_tool("modify-security-group"));
/// assert!(!is_risky_tool("escalate_to_human"));
/// assert!(!is_risky_tool("redeploy_check"));
/// ```
pub fn is_risky_tool(name: &str) -> bool {
    word_starts(name).any(|start| name.get(start..).is_some_and(starts_with_risky_verb))
}

/// Byte offsets where a word starts (see [`is_risky_tool`]).
fn word_starts(name: &str) -> impl Iterator<Item = usize> + '_ {
    let mut previous: Option<char> = None;
    name.char_indices().filter_map(move |(index, ch)| {
        let starts = match previous {
            None => true,
            Some(prev) => !prev.is_alphanumeric() || (prev.is_lowercase() && ch.is_uppercase()),
        };
        previous = Some(ch);
        (starts && ch.is_alphanumeric()).then_some(index)
    })
}

fn starts_with_risky_verb(rest: &str) -> bool {
    // Most word starts share no first letter with any verb: compare one byte first.
    let Some(first) = rest.as_bytes().first().map(u8::to_ascii_lowercase) else {
        return false;
    };
    if RISKY_VERBS
        .iter()
        .any(|verb| verb.as_bytes().first() == Some(&first) && starts_with_ignore_case(rest, verb))
    {
        return true;
    }
    let Some(after) = strip_prefix_ignore_case(rest, "modify") else {
        return false;
    };
    let after = after
        .strip_prefix('_')
        .or_else(|| after.strip_prefix('-'))
        .unwrap_or(after);
    MODIFY_OBJECTS
        .iter()
        .any(|object| starts_with_ignore_case(after, object))
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    if starts_with_ignore_case(text, prefix) {
        // The prefix is ASCII and matched byte for byte, so this is a char boundary.
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// Runs the reference computation.
///
/// `safeguards` tells whether `audit`, `cost_boundary` and `loop_boundary` are all
/// present as non-empty objects; the caller reads that from the source JSON, because
/// the typed model drops keys it does not know and so cannot tell `{}` from
/// `{"retention": "90d"}`.
pub(crate) fn compute(declared: TrustLevel, tools: &ToolBoundary, safeguards: bool) -> TierReport {
    let legacy = tools.shape() == ToolBoundaryShape::Legacy;
    let has_approvals = !tools.approval_required_tools.is_empty();
    let (computed, computable) = if tools.execution_tools_absent && !has_approvals {
        (Band::Adv, !legacy)
    } else {
        let pool = tools.auto_pool();
        let risky = !tools.execution_tools_absent && pool.iter().any(|tool| is_risky_tool(tool));
        if risky {
            (if safeguards { Band::A4 } else { Band::A5 }, true)
        } else if has_approvals {
            (Band::A3, true)
        } else if pool.is_empty() {
            (Band::A0, true)
        } else {
            (Band::Adv, !legacy)
        }
    };
    TierReport {
        declared,
        computed,
        computable,
        agrees: computed == declared.band(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    fn split(auto: &[&str], approval: &[&str]) -> ToolBoundary {
        ToolBoundary {
            allowed_tools: Vec::new(),
            auto_executable_tools: names(auto),
            approval_required_tools: names(approval),
            execution_tools_absent: false,
        }
    }

    #[test]
    fn verbs_match_at_word_starts_only() {
        for risky in [
            "delete",
            "Delete_User",
            "user_delete",
            "user-delete",
            "user.delete",
            "user delete",
            "userDelete",
            "bulkDELETE",
            "deployment_start",
            "payer_lookup",
            "PAY",
            "issue_refund",
            "wire_transfer",
            "modify_config",
            "modify-access",
            "modifyRecord",
            "ModifySecurity",
            "x/commit",
        ] {
            assert!(is_risky_tool(risky), "{risky} should be risky");
        }
        for safe in [
            "",
            "redeploy",
            "escalate_to_human",
            "undelete",
            "prepay",
            "userdelete",
            "modify",
            "modify_ticket",
            "modify__config",
            "read_ticket",
            "draft_reply",
            "send_reply",
            "classify",
            "prioritize",
            "v2delete",
        ] {
            assert!(!is_risky_tool(safe), "{safe} should not be risky");
        }
    }

    #[test]
    fn non_ascii_names_do_not_panic() {
        assert!(!is_risky_tool("é"));
        assert!(is_risky_tool("éé_delete"));
        assert!(is_risky_tool("ü-Pay"));
        assert!(!is_risky_tool("ßdelete"));
    }

    #[test]
    fn execution_absent_without_approvals_is_adv() {
        let tools = ToolBoundary {
            allowed_tools: names(&["delete_everything"]),
            auto_executable_tools: Vec::new(),
            approval_required_tools: Vec::new(),
            execution_tools_absent: true,
        };
        let report = compute(TrustLevel::A2, &tools, false);
        assert_eq!(report.computed, Band::Adv);
        assert!(!report.computable, "older shape");
        assert!(report.agrees);
    }

    #[test]
    fn execution_absent_empties_the_risky_list() {
        let mut tools = split(&["delete_everything"], &["approve_it"]);
        tools.execution_tools_absent = true;
        let report = compute(TrustLevel::A3, &tools, false);
        assert_eq!(report.computed, Band::A3);
        assert!(report.computable && report.agrees);
    }

    #[test]
    fn risky_pool_is_a4_with_safeguards_else_a5() {
        let tools = split(&["read", "refund_issue"], &[]);
        assert_eq!(compute(TrustLevel::A4, &tools, true).computed, Band::A4);
        let report = compute(TrustLevel::A4, &tools, false);
        assert_eq!(report.computed, Band::A5);
        assert!(report.computable && !report.agrees);
    }

    #[test]
    fn approvals_empty_pool_and_plain_pool() {
        assert_eq!(
            compute(TrustLevel::A3, &split(&["read"], &["refund"]), true).computed,
            Band::A3
        );
        let report = compute(TrustLevel::A0, &split(&[], &[]), true);
        assert_eq!(report.computed, Band::A0);
        // Declared A0 compares as ADV, as in the reference.
        assert!(!report.agrees);
        let report = compute(TrustLevel::A1, &split(&["read"], &[]), true);
        assert_eq!(report.computed, Band::Adv);
        assert!(report.computable && report.agrees);
    }

    #[test]
    fn legacy_pool_falls_back_to_allowed_tools() {
        let tools = ToolBoundary {
            allowed_tools: names(&["read", "publish_post"]),
            auto_executable_tools: Vec::new(),
            approval_required_tools: Vec::new(),
            execution_tools_absent: false,
        };
        assert_eq!(compute(TrustLevel::A5, &tools, false).computed, Band::A5);
        let tools = ToolBoundary {
            allowed_tools: names(&["read"]),
            ..tools
        };
        let report = compute(TrustLevel::A2, &tools, false);
        assert_eq!(report.computed, Band::Adv);
        assert!(!report.computable);
    }

    #[test]
    fn serde_names() {
        assert_eq!(serde_json::to_string(&Band::Adv).unwrap(), "\"ADV\"");
        assert_eq!(serde_json::to_string(&TrustLevel::A3).unwrap(), "\"A3\"");
        assert_eq!(TrustLevel::A4.to_string(), "A4");
        assert_eq!(Band::Adv.to_string(), "ADV");
        let report = compute(TrustLevel::A2, &split(&["read"], &[]), true);
        assert_eq!(
            serde_json::to_value(report).unwrap(),
            serde_json::json!({"declared": "A2", "computed": "ADV", "computable": true, "agrees": true})
        );
    }
}
