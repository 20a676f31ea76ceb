//! Linting policy and contract documents: every problem as a located diagnostic,
//! plus the contract's declared and computed trust tiers.
//!
//! Loading stops at the first error; lint goes on to report what a reviewer wants to
//! see before a policy change ships: contradictions between sections
//! (`POLICY_INCONSISTENT`) and contracts whose structure grants more or less than
//! they declare (`TIER_MISMATCH`).

use serde::Serialize;

use crate::codes::{Code, Trigger};
use crate::contract::{Band, Contract, TrustLevel};
use crate::error::{Error, Location};
use crate::policy::Policy;
use crate::source::{json_pointer, yaml_path};
use crate::verdict::Severity;

/// What kind of document a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// A policy YAML.
    Policy,
    /// An AgentAz contract JSON.
    Contract,
}

impl DocumentKind {
    /// Parses `policy` or `contract`.
    pub fn from_name(name: &str) -> Option<DocumentKind> {
        match name {
            "policy" => Some(DocumentKind::Policy),
            "contract" => Some(DocumentKind::Contract),
            _ => None,
        }
    }

    /// Guesses from a file name: `.yaml`/`.yml` are policies, everything else contracts.
    pub fn from_path(path: &str) -> DocumentKind {
        let lower = path.to_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            DocumentKind::Policy
        } else {
            DocumentKind::Contract
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: DiagnosticSeverity,
    /// Stable code.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// The field, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 1-based line (1 when unknown).
    pub line: usize,
    /// 1-based column (1 when unknown).
    pub column: usize,
}

/// Diagnostic severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticSeverity {
    /// The document cannot be used.
    Error,
    /// The document loads, but something deserves a look.
    Warning,
}

impl From<Severity> for DiagnosticSeverity {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Block => DiagnosticSeverity::Error,
            Severity::Warn => DiagnosticSeverity::Warning,
        }
    }
}

/// The result of linting one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintReport {
    /// What was linted.
    pub kind: DocumentKind,
    /// Whether it loads (no error diagnostics).
    pub ok: bool,
    /// Findings, errors first.
    pub diagnostics: Vec<Diagnostic>,
    /// The contract's declared trust level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_trust_level: Option<TrustLevel>,
    /// The contract's computed band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed_band: Option<Band>,
    /// Whether the computed band is trustworthy for this contract's shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computable: Option<bool>,
}

/// Lints `text` as a `kind` document.
pub fn lint(text: &str, kind: DocumentKind) -> LintReport {
    match kind {
        DocumentKind::Policy => lint_policy(text),
        DocumentKind::Contract => lint_contract(text),
    }
}

fn from_error(error: &Error) -> Diagnostic {
    let location = error.location().unwrap_or(Location { line: 1, column: 1 });
    Diagnostic {
        severity: DiagnosticSeverity::Error,
        code: error.code(),
        message: match error.field() {
            Some(field) => format!("field `{field}`: {}", error.message()),
            None => error.message().to_string(),
        },
        field: error.field().map(str::to_string),
        line: location.line,
        column: location.column,
    }
}

fn report(kind: DocumentKind, diagnostics: Vec<Diagnostic>) -> LintReport {
    LintReport {
        kind,
        ok: diagnostics
            .iter()
            .all(|d| d.severity != DiagnosticSeverity::Error),
        diagnostics,
        declared_trust_level: None,
        computed_band: None,
        computable: None,
    }
}

fn lint_policy(text: &str) -> LintReport {
    let policy = match Policy::from_yaml(text) {
        Ok(policy) => policy,
        Err(error) => return report(DocumentKind::Policy, vec![from_error(&error)]),
    };
    let mut diagnostics = Vec::new();
    // The seed's handler repeats the dispute threshold; the financial section rules.
    let handler_threshold = policy
        .content_guardrails
        .as_ref()
        .and_then(|g| {
            g.sensitive_topic_handlers
                .get("payment_dispute_over_threshold")
        })
        .and_then(|handler| handler.get("threshold_usd"))
        .and_then(serde_json::Value::as_f64);
    if let Some(threshold) = handler_threshold {
        let rule = policy.financial.payment_dispute_threshold_usd;
        if (threshold - rule).abs() > f64::EPSILON {
            let path = [
                "content_guardrails",
                "sensitive_topic_handlers",
                "payment_dispute_over_threshold",
                "threshold_usd",
            ];
            let location =
                yaml_path::locate(text, &path).unwrap_or(Location { line: 1, column: 1 });
            diagnostics.push(Diagnostic {
                severity: DiagnosticSeverity::Warning,
                code: Code::PolicyInconsistent,
                message: format!(
                    "the handler's threshold of {threshold} USD differs from financial.payment_dispute_threshold_usd ({rule} USD), which is the one enforced"
                ),
                field: Some(path.join(".")),
                line: location.line,
                column: location.column,
            });
        }
    }
    for (name, intents) in [(
        "auto_resolve.promoted_intents",
        &policy.auto_resolve.promoted_intents,
    )] {
        for intent in intents.iter() {
            if policy
                .escalation
                .immediate_intents
                .iter()
                .any(|immediate| crate::text::glob::Glob::new(intent).matches(immediate))
            {
                let location = yaml_path::locate(text, &["auto_resolve", "promoted_intents"])
                    .unwrap_or(Location { line: 1, column: 1 });
                diagnostics.push(Diagnostic {
                    severity: DiagnosticSeverity::Warning,
                    code: Code::PolicyInconsistent,
                    message: format!("`{intent}` promotes an intent that always escalates"),
                    field: Some(name.to_string()),
                    line: location.line,
                    column: location.column,
                });
            }
        }
    }
    coverage_gaps(text, &policy, &mut diagnostics);
    report(DocumentKind::Policy, diagnostics)
}

/// Hard rules a policy left with nothing to act on. A policy replaces the embedded one
/// whole, so a section left out is not filled in from the defaults: without phrases a
/// textual trigger never fires, without gates no request needs a verified customer.
fn coverage_gaps(text: &str, policy: &Policy, diagnostics: &mut Vec<Diagnostic>) {
    let locate = |paths: &[&[&str]]| {
        paths
            .iter()
            .find_map(|path| yaml_path::locate(text, path))
            .unwrap_or(Location { line: 1, column: 1 })
    };
    let mut gap = |field: String, location: Location, message: String| {
        diagnostics.push(Diagnostic {
            severity: DiagnosticSeverity::Warning,
            code: Code::PolicyCoverageGap,
            message,
            field: Some(field),
            line: location.line,
            column: location.column,
        });
    };
    for trigger in Trigger::TEXTUAL {
        let detected = policy
            .escalation
            .phrases
            .get(trigger)
            .is_some_and(|set| !set.phrases.is_empty() || !set.patterns.is_empty());
        if !detected {
            let name = trigger.as_str();
            gap(
                format!("escalation.phrases.{name}"),
                locate(&[
                    &["escalation", "phrases", name],
                    &["escalation", "phrases"],
                    &["escalation"],
                ]),
                format!("no phrase or pattern detects `{name}`, so the hard trigger never fires"),
            );
        }
    }
    let identity = &policy.identity;
    if identity.gated_tools.is_empty() && identity.gated_intents.is_empty() {
        gap(
            "identity".to_string(),
            locate(&[&["identity"]]),
            "no tool or intent is gated on a verified identity, so an unverified customer's \
             account can be changed"
                .to_string(),
        );
    }
}

fn lint_contract(text: &str) -> LintReport {
    let contract = match Contract::from_json(text) {
        Ok(contract) => contract,
        Err(error) => return report(DocumentKind::Contract, vec![from_error(&error)]),
    };
    let tier = contract.tier();
    let mut diagnostics = Vec::new();
    if !tier.agrees {
        let location =
            json_pointer::locate(text, "/trust_level").unwrap_or(Location { line: 1, column: 1 });
        diagnostics.push(Diagnostic {
            severity: DiagnosticSeverity::Warning,
            code: Code::TierMismatch,
            message: format!(
                "declared trust level `{}` compares as band `{}`, but the tool boundary computes band `{}`{}",
                tier.declared.as_str(),
                tier.declared.band().as_str(),
                tier.computed.as_str(),
                if tier.computable { "" } else { " (not computable for the older allowed_tools shape)" }
            ),
            field: Some("trust_level".into()),
            line: location.line,
            column: location.column,
        });
    }
    let mut lint_report = report(DocumentKind::Contract, diagnostics);
    lint_report.declared_trust_level = Some(tier.declared);
    lint_report.computed_band = Some(tier.computed);
    lint_report.computable = Some(tier.computable);
    lint_report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::EMBEDDED_POLICY_YAML;

    #[test]
    fn embedded_policy_is_clean() {
        let report = lint(EMBEDDED_POLICY_YAML, DocumentKind::Policy);
        assert!(report.ok);
        assert_eq!(report.diagnostics, vec![]);
    }

    #[test]
    fn a_hard_rule_left_with_nothing_to_act_on_is_a_warning() {
        // The legal phrases removed, and then the whole identity section.
        let start = EMBEDDED_POLICY_YAML.find("    legal_language:\n").unwrap();
        let end = EMBEDDED_POLICY_YAML[start..]
            .find("    churn_threat:\n")
            .unwrap()
            + start;
        let text = format!(
            "{}{}",
            &EMBEDDED_POLICY_YAML[..start],
            &EMBEDDED_POLICY_YAML[end..]
        );
        let report = lint(&text, DocumentKind::Policy);
        assert!(report.ok);
        let found: Vec<(Code, Option<&str>, usize)> = report
            .diagnostics
            .iter()
            .map(|d| (d.code, d.field.as_deref(), d.line))
            .collect();
        let phrases_line = 1 + text.lines().position(|l| l == "  phrases:").unwrap();
        assert_eq!(
            found,
            [(
                Code::PolicyCoverageGap,
                Some("escalation.phrases.legal_language"),
                phrases_line
            )]
        );
        assert_eq!(
            report.diagnostics[0].message,
            "no phrase or pattern detects `legal_language`, so the hard trigger never fires"
        );

        let start = text.find("identity:\n").unwrap();
        let end = text[start..].find("\nescalation:\n").unwrap() + start + 1;
        let without_identity = format!("{}{}", &text[..start], &text[end..]);
        let report = lint(&without_identity, DocumentKind::Policy);
        let fields: Vec<Option<&str>> = report
            .diagnostics
            .iter()
            .map(|d| d.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            [Some("escalation.phrases.legal_language"), Some("identity")]
        );
        // A section left out is reported at the start of the document.
        assert_eq!(report.diagnostics[1].line, 1);
    }

    #[test]
    fn inconsistent_dispute_threshold_is_a_warning() {
        let text =
            EMBEDDED_POLICY_YAML.replace("      threshold_usd: 500", "      threshold_usd: 400");
        let report = lint(&text, DocumentKind::Policy);
        assert!(report.ok);
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(report.diagnostics[0].code, Code::PolicyInconsistent);
        let line = text
            .lines()
            .position(|l| l.contains("threshold_usd: 400"))
            .unwrap()
            + 1;
        assert_eq!(report.diagnostics[0].line, line);
    }
}
