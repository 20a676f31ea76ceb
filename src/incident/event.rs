//! What a host feeds the incident monitor: events, each read from one JSON object with
//! errors that name the field and say where it is.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::codes::{Code, Trigger};
use crate::error::{Error, Location, Result};
use crate::runbook::Screening;
use crate::source::json_pointer;

/// Something the host saw. JSON: an object with `type` and the variant's fields
/// (`{"type": "ticket", "at": "2026-06-03T10:00:00Z", "customer": "C-1", "category": "task_stuck"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum IncidentEvent {
    /// A screened ticket.
    Ticket {
        /// When it was received.
        at: Timestamp,
        /// The customer (CRM id).
        customer: String,
        /// Its runbook category.
        category: String,
        /// Whether the customer is an enterprise account.
        #[serde(default)]
        enterprise: bool,
    },
    /// A platform-wide agent completion-rate sample.
    CompletionRate {
        /// When it was measured.
        at: Timestamp,
        /// The rate, 0..1.
        rate: f64,
    },
    /// A customer complaint about an agent output.
    Complaint {
        /// When it was received.
        at: Timestamp,
        /// The task class (`invoice_extraction`).
        task_class: String,
        /// What identifies the erroneous output (an error signature, an output hash).
        output: String,
        /// Who complained.
        #[serde(default)]
        customer: Option<String>,
        /// Whether they are an enterprise account.
        #[serde(default)]
        enterprise: bool,
    },
    /// A billing reconciliation: what should have been billed and what was.
    Billing {
        /// When it was reconciled.
        at: Timestamp,
        /// The expected amount, USD.
        expected_usd: f64,
        /// The billed amount, USD.
        billed_usd: f64,
    },
    /// How many users the platform has now.
    Users {
        /// When.
        at: Timestamp,
        /// The user count.
        total: u64,
    },
    /// A scope assessment from elsewhere (the on-call engineer, CSM): it opens an
    /// incident for one window.
    Impact {
        /// When.
        at: Timestamp,
        /// Users affected.
        affected_users: u64,
        /// Enterprise customers affected.
        enterprise_customers: u32,
    },
    /// An upstream model API (Anthropic, OpenAI, self-hosted) as the host's health
    /// check sees it: unavailable opens an incident, available again closes it.
    Upstream {
        /// When it was checked.
        at: Timestamp,
        /// The provider (`anthropic`, `openai`, `self_hosted`).
        provider: String,
        /// Whether it answers.
        available: bool,
    },
    /// A customer's data sent or leaked through the agent: an incident of its own,
    /// for engineering, legal and the IC at once.
    DataLeak {
        /// When it was found.
        at: Timestamp,
        /// Whose data.
        #[serde(default)]
        customer: Option<String>,
        /// Whether they are an enterprise account.
        #[serde(default)]
        enterprise: bool,
    },
}

/// The kinds of [`IncidentEvent`], as `type` names them.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventKind {
    Ticket,
    CompletionRate,
    Complaint,
    Billing,
    Users,
    Impact,
    Upstream,
    DataLeak,
}

impl EventKind {
    /// The fields of this kind's variant, besides `type`, in declaration order.
    fn field_names(self) -> &'static [&'static str] {
        match self {
            EventKind::Ticket => &["at", "customer", "category", "enterprise"],
            EventKind::CompletionRate => &["at", "rate"],
            EventKind::Complaint => &["at", "task_class", "output", "customer", "enterprise"],
            EventKind::Billing => &["at", "expected_usd", "billed_usd"],
            EventKind::Users => &["at", "total"],
            EventKind::Impact => &["at", "affected_users", "enterprise_customers"],
            EventKind::Upstream => &["at", "provider", "available"],
            EventKind::DataLeak => &["at", "customer", "enterprise"],
        }
    }
}

/// A field that may be absent but, when present, must read as a `T`: unlike an
/// `Option`, `null` is not taken for absent (`"enterprise": null` is an error, as
/// it is for the variant's own field).
struct Given<T>(Option<T>);

impl<T> Default for Given<T> {
    fn default() -> Given<T> {
        Given(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Given<T> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Given<T>, D::Error> {
        T::deserialize(deserializer).map(|value| Given(Some(value)))
    }
}

/// Every field of every [`IncidentEvent`] variant, each optional.
///
/// [`IncidentEvent::from_json`] reads an event as this plain struct, then checks its
/// fields against the variant `type` names. serde's own reading of the internally
/// tagged enum buffers the whole object before it knows the variant, which loses the
/// place of an error in the text; and in the WebAssembly module it was one 28 KB
/// function.
#[derive(Deserialize)]
struct EventFields {
    #[serde(default, rename = "type")]
    kind: Given<EventKind>,
    #[serde(default)]
    at: Given<Timestamp>,
    #[serde(default)]
    customer: Given<Option<String>>,
    #[serde(default)]
    category: Given<String>,
    #[serde(default)]
    enterprise: Given<bool>,
    #[serde(default)]
    rate: Given<f64>,
    #[serde(default)]
    task_class: Given<String>,
    #[serde(default)]
    output: Given<String>,
    #[serde(default)]
    expected_usd: Given<f64>,
    #[serde(default)]
    billed_usd: Given<f64>,
    #[serde(default)]
    total: Given<u64>,
    #[serde(default)]
    affected_users: Given<u64>,
    #[serde(default)]
    enterprise_customers: Given<u32>,
    #[serde(default)]
    provider: Given<String>,
    #[serde(default)]
    available: Given<bool>,
}

impl EventFields {
    /// The event these fields make, or the first field that is missing (in
    /// declaration order) or does not belong to the variant (in document order).
    /// `text` is the object's JSON, to point at the field.
    fn into_event(self, text: &str) -> Result<IncidentEvent> {
        let missing = |field: &'static str| {
            // serde's place for a missing field: the end of the object.
            let location = text
                .rfind('}')
                .map(|offset| Location::of_offset(text, offset));
            Error::new(Code::RequestInvalid, format!("missing field `{field}`"))
                .at(location)
                .in_field(field)
        };
        // The fields were read from an object (`from_json_object`), whose keys these are.
        let keys = json_pointer::member_keys(text, "").unwrap_or_default();
        let Some(kind) = self.kind.0 else {
            return Err(missing("type"));
        };
        let names = kind.field_names();
        for (key, offset) in &keys {
            let (key, offset) = (key.as_str(), *offset);
            if key != "type" && !names.contains(&key) {
                // serde's own wording, as for every other field error here.
                let message: serde_json::Error = serde::de::Error::unknown_field(key, names);
                return Err(Error::new(Code::RequestInvalid, message.to_string())
                    .at(Some(Location::of_offset(text, offset)))
                    .in_field(key));
            }
        }
        let at = self.at.0.ok_or_else(|| missing("at"))?;
        let event = match kind {
            EventKind::Ticket => IncidentEvent::Ticket {
                at,
                customer: match self.customer.0 {
                    Some(Some(customer)) => customer,
                    // Optional on a complaint only.
                    Some(None) => {
                        return Err(Error::new(
                            Code::RequestInvalid,
                            "invalid type: null, expected a string",
                        )
                        .at(json_pointer::locate(text, "/customer"))
                        .in_field("customer"))
                    }
                    None => return Err(missing("customer")),
                },
                category: self.category.0.ok_or_else(|| missing("category"))?,
                enterprise: self.enterprise.0.unwrap_or_default(),
            },
            EventKind::CompletionRate => IncidentEvent::CompletionRate {
                at,
                rate: self.rate.0.ok_or_else(|| missing("rate"))?,
            },
            EventKind::Complaint => IncidentEvent::Complaint {
                at,
                task_class: self.task_class.0.ok_or_else(|| missing("task_class"))?,
                output: self.output.0.ok_or_else(|| missing("output"))?,
                customer: self.customer.0.flatten(),
                enterprise: self.enterprise.0.unwrap_or_default(),
            },
            EventKind::Billing => IncidentEvent::Billing {
                at,
                expected_usd: self.expected_usd.0.ok_or_else(|| missing("expected_usd"))?,
                billed_usd: self.billed_usd.0.ok_or_else(|| missing("billed_usd"))?,
            },
            EventKind::Users => IncidentEvent::Users {
                at,
                total: self.total.0.ok_or_else(|| missing("total"))?,
            },
            EventKind::Impact => IncidentEvent::Impact {
                at,
                affected_users: self
                    .affected_users
                    .0
                    .ok_or_else(|| missing("affected_users"))?,
                enterprise_customers: self
                    .enterprise_customers
                    .0
                    .ok_or_else(|| missing("enterprise_customers"))?,
            },
            EventKind::Upstream => IncidentEvent::Upstream {
                at,
                provider: self.provider.0.ok_or_else(|| missing("provider"))?,
                available: self.available.0.ok_or_else(|| missing("available"))?,
            },
            EventKind::DataLeak => IncidentEvent::DataLeak {
                at,
                customer: self.customer.0.flatten(),
                enterprise: self.enterprise.0.unwrap_or_default(),
            },
        };
        // The checks `observe` makes, here too so that the error points at the key.
        validate_event(&event).map_err(|error| {
            let key = error
                .field()
                .and_then(|field| keys.iter().find(|(key, _)| key == field));
            let location = key.map(|(_, offset)| Location::of_offset(text, *offset));
            error.at(location)
        })?;
        Ok(event)
    }
}

impl IncidentEvent {
    /// Reads one event from JSON (one line of an events file).
    ///
    /// An event is one JSON object, whose fields are read as the enum's serde
    /// `Deserialize` reads them; an error says where. The variant's fields are checked
    /// after the object is read: a mistyped value first, then a field of another
    /// variant or of none, then a missing field, then the checks of
    /// [`IncidentMonitor::observe`](super::IncidentMonitor::observe) (a rate outside
    /// 0..1, a negative amount).
    ///
    /// # Errors
    /// `JSON_SYNTAX` with line:column, or `REQUEST_INVALID` naming the field (an
    /// unknown `type` names `type`), also for text over [`crate::MAX_REQUEST_BYTES`].
    pub fn from_json(text: &str) -> Result<IncidentEvent> {
        if text.len() > crate::MAX_REQUEST_BYTES {
            return Err(Error::new(
                Code::RequestInvalid,
                format!(
                    "the event is {} bytes, over the limit of {}",
                    text.len(),
                    crate::MAX_REQUEST_BYTES
                ),
            ));
        }
        crate::source::from_json_object::<EventFields>(text, Code::RequestInvalid)?.into_event(text)
    }

    /// When the event happened.
    pub fn at(&self) -> Timestamp {
        match self {
            IncidentEvent::Ticket { at, .. }
            | IncidentEvent::CompletionRate { at, .. }
            | IncidentEvent::Complaint { at, .. }
            | IncidentEvent::Billing { at, .. }
            | IncidentEvent::Users { at, .. }
            | IncidentEvent::Impact { at, .. }
            | IncidentEvent::Upstream { at, .. }
            | IncidentEvent::DataLeak { at, .. } => *at,
        }
    }

    /// The ticket event for a screening: its category and received time; enterprise
    /// when the screening fired `enterprise_account`.
    pub fn from_screening(screening: &Screening, customer: impl Into<String>) -> IncidentEvent {
        IncidentEvent::Ticket {
            at: screening.received_at,
            customer: customer.into(),
            category: screening.category.clone(),
            enterprise: screening
                .triggers
                .iter()
                .any(|hit| hit.trigger == Trigger::EnterpriseAccount),
        }
    }
}

pub(super) fn validate_event(event: &IncidentEvent) -> Result<()> {
    let invalid = |field: &str, message: String| {
        Err(Error::new(Code::RequestInvalid, message).in_field(field.to_string()))
    };
    match event {
        IncidentEvent::CompletionRate { rate, .. } if !(0.0..=1.0).contains(rate) => {
            invalid("rate", format!("`{rate}` is not a rate in 0.0..=1.0"))
        }
        IncidentEvent::Billing {
            expected_usd,
            billed_usd,
            ..
        } => {
            for (field, amount) in [("expected_usd", expected_usd), ("billed_usd", billed_usd)] {
                if !amount.is_finite() || *amount < 0.0 {
                    return invalid(field, format!("`{amount}` is not a non-negative amount"));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_errors_name_the_field_and_its_place() {
        for (text, expected) in [
            (
                r#"{"type": "completion_rate", "at": "2026-06-01T00:00:00Z", "rate": "x"}"#,
                "1:69: field `rate`: invalid type: string \"x\", expected a number",
            ),
            (
                r#"{"type": "tickets", "at": "2026-06-01T00:00:00Z"}"#,
                "1:18: field `type`: unknown variant `tickets`, expected one of `ticket`, `completion_rate`, `complaint`, `billing`, `users`, `impact`, `upstream`, `data_leak`",
            ),
            (
                r#"{"type": "ticket", "at": "yesterday", "customer": "C", "category": "x"}"#,
                "1:36: field `at`: failed to parse four digit integer as year: invalid digit, expected 0-9 but got y",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "customer": "C"}"#,
                "1:65: field `category`: missing field `category`",
            ),
            (
                r#"{"type": "users", "at": "2026-06-01T00:00:00Z", "total": 9, "rate": 1}"#,
                "1:61: field `rate`: unknown field `rate`, expected `at` or `total`",
            ),
            (
                r#"{"at": "2026-06-01T00:00:00Z"}"#,
                "1:30: field `type`: missing field `type`",
            ),
            (
                // The key, not an earlier value that spells it.
                r#"{"type": "ticket", "customer": "C", "category": "rate", "rate": 1, "at": "2026-06-01T00:00:00Z"}"#,
                "1:57: field `rate`: unknown field `rate`, expected one of `at`, `customer`, `category`, `enterprise`",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "customer": "C", "category": "x", "enterprise": null}"#,
                "1:101: field `enterprise`: invalid type: null, expected a boolean",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "at": "2026-06-01T00:00:00Z"}"#,
                "1:53: field `at`: duplicate field `at`",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "customer": null, "category": "x"}"#,
                "1:62: field `customer`: invalid type: null, expected a string",
            ),
            (
                // `observe`'s own checks, at the key.
                r#"{"type": "billing", "at": "2026-06-01T00:00:00Z", "expected_usd": 10, "billed_usd": -1}"#,
                "1:71: field `billed_usd`: `-1` is not a non-negative amount",
            ),
            (
                r#"{"type": null, "at": "2026-06-01T00:00:00Z"}"#,
                "1:10: field `type`: invalid type: null, expected a string",
            ),
            (
                r#"["users", "2026-06-01T00:00:00Z"]"#,
                "1:1: invalid type: sequence, expected a mapping",
            ),
        ] {
            let error = IncidentEvent::from_json(text).unwrap_err();
            assert_eq!(error.code(), Code::RequestInvalid, "{text}");
            assert_eq!(error.to_string(), expected, "{text}");
        }
    }

    /// `from_json` reads an object as the enum's derived `Deserialize` does, then
    /// makes `observe`'s checks: the same events from every variant's fields, each removed, made `null`, mistyped or
    /// repeated, and with every other variant's fields and an unknown one added.
    #[test]
    fn event_from_json_accepts_what_serde_accepts() {
        let at = r#""at": "2026-06-01T00:00:00Z""#;
        let variants: [(&str, &[&str]); 8] = [
            (
                "ticket",
                &[
                    at,
                    r#""customer": "C-1""#,
                    r#""category": "login""#,
                    r#""enterprise": true"#,
                ],
            ),
            ("completion_rate", &[at, r#""rate": 0.5"#]),
            (
                "complaint",
                &[
                    at,
                    r#""task_class": "t""#,
                    r#""output": "o""#,
                    r#""customer": "C-2""#,
                    r#""enterprise": false"#,
                ],
            ),
            (
                "billing",
                &[at, r#""expected_usd": 10"#, r#""billed_usd": 10.5"#],
            ),
            ("users", &[at, r#""total": 100"#]),
            (
                "impact",
                &[at, r#""affected_users": 3"#, r#""enterprise_customers": 1"#],
            ),
            (
                "upstream",
                &[at, r#""provider": "openai""#, r#""available": false"#],
            ),
            (
                "data_leak",
                &[at, r#""customer": "C-3""#, r#""enterprise": true"#],
            ),
        ];
        let every_field: Vec<&str> = variants
            .iter()
            .flat_map(|(_, fields)| fields.iter().copied())
            .collect();
        let mut texts = Vec::new();
        for (kind, fields) in variants {
            let object = |members: &[String]| format!("{{{}}}", members.join(", "));
            let base: Vec<String> = std::iter::once(format!(r#""type": "{kind}""#))
                .chain(fields.iter().map(|field| field.to_string()))
                .collect();
            texts.push(object(&base));
            for index in 0..base.len() {
                let key = base[index].split(':').next().unwrap_or_default();
                let mut without = base.clone();
                without.remove(index);
                texts.push(object(&without));
                for value in ["null", "\"x\"", "-1", "1.5", "true", "[]", "{}"] {
                    let mut changed = base.clone();
                    changed[index] = format!("{key}: {value}");
                    texts.push(object(&changed));
                }
                let mut repeated = base.clone();
                repeated.push(base[index].clone());
                texts.push(object(&repeated));
                let mut moved = base.clone();
                let member = moved.remove(index);
                moved.push(member);
                texts.push(object(&moved));
            }
            for extra in every_field.iter().chain([&r#""note": 1"#]) {
                let mut added = base.clone();
                added.push(extra.to_string());
                texts.push(object(&added));
            }
        }
        assert!(texts.len() > 250, "{}", texts.len());
        let mut accepted = 0;
        for text in &texts {
            let ours = IncidentEvent::from_json(text);
            let serde = serde_json::from_str::<IncidentEvent>(text)
                .map_err(|error| error.to_string())
                .and_then(|event| match validate_event(&event) {
                    Ok(()) => Ok(event),
                    Err(error) => Err(error.to_string()),
                });
            match (ours, serde) {
                (Ok(ours), Ok(serde)) => {
                    assert_eq!(ours, serde, "{text}");
                    accepted += 1;
                }
                (Err(_), Err(_)) => {}
                (ours, serde) => panic!("{text}: from_json {ours:?}, serde {serde:?}"),
            }
        }
        assert!(accepted > 40, "{accepted}");
    }
}
