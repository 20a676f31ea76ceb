//! `deskguard`: the command-line front end of the deskguard engine.
//!
//! Exit codes: `0` the command did its job (whatever the verdict), `2` unreadable or
//! invalid input (a one-line error naming the file, line:column and field), `1` lint
//! found no error but `--deny-warnings` was given and there were warnings, or
//! `audit verify` found a broken chain. Findings are output, not failures: `check`,
//! `validate-reply`, `screen`, `incident` (alerts) and `notice` (violations) exit 0.

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[path = "../cli/incident.rs"]
mod incident;
#[path = "../cli/shadow.rs"]
mod shadow;
use deskguard::audit::{verify_chain, AuditRecord};
use deskguard::lint::{lint, DiagnosticSeverity, DocumentKind, LintReport};
use deskguard::{Contract, Engine, Error, Mode, Policy, ReplyContext, Request};

/// Writes to standard output. A reader that went away (`deskguard check … | head -1`)
/// ends the output quietly, as Unix tools do, instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = write!(stdout, $($arg)*).and_then(|()| stdout.flush()) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            return Err(format!("cannot write to standard output: {error}"));
        }
    }};
}
pub(crate) use out;

#[derive(Parser)]
#[command(
    name = "deskguard",
    version,
    about = "Policy and guardrail engine for AI customer-support agents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Suggest,
    Auto,
}

/// The engine's inputs, for the commands that check decisions: the embedded defaults
/// for whatever is not given.
#[derive(Args)]
pub(crate) struct EngineArgs {
    /// Policy YAML (default: the embedded policies/support-agent.yaml).
    #[arg(long, value_name = "FILE")]
    policy: Option<String>,
    /// AgentAz contract JSON (default: the embedded blueprint contract, A2).
    #[arg(long, value_name = "FILE")]
    contract: Option<String>,
    /// Override the policy's mode.
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
}

impl EngineArgs {
    /// Reads the files given and builds the engine.
    pub(crate) fn build(&self) -> Result<Engine, String> {
        build_engine(
            self.policy.as_deref(),
            self.contract.as_deref(),
            self.mode.map(Mode::from),
        )
    }
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Suggest => Mode::Suggest,
            ModeArg::Auto => Mode::Auto,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check a request (ticket, context, model decision) and print the verdict JSON.
    Check {
        #[command(flatten)]
        engine: EngineArgs,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
        /// Append the verdict's audit record to this JSON Lines file, linked to its last record.
        #[arg(long, value_name = "FILE.jsonl")]
        audit_log: Option<String>,
        /// The request JSON file, or `-` for standard input.
        request: String,
    },
    /// Validate a customer reply (PII, grounding, commitments, content) and print
    /// `{violations: [...], redacted: "..."}`.
    ValidateReply {
        /// Policy YAML (default: the embedded policies/support-agent.yaml).
        #[arg(long, value_name = "FILE")]
        policy: Option<String>,
        /// What grounds the reply: a check request JSON (ticket, context, decision, now),
        /// a reply-context JSON, or a bare context (`{kb, crm, orders}`).
        #[arg(long, value_name = "CONTEXT.json")]
        context: Option<String>,
        /// The conversation turn (1 = the first message: disclosures are due).
        #[arg(long, value_name = "N")]
        turn: Option<u32>,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
        /// The reply text file, or `-` for standard input.
        reply: String,
    },
    /// Mask personal data (cards, SSNs, IBANs, secrets, emails) to its last four
    /// characters and print the text.
    Redact {
        /// The text file, or `-` for standard input.
        file: String,
    },
    /// Screen a ticket before any model call: runbook category, handling tier, SLA,
    /// due time in business hours, and the hard triggers its text already fires.
    Screen {
        /// Policy YAML (default: the embedded policies/support-agent.yaml).
        #[arg(long, value_name = "FILE")]
        policy: Option<String>,
        /// When the ticket was received, RFC 3339 (`2026-06-05T16:00:00Z`). Without it,
        /// the ticket file's `now` is used, else the system clock: the only place
        /// deskguard reads a clock (the library never does).
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
        /// A ticket JSON (`{subject, body, customer, ...}`) or a request with `ticket`
        /// (and optionally `now`); `-` for standard input.
        ticket: String,
    },
    /// Shadow-mode evaluation: replay labeled requests (JSON Lines) through the engine
    /// and report routing accuracy, escalation recall, over-escalation, downgrades per
    /// intent, violations by code, grounded drafts and cost; with --tickets, the
    /// runbook's weekly review of a ticket log.
    Eval {
        #[command(flatten)]
        engine: EngineArgs,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Also write a self-contained HTML report with charts to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<String>,
        /// A helpdesk ticket log (JSON Lines) for SLA attainment, escalation band and
        /// repeat-ticket rate.
        #[arg(long, value_name = "TICKETLOG.jsonl")]
        tickets: Option<String>,
        /// Never draw the progress bar (it is drawn on stderr only when stderr is a terminal).
        #[arg(long)]
        no_progress: bool,
        /// Labeled requests: one request per line with an optional
        /// `label: {decision, queue, sensitive, sent_reply}`; `-` for standard input.
        labeled: String,
    },
    /// Replay incident events (JSON Lines) through the incident monitor and print each
    /// alert it raises as one JSON line.
    Incident {
        /// Monitor configuration JSON (thresholds, windows, caps; default: the playbooks').
        #[arg(long, value_name = "CONFIG.json", conflicts_with = "state")]
        config: Option<String>,
        /// Start from a state saved by `--save-state` (it holds its configuration).
        #[arg(long, value_name = "STATE.json")]
        state: Option<String>,
        /// Save the monitor's state to this file after the last event.
        #[arg(long, value_name = "FILE")]
        save_state: Option<String>,
        /// Events, one JSON object per line (`{"type": "ticket", "at": ..., ...}`);
        /// `-` for standard input.
        events: String,
    },
    /// Check an external incident notice against the playbook's template and "do not"
    /// rules; print the violations as a JSON array.
    Notice {
        /// Engineering has confirmed a fix time, so the notice may commit to it.
        #[arg(long)]
        fix_time_confirmed: bool,
        /// The incident is not a quality incident (the service is down rather than
        /// wrong), so "all systems normal" is not flagged.
        #[arg(long)]
        not_quality_incident: bool,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
        /// The notice text file, or `-` for standard input.
        file: String,
    },
    /// Work with audit logs.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check policy YAML and contract JSON files.
    Lint {
        /// Files: `.yaml`/`.yml` are policies, others AgentAz contracts.
        #[arg(required = true)]
        files: Vec<String>,
        /// Print a JSON array of reports instead of `file:line:col: severity CODE message`.
        #[arg(long)]
        json: bool,
        /// Exit 1 when there are warnings.
        #[arg(long)]
        deny_warnings: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify a JSON Lines audit log: report the first changed, deleted, reordered or
    /// inserted record. Exit 0 when the chain holds, 1 when it is broken.
    Verify {
        /// The audit log.
        file: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            engine,
            compact,
            audit_log,
            request,
        } => check(&engine, compact, audit_log.as_deref(), &request),
        Command::ValidateReply {
            policy,
            context,
            turn,
            compact,
            reply,
        } => validate_reply(policy.as_deref(), context.as_deref(), turn, compact, &reply),
        Command::Redact { file } => redact(&file),
        Command::Screen {
            policy,
            now,
            compact,
            ticket,
        } => shadow::screen(policy.as_deref(), now.as_deref(), compact, &ticket),
        Command::Eval {
            engine,
            json,
            html,
            tickets,
            no_progress,
            labeled,
        } => shadow::eval(&shadow::EvalOptions {
            engine: &engine,
            json,
            html: html.as_deref(),
            tickets: tickets.as_deref(),
            progress: !no_progress,
            labeled: &labeled,
        }),
        Command::Incident {
            config,
            state,
            save_state,
            events,
        } => incident::incident(&incident::IncidentOptions {
            config: config.as_deref(),
            state: state.as_deref(),
            save_state: save_state.as_deref(),
            events: &events,
        }),
        Command::Notice {
            fix_time_confirmed,
            not_quality_incident,
            compact,
            file,
        } => incident::notice(
            &deskguard::incident::NoticeOptions {
                quality_incident: !not_quality_incident,
                fix_time_confirmed,
            },
            compact,
            &file,
        ),
        Command::Audit {
            command: AuditCommand::Verify { file },
        } => audit_verify(&file),
        Command::Lint {
            files,
            json,
            deny_warnings,
        } => lint_files(&files, json, deny_warnings),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("deskguard: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("<stdin>: cannot read: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))
    }
}

fn origin(path: &str) -> &str {
    if path == "-" {
        "<stdin>"
    } else {
        path
    }
}

fn located(error: Error, path: &str) -> String {
    error.with_origin(origin(path)).to_string()
}

/// Builds an engine from the files given: the embedded defaults for whatever is not.
pub(crate) fn build_engine(
    policy: Option<&str>,
    contract: Option<&str>,
    mode: Option<Mode>,
) -> Result<Engine, String> {
    let mut builder = Engine::builder();
    if let Some(path) = policy {
        let parsed = Policy::from_yaml(&read(path)?).map_err(|e| located(e, path))?;
        builder = builder.policy(parsed);
    }
    if let Some(path) = contract {
        let parsed = Contract::from_json(&read(path)?).map_err(|e| located(e, path))?;
        builder = builder.contract(parsed);
    }
    if let Some(mode) = mode {
        builder = builder.mode(mode);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Prints `value` as JSON on standard output: indented, or on one line when `compact`.
pub(crate) fn print_json(value: &impl serde::Serialize, compact: bool) -> Result<(), String> {
    let rendered = if compact {
        serde_json::to_string(value)
    } else {
        serde_json::to_string_pretty(value)
    }
    .map_err(|e| format!("cannot render the output: {e}"))?;
    out!("{rendered}\n");
    Ok(())
}

fn check(
    engine: &EngineArgs,
    compact: bool,
    audit_log: Option<&str>,
    request: &str,
) -> Result<ExitCode, String> {
    let engine = engine.build()?;
    let parsed = Request::from_json(&read(request)?).map_err(|e| located(e, request))?;
    let verdict = engine.check(&parsed);
    if let Some(log) = audit_log {
        append_audit(&engine, &parsed, &verdict, log)?;
    }
    print_json(&verdict, compact)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct FileReport<'a> {
    file: &'a str,
    #[serde(flatten)]
    report: LintReport,
}

fn lint_files(files: &[String], json: bool, deny_warnings: bool) -> Result<ExitCode, String> {
    let mut reports = Vec::new();
    for file in files {
        let text = read(file)?;
        reports.push(FileReport {
            file,
            report: lint(&text, DocumentKind::from_path(file)),
        });
    }
    if json {
        let rendered = serde_json::to_string_pretty(&reports)
            .map_err(|e| format!("cannot render the report: {e}"))?;
        out!("{rendered}\n");
    } else {
        for FileReport { file, report } in &reports {
            for d in &report.diagnostics {
                let severity = match d.severity {
                    DiagnosticSeverity::Error => "error",
                    DiagnosticSeverity::Warning => "warning",
                };
                out!(
                    "{file}:{}:{}: {severity} {} {}\n",
                    d.line,
                    d.column,
                    d.code,
                    d.message
                );
            }
            if let (Some(declared), Some(band)) =
                (report.declared_trust_level, report.computed_band)
            {
                out!(
                    "{file}: contract declares {declared}, computes band {band}{}\n",
                    if report.computable == Some(false) {
                        " (not computable)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    let any_error = reports.iter().any(|r| !r.report.ok);
    let any_warning = reports.iter().any(|r| {
        r.report
            .diagnostics
            .iter()
            .any(|d| d.severity == DiagnosticSeverity::Warning)
    });
    Ok(if any_error {
        ExitCode::from(2)
    } else if deny_warnings && any_warning {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn read_audit_log(path: &str) -> Result<Vec<AuditRecord>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(format!("{path}: cannot read: {error}")),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| {
                format!(
                    "{path}:{}:{}: not an audit record: {e}",
                    index + 1,
                    e.column()
                )
            })
        })
        .collect()
}

fn append_audit(
    engine: &Engine,
    request: &Request,
    verdict: &deskguard::Verdict,
    path: &str,
) -> Result<(), String> {
    use std::io::Write;
    let records = read_audit_log(path)?;
    let record = engine.audit_record(request, verdict, records.last());
    let line = serde_json::to_string(&record).map_err(|e| format!("cannot render: {e}"))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{path}: cannot open: {e}"))?;
    writeln!(file, "{line}").map_err(|e| format!("{path}: cannot write: {e}"))
}

fn audit_verify(path: &str) -> Result<ExitCode, String> {
    if std::fs::metadata(path).is_err() {
        return Err(format!("{path}: cannot read: no such file"));
    }
    let report = verify_chain(&read_audit_log(path)?);
    let rendered =
        serde_json::to_string_pretty(&report).map_err(|e| format!("cannot render: {e}"))?;
    out!("{rendered}\n");
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn validate_reply(
    policy: Option<&str>,
    context: Option<&str>,
    turn: Option<u32>,
    compact: bool,
    reply: &str,
) -> Result<ExitCode, String> {
    let engine = build_engine(policy, None, None)?;
    let mut reply_context = match context {
        Some(path) => ReplyContext::from_json(&read(path)?).map_err(|e| located(e, path))?,
        None => ReplyContext::default(),
    };
    if turn.is_some() {
        reply_context.turn = turn;
    }
    let text = read(reply)?;
    print_json(&engine.validate_reply(&text, &reply_context), compact)?;
    Ok(ExitCode::SUCCESS)
}

fn redact(file: &str) -> Result<ExitCode, String> {
    let engine = Engine::with_defaults().map_err(|e| e.to_string())?;
    let text = read(file)?;
    out!("{}", engine.redact(&text).redacted);
    Ok(ExitCode::SUCCESS)
}
