//! The registry of stable machine codes.
//!
//! Codes are part of the public API: hosts branch on them, dashboards count them and
//! audit logs store them. A code is never renamed or reused; one that is no longer
//! emitted is marked deprecated in its doc line and kept. Every code that deskguard can
//! emit is declared here, once, with a one-line description; README.md lists the same
//! table (a test keeps the two in step).
//!
//! There are two families:
//! - [`Code`]: `SCREAMING_SNAKE` codes carried by violations, blocked actions, lint
//!   diagnostics and errors.
//! - [`Trigger`]: `snake_case` escalation triggers, the names routing rules and the
//!   verdict's `escalation.triggers` use (they match the keys of the policy file).

use serde::{Deserialize, Serialize};

macro_rules! registry {
    (
        $(#[$enum_meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $doc:literal])+ $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[doc = $doc])+ #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable machine string, as it appears in JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// The one-line description from the registry.
            pub fn description(self) -> &'static str {
                match self { $( $name::$variant => concat!($($doc),+).trim_start(), )+ }
            }

            /// Looks a value up by its machine string.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $( $text => Some($name::$variant), )+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

registry! {
    /// A stable code for a violation, a blocked action, a lint diagnostic or an error.
    #[non_exhaustive]
    pub enum Code {
        // -- input and loading errors --
        /// The YAML text could not be parsed.
        YamlSyntax => "YAML_SYNTAX",
        /// The JSON text could not be parsed.
        JsonSyntax => "JSON_SYNTAX",
        /// The policy parsed but a field has the wrong type, an unknown name or a bad value.
        PolicyInvalid => "POLICY_INVALID",
        /// A regular expression in the policy does not compile or is too large.
        PolicyPatternInvalid => "POLICY_PATTERN_INVALID",
        /// Two settings of the policy contradict each other (lint warning).
        PolicyInconsistent => "POLICY_INCONSISTENT",
        /// Lint warning: the policy leaves a hard rule with nothing to act on (a textual
        /// trigger with no phrases, no identity gate at all), so it can never fire.
        PolicyCoverageGap => "POLICY_COVERAGE_GAP",
        /// The contract does not satisfy the AgentAz JSON Schema, or an object in it repeats a key.
        ContractSchema => "CONTRACT_SCHEMA",
        /// The contract's declared trust level differs from its computed band (lint warning).
        TierMismatch => "TIER_MISMATCH",
        /// The request is malformed: it is not an object, or a field is missing, has the wrong type, is out of range, or is too large.
        RequestInvalid => "REQUEST_INVALID",
        /// An option passed to the API or CLI is unknown or has a bad value.
        OptionInvalid => "OPTION_INVALID",
        /// An internal failure inside a check; the verdict fails closed to ESCALATE.
        InternalError => "INTERNAL_ERROR",

        // -- the model's decision --
        /// The model's decision object does not satisfy the decision schema, or (given as JSON text) repeats a key.
        DecisionSchema => "DECISION_SCHEMA",
        /// Confidence is below the auto-resolve threshold, so AUTO_RESOLVE becomes DRAFT.
        ConfidenceBelowAuto => "CONFIDENCE_BELOW_AUTO",
        /// Confidence is below the draft threshold, so the ticket escalates.
        ConfidenceBelowDraft => "CONFIDENCE_BELOW_DRAFT",
        /// The policy runs in suggest mode, so nothing is auto-resolved.
        ModeSuggest => "MODE_SUGGEST",
        /// The intent is not promoted to auto-resolve by the policy.
        IntentNotPromoted => "INTENT_NOT_PROMOTED",
        /// AUTO_RESOLVE was proposed together with a money or account action.
        MoneyOrAccountAction => "MONEY_OR_ACCOUNT_ACTION",
        /// The model said grounded=false; ungrounded answers escalate.
        NotGrounded => "NOT_GROUNDED",
        /// No KB document in context scores at or above the retrieval minimum, and there
        /// is no CRM or order context or the intent is one only the KB grounds.
        RetrievalBelowMin => "RETRIEVAL_BELOW_MIN",
        /// The model itself asked for escalation: the plain-text `ESCALATE_NEEDED:` form,
        /// or `escalation.needed: true` in a decision that does not escalate.
        ModelEscalated => "MODEL_ESCALATED",

        // -- the tool gate --
        /// The contract's output boundary never emits this action.
        ToolNeverEmit => "TOOL_NEVER_EMIT",
        /// The tool is not listed in the contract's tool boundary.
        ToolNotAllowed => "TOOL_NOT_ALLOWED",
        /// A mutating tool was proposed while the contract says execution tools are absent.
        ToolExecutionAbsent => "TOOL_EXECUTION_ABSENT",
        /// The contract does not authorize sending, so the reply is kept as a draft.
        SendNotAuthorized => "SEND_NOT_AUTHORIZED",
        /// The contract does not authorize closing the ticket, so it stays open for a human.
        CloseNotAuthorized => "CLOSE_NOT_AUTHORIZED",
        /// The calls the trace made and the actions proposed exceed the per-ticket limit.
        ToolCallsExceeded => "TOOL_CALLS_EXCEEDED",
        /// The trace used more reasoning turns than the contract's loop boundary.
        LoopLimitExceeded => "LOOP_LIMIT_EXCEEDED",
        /// The trace cost more than the contract's per-loop cap.
        CostLimitExceeded => "COST_LIMIT_EXCEEDED",
        /// The trace cost passed the contract's alert threshold (warning).
        CostAlert => "COST_ALERT",
        /// An action's arguments are missing or of the wrong type for its rule.
        ActionArgsInvalid => "ACTION_ARGS_INVALID",

        // -- money and identity --
        /// An account or money action for a customer whose identity is not verified.
        IdentityUnverified => "IDENTITY_UNVERIFIED",
        /// A refund or credit above the policy's auto-refund cap.
        RefundOverCap => "REFUND_OVER_CAP",
        /// A refund or credit with no documented refund policy in context.
        RefundNoPolicy => "REFUND_NO_POLICY",
        /// A refund whose transaction is not in context or whose amount exceeds it.
        RefundTxnMismatch => "REFUND_TXN_MISMATCH",

        // -- incidents (the incident monitor and the notice check) --
        /// Tickets of one category came from at least 3 distinct customers within 24 h: possible platform-level issue.
        IncidentCategorySpike => "INCIDENT_CATEGORY_SPIKE",
        /// The agent completion rate stayed more than 20% below its baseline for more than 15 minutes.
        IncidentCompletionDrop => "INCIDENT_COMPLETION_DROP",
        /// 5 consecutive complaints about the same erroneous output on the same task class.
        IncidentRepeatedComplaints => "INCIDENT_REPEATED_COMPLAINTS",
        /// Billed amounts differ from expected by more than 5% (users over- or under-charged).
        IncidentBillingAnomaly => "INCIDENT_BILLING_ANOMALY",
        /// An incident affects more than 5% of users or more than 1 enterprise customer: engage the Incident Commander.
        IncidentIcEscalation => "INCIDENT_IC_ESCALATION",
        /// An upstream model API (Anthropic, OpenAI, self-hosted) is unavailable.
        IncidentUpstreamUnavailable => "INCIDENT_UPSTREAM_UNAVAILABLE",
        /// A customer's data was sent or leaked through the agent: engineering, legal and
        /// the Incident Commander, now.
        IncidentDataLeak => "INCIDENT_DATA_LEAK",
        /// An incident has been open for more than an hour: escalate to the VP of
        /// Engineering and the CEO.
        IncidentExecEscalation => "INCIDENT_EXEC_ESCALATION",
        /// An incident notice lacks a required part of the template (what happened, scope,
        /// status, restoration, compensation, next update, postmortem).
        NoticePartMissing => "NOTICE_PART_MISSING",
        /// An incident notice promises the incident will never happen again.
        NoticeAbsolutePromise => "NOTICE_ABSOLUTE_PROMISE",
        /// An incident notice puts the blame wholly on an upstream model provider.
        NoticeUpstreamBlame => "NOTICE_UPSTREAM_BLAME",
        /// An incident notice says all systems are normal during a quality incident.
        NoticeStatusNormal => "NOTICE_STATUS_NORMAL",
        /// An incident notice defends the decisions that led to the incident.
        NoticeDefensive => "NOTICE_DEFENSIVE",
        /// An incident notice commits to a fix time engineering has not confirmed.
        NoticeFixTimeCommitted => "NOTICE_FIX_TIME_COMMITTED",

        // -- the response validator --
        /// The reply contains a payment card number (13-19 digits passing the Luhn check).
        PiiCard => "PII_CARD",
        /// The reply contains a US social security number.
        PiiSsn => "PII_SSN",
        /// The reply contains a government ID number other than an SSN (passport,
        /// driving licence, national ID, tax or insurance number), named as one.
        PiiGovernmentId => "PII_GOVERNMENT_ID",
        /// The reply contains an IBAN (valid length and mod-97 check).
        PiiIban => "PII_IBAN",
        /// The reply contains a password, API key, token or other secret.
        PiiSecret => "PII_SECRET",
        /// The reply contains an email address other than the ticket customer's.
        PiiOtherCustomerEmail => "PII_OTHER_CUSTOMER_EMAIL",
        /// The reply states a specific (money, percentage, date, duration, phone, URL, KB id) not found in context.
        UngroundedClaim => "UNGROUNDED_CLAIM",
        /// The decision claims grounded=true but the internal note cites no KB id or CRM field.
        CitationMissing => "CITATION_MISSING",
        /// The internal note cites a KB article or transaction that is not in context.
        CitationUnknown => "CITATION_UNKNOWN",
        /// The reply relies on a KB document older than the staleness window on a volatile topic.
        StaleSource => "STALE_SOURCE",
        /// The reply promises a timeline, callback, compensation, fix or outcome no policy in context grounds.
        Commitment => "COMMITMENT",
        /// The reply touches a topic the policy's content guardrails prohibit.
        ProhibitedTopic => "PROHIBITED_TOPIC",
        /// The reply uses a phrase the policy's tone guidelines prohibit.
        ProhibitedPhrase => "PROHIBITED_PHRASE",
        /// A disclosure the policy requires (the AI disclosure on the first message) is missing.
        MissingDisclosure => "MISSING_DISCLOSURE",
        /// The reply is longer than the policy allows (warning).
        ReplyTooLong => "REPLY_TOO_LONG",
    }
}

registry! {
    /// A hard escalation trigger: any one fired forces ESCALATE.
    #[non_exhaustive]
    pub enum Trigger {
        /// The customer is an enterprise account (by tier or ARR).
        EnterpriseAccount => "enterprise_account",
        /// The ticket threatens to cancel or churn.
        ChurnThreat => "churn_threat",
        /// The ticket uses legal language (lawyer, lawsuit, court, ...).
        LegalLanguage => "legal_language",
        /// The ticket reports a security breach or compromised account.
        SecurityLanguage => "security_language",
        /// The ticket invokes privacy rights (GDPR, CCPA, data deletion, ...).
        PrivacyLanguage => "privacy_language",
        /// The ticket uses regulatory or compliance language.
        ComplianceLanguage => "compliance_language",
        /// The ticket claims data loss or an outage.
        DataLossClaim => "data_loss_claim",
        /// The ticket mentions self-harm or violence.
        SelfHarmOrViolence => "self_harm_or_violence",
        /// The ticket blames the loss of a client, customer or deal on the agent (legal
        /// liability: the runbook sends it to engineering and legal).
        AgentCausedLoss => "agent_caused_loss",
        /// The sentiment is critical, or negative past the policy's turn limit.
        NegativeSentiment => "negative_sentiment",
        /// The model rated the ticket's urgency at a level the policy escalates.
        UrgentTicket => "urgent_ticket",
        /// The customer contacted support about the same issue repeatedly.
        RepeatedContact => "repeated_contact",
        /// The intent is one the policy always escalates (account deletion, abuse report, ...).
        ImmediateIntent => "immediate_intent",
        /// A payment dispute above the policy's dispute threshold, or of an amount nothing states.
        PaymentDisputeOverThreshold => "payment_dispute_over_threshold",
        /// A refund or credit above the auto-refund cap.
        RefundOverCap => "refund_over_cap",
        /// A refund or credit outside any documented policy, or not matching a transaction.
        RefundOutsidePolicy => "refund_outside_policy",
        /// A sensitive request from a customer whose identity is not verified.
        IdentityUnverified => "identity_unverified",
        /// The answer is not grounded in the retrieved context.
        Ungrounded => "ungrounded",
        /// The conversation or the reasoning loop reached its turn limit.
        MaxTurns => "max_turns",
    }
}

impl Trigger {
    /// The triggers whose presence is detected from ticket text by phrase sets.
    pub const TEXTUAL: &'static [Trigger] = &[
        Trigger::LegalLanguage,
        Trigger::ChurnThreat,
        Trigger::SecurityLanguage,
        Trigger::PrivacyLanguage,
        Trigger::ComplianceLanguage,
        Trigger::DataLossClaim,
        Trigger::SelfHarmOrViolence,
        Trigger::AgentCausedLoss,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(*code));
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(!code.description().is_empty());
        }
        for trigger in Trigger::ALL {
            assert_eq!(Trigger::from_name(trigger.as_str()), Some(*trigger));
            assert!(seen.insert(trigger.as_str()), "duplicate {trigger}");
        }
    }

    #[test]
    fn serializes_as_machine_string() {
        assert_eq!(
            serde_json::to_string(&Code::RefundOverCap).unwrap(),
            "\"REFUND_OVER_CAP\""
        );
        assert_eq!(
            serde_json::to_string(&Trigger::ChurnThreat).unwrap(),
            "\"churn_threat\""
        );
        assert_eq!(
            Code::ModeSuggest.description(),
            "The policy runs in suggest mode, so nothing is auto-resolved."
        );
    }
}
