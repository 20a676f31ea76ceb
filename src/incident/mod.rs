//! When a pattern of tickets becomes an incident, and what the notice must say.
//!
//! - [`IncidentMonitor`] is a state object a host feeds with events (screened tickets,
//!   completion-rate samples, complaints, billing reconciliations, user counts, scope
//!   assessments) and that reports the support runbook's and the incident playbook's
//!   triggers as [`IncidentAlert`]s with stable codes. Its whole state serializes to
//!   JSON and back (an edge worker keeps it in a KV store between requests): the same
//!   events in give the same alerts out, with or without a round trip in between.
//!   Memory stays bounded under an endless stream: windows evict by event time and
//!   every per-key table has a cap.
//! - [`validate_notice`] checks an external incident notice against the playbook's
//!   template (required parts) and its "do not" rules, with byte spans.

pub mod config;
pub mod event;
pub mod monitor;
pub mod notice;
mod recent;

pub use config::MonitorConfig;
pub use event::IncidentEvent;
pub use monitor::{IncidentAlert, IncidentMonitor};
pub use notice::{validate_notice, validate_notice_with, NoticeOptions, NoticePart};
