//! `deskguard incident` and `deskguard notice`: the incident playbook's commands.
//!
//! `incident` replays a JSON Lines file of events through an
//! [`IncidentMonitor`] and prints each alert as one JSON line, as it is raised, so a
//! stream of any length needs no more memory than the monitor's bounded state. The
//! state can start from a file saved by an earlier run (`--state`) and be saved for
//! the next (`--save-state`): two runs over the halves of a file print what one run
//! over the whole file prints.
//!
//! The first unreadable line stops the replay with exit 2 and a one-line error naming
//! `file:line:column` and the field; alerts before it have been printed, and the
//! state is not saved (a saved state always covers whole inputs).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::process::ExitCode;

use deskguard::incident::NoticeOptions;
use deskguard::incident::{validate_notice_with, IncidentEvent, IncidentMonitor, MonitorConfig};
use deskguard::{Error, MAX_REQUEST_BYTES};

/// Options of `deskguard incident`.
pub(crate) struct IncidentOptions<'a> {
    pub config: Option<&'a str>,
    pub state: Option<&'a str>,
    pub save_state: Option<&'a str>,
    pub events: &'a str,
}

/// `deskguard incident`.
pub(crate) fn incident(options: &IncidentOptions<'_>) -> Result<ExitCode, String> {
    let mut monitor = match (options.state, options.config) {
        (Some(path), _) => {
            IncidentMonitor::from_json(&super::read(path)?).map_err(|e| super::located(e, path))?
        }
        (None, Some(path)) => {
            let config = MonitorConfig::from_json(&super::read(path)?)
                .map_err(|e| super::located(e, path))?;
            IncidentMonitor::new(config).map_err(|e| super::located(e, path))?
        }
        (None, None) => IncidentMonitor::default(),
    };
    let path = options.events;
    let name = super::origin(path);
    let input: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(File::open(path).map_err(|e| format!("{path}: cannot read: {e}"))?)
    };
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    for line_no in 1.. {
        line.clear();
        // At most one byte past the limit is read, so an endless line is never held.
        let limit = u64::try_from(MAX_REQUEST_BYTES).unwrap_or(u64::MAX) + 2;
        let read = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("{name}:{line_no}: cannot read: {e}"))?;
        if read == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        } else if line.len() > MAX_REQUEST_BYTES {
            return Err(format!(
                "{name}:{line_no}:1: the line is over the limit of {MAX_REQUEST_BYTES} bytes"
            ));
        }
        let text = std::str::from_utf8(&line)
            .map_err(|e| format!("{name}:{line_no}:1: not UTF-8 text: {e}"))?;
        if text.trim().is_empty() {
            continue;
        }
        let alerts = IncidentEvent::from_json(text)
            .and_then(|event| monitor.observe(&event))
            .map_err(|error| at_line(&error, name, line_no))?;
        for alert in alerts {
            let rendered = serde_json::to_string(&alert)
                .map_err(|e| format!("cannot render an alert: {e}"))?;
            crate::out!("{rendered}\n");
        }
    }
    if let Some(path) = options.save_state {
        // Through a temporary file and a rename, so an interrupted run never leaves a
        // truncated state where the last good one was.
        let temporary = format!("{path}.tmp");
        std::fs::write(&temporary, monitor.to_json() + "\n")
            .and_then(|()| std::fs::rename(&temporary, path))
            .map_err(|e| format!("{path}: cannot write: {e}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `file:line:column: field `f`: message` for an error in one line of a JSON Lines
/// file (column 1 for an error that has no place in the line).
fn at_line(error: &Error, name: &str, line_no: usize) -> String {
    let column = error.location().map_or(1, |at| at.column);
    let mut message = format!("{name}:{line_no}:{column}: ");
    if let Some(field) = error.field() {
        message.push_str(&format!("field `{field}`: "));
    }
    message.push_str(error.message());
    message
}

/// `deskguard notice`.
pub(crate) fn notice(
    options: &NoticeOptions,
    compact: bool,
    file: &str,
) -> Result<ExitCode, String> {
    let text = super::read(file)?;
    super::print_json(&validate_notice_with(&text, options), compact)?;
    Ok(ExitCode::SUCCESS)
}
