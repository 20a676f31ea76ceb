//! The incident monitor's configuration: its thresholds, windows and caps, with the
//! seeds' defaults, read from JSON and checked against the ranges the monitor accepts.

use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::error::{Error, Result};
use crate::source::json_pointer;

/// The monitor's thresholds, windows and caps. Every field has the seeds' default;
/// unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// The window for a category spike, in minutes (24 h).
    pub category_window_minutes: u32,
    /// Distinct customers in one category within the window that make a spike (3).
    pub category_min_customers: u32,
    /// A completion rate this far below its baseline, relatively, is a drop (0.20).
    pub completion_drop_ratio: f64,
    /// A drop must last longer than this many minutes (15).
    pub completion_sustain_minutes: u32,
    /// The expected completion rate (0..1). Absent: the mean of recent normal samples.
    pub completion_baseline: Option<f64>,
    /// How far back the computed baseline looks, in minutes (24 h).
    pub completion_baseline_minutes: u32,
    /// Consecutive complaints about the same output on one task class (5).
    pub complaint_run: u32,
    /// A run of complaints ends after this many quiet minutes (24 h).
    pub complaint_gap_minutes: u32,
    /// Billed differing from expected by more than this ratio is an anomaly (0.05).
    pub billing_anomaly_ratio: f64,
    /// The window billing deltas are summed over, in minutes (24 h).
    pub billing_window_minutes: u32,
    /// More than this share of users affected engages the IC (0.05).
    pub ic_user_share: f64,
    /// More than this many enterprise customers affected engages the IC (1).
    pub ic_enterprise_customers: u32,
    /// An incident unresolved for longer than this many minutes goes to the VP of
    /// Engineering and the CEO (60).
    pub exec_escalation_minutes: u32,
    /// How many users the platform has (a `users` event overrides it).
    pub total_users: Option<u64>,
    /// The most categories, and the most task classes, tracked at once (256).
    pub max_keys: usize,
    /// The most customers tracked per category, and in the affected set (10 000).
    pub max_members: usize,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            category_window_minutes: 24 * 60,
            category_min_customers: 3,
            completion_drop_ratio: 0.20,
            completion_sustain_minutes: 15,
            completion_baseline: None,
            completion_baseline_minutes: 24 * 60,
            complaint_run: 5,
            complaint_gap_minutes: 24 * 60,
            billing_anomaly_ratio: 0.05,
            billing_window_minutes: 24 * 60,
            ic_user_share: 0.05,
            ic_enterprise_customers: 1,
            exec_escalation_minutes: 60,
            total_users: None,
            max_keys: 256,
            max_members: 10_000,
        }
    }
}

/// The largest `max_keys` / `max_members` accepted, so that a configuration cannot
/// promise memory the monitor should not use.
const MAX_CAP: usize = 1_000_000;
/// The longest window accepted, in minutes (31 days).
const MAX_WINDOW_MINUTES: u32 = 31 * 24 * 60;

impl MonitorConfig {
    /// Reads a configuration from JSON (`{"category_min_customers": 5}`); absent
    /// fields take their defaults.
    ///
    /// # Errors
    /// `JSON_SYNTAX` with line:column, or `OPTION_INVALID` naming the field and its
    /// line:column: an unknown or mistyped field, or a value out of range.
    pub fn from_json(text: &str) -> Result<MonitorConfig> {
        let config: MonitorConfig = crate::source::from_json_object(text, Code::OptionInvalid)?;
        config.validate().map_err(|error| {
            // Every field is a member of the top-level object.
            let pointer = error
                .field()
                .map(|field| format!("/{}", json_pointer::escape_token(field)));
            let location = pointer.and_then(|pointer| json_pointer::locate(text, &pointer));
            error.at(location)
        })?;
        Ok(config)
    }

    pub(super) fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| {
            Err(Error::new(Code::OptionInvalid, message).in_field(field.to_string()))
        };
        for (field, ratio) in [
            ("completion_drop_ratio", self.completion_drop_ratio),
            ("billing_anomaly_ratio", self.billing_anomaly_ratio),
            ("ic_user_share", self.ic_user_share),
        ] {
            if !(ratio.is_finite() && ratio > 0.0 && ratio < 1.0) {
                return bad(field, format!("`{ratio}` is outside 0.0..1.0"));
            }
        }
        if let Some(baseline) = self.completion_baseline {
            if !(baseline.is_finite() && baseline > 0.0 && baseline <= 1.0) {
                return bad(
                    "completion_baseline",
                    format!("`{baseline}` is not a rate in 0.0..=1.0 above zero"),
                );
            }
        }
        for (field, minutes) in [
            ("category_window_minutes", self.category_window_minutes),
            (
                "completion_baseline_minutes",
                self.completion_baseline_minutes,
            ),
            ("complaint_gap_minutes", self.complaint_gap_minutes),
            ("billing_window_minutes", self.billing_window_minutes),
            ("exec_escalation_minutes", self.exec_escalation_minutes),
        ] {
            if minutes == 0 || minutes > MAX_WINDOW_MINUTES {
                return bad(
                    field,
                    format!("`{minutes}` is outside 1..={MAX_WINDOW_MINUTES} minutes"),
                );
            }
        }
        if self.completion_sustain_minutes > MAX_WINDOW_MINUTES {
            return bad(
                "completion_sustain_minutes",
                format!(
                    "`{}` is over {MAX_WINDOW_MINUTES} minutes",
                    self.completion_sustain_minutes
                ),
            );
        }
        for (field, count) in [
            ("category_min_customers", self.category_min_customers),
            ("complaint_run", self.complaint_run),
        ] {
            if count == 0 {
                return bad(field, "must be at least 1".into());
            }
        }
        for (field, cap) in [
            ("max_keys", self.max_keys),
            ("max_members", self.max_members),
        ] {
            if cap == 0 || cap > MAX_CAP {
                return bad(field, format!("`{cap}` is outside 1..={MAX_CAP}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::IncidentMonitor;

    #[test]
    fn config_rejects_out_of_range_values() {
        let error = IncidentMonitor::new(MonitorConfig {
            completion_drop_ratio: 1.5,
            ..MonitorConfig::default()
        })
        .unwrap_err();
        assert_eq!(error.code(), Code::OptionInvalid);
        assert_eq!(error.field(), Some("completion_drop_ratio"));
        let error = IncidentMonitor::new(MonitorConfig {
            max_members: 0,
            ..MonitorConfig::default()
        })
        .unwrap_err();
        assert_eq!(error.field(), Some("max_members"));
    }

    #[test]
    fn config_from_json_names_the_field() {
        let error = MonitorConfig::from_json(r#"{"complaint_runs": 3}"#).unwrap_err();
        assert_eq!(error.code(), Code::OptionInvalid);
        assert_eq!(error.field(), Some("complaint_runs"));
        let error = MonitorConfig::from_json(r#"{"complaint_run": 0}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1:19: field `complaint_run`: must be at least 1"
        );
        let config = MonitorConfig::from_json(r#"{"complaint_run": 3}"#).unwrap();
        assert_eq!(config.complaint_run, 3);
        assert_eq!(config.category_min_customers, 3);
    }
}
