//! `deskguard screen` and `deskguard eval`: the runbook and shadow-mode commands.
//!
//! Everything OS-bound lives here, not in the library: reading files, the system clock
//! (only `screen` without `--now`), threads, rayon and the progress bar.
//!
//! `eval` streams: a reader thread reads the labeled file in chunks of at most
//! `CHUNK_LINES` lines and `CHUNK_BYTES` bytes (each line at most
//! `deskguard::MAX_REQUEST_BYTES`), hands them over a channel of depth 2, and rayon
//! replays each chunk on every core (fold into per-thread `EvalAccumulator`s, reduce by
//! `merge`). At most four chunks are alive at once, so memory stays bounded whatever
//! the file's size.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::process::ExitCode;
use std::sync::mpsc;

use deskguard::eval::{
    EvalAccumulator, EvalReport, LabeledRequest, TicketLogAccumulator, TicketRecord,
};
use deskguard::runbook::parse_ticket_json;
use deskguard::Engine;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

/// Lines per chunk.
const CHUNK_LINES: usize = 8192;
/// Bytes per chunk (a chunk ends at the first line past this).
const CHUNK_BYTES: usize = 16 * 1024 * 1024;
/// Chunks queued between the reader and the workers.
const CHANNEL_DEPTH: usize = 2;

/// `deskguard screen`.
pub(crate) fn screen(
    policy: Option<&str>,
    now: Option<&str>,
    compact: bool,
    ticket_path: &str,
) -> Result<ExitCode, String> {
    let engine = super::build_engine(policy, None, None)?;
    let (ticket, file_now) = parse_ticket_json(&super::read(ticket_path)?)
        .map_err(|e| super::located(e, ticket_path))?;
    let now = match now {
        Some(text) => {
            deskguard::runbook::parse_now(text).map_err(|e| e.with_origin("--now").to_string())?
        }
        // The only clock read in deskguard: the CLI's, when the caller gave no time.
        None => file_now.unwrap_or_else(jiff::Timestamp::now),
    };
    super::print_json(&engine.screen_ticket(&ticket, now), compact)?;
    Ok(ExitCode::SUCCESS)
}

/// Options of `deskguard eval`.
pub(crate) struct EvalOptions<'a> {
    pub engine: &'a super::EngineArgs,
    pub json: bool,
    pub html: Option<&'a str>,
    pub tickets: Option<&'a str>,
    pub progress: bool,
    pub labeled: &'a str,
}

/// `deskguard eval`.
pub(crate) fn eval(options: &EvalOptions<'_>) -> Result<ExitCode, String> {
    let engine = options.engine.build()?;
    let mut replay = EvalAccumulator::new();
    stream(
        options.labeled,
        options.progress,
        |chunk| {
            chunk
                .par_iter()
                .fold(EvalAccumulator::new, |mut acc, (line_no, line)| {
                    replay_line(&engine, &mut acc, *line_no, line);
                    acc
                })
                .reduce(EvalAccumulator::new, |mut a, b| {
                    a.merge(b);
                    a
                })
        },
        |part| replay.merge(part),
    )?;
    let tickets = match options.tickets {
        Some(path) => Some(ticket_log(&engine, path, options.progress)?),
        None => None,
    };
    let report = EvalReport {
        source: options.labeled.to_string(),
        mode: engine.mode().as_str().to_string(),
        policy_digest: engine.policy_digest().to_string(),
        contract_digest: engine.contract_digest().to_string(),
        replay: replay.report(),
        tickets: tickets.map(|acc| acc.report()),
    };
    if let Some(path) = options.html {
        std::fs::write(path, report.to_html()).map_err(|e| format!("{path}: cannot write: {e}"))?;
    }
    if options.json {
        crate::out!("{}\n", report.to_json_pretty());
    } else {
        crate::out!("{}", report.to_text());
    }
    let invalid =
        report.replay.invalid_lines + report.tickets.as_ref().map_or(0, |t| t.invalid_lines);
    if invalid > 0 {
        eprintln!("deskguard: warning: {invalid} lines could not be read; they count in no metric (see the report)");
    }
    Ok(ExitCode::SUCCESS)
}

fn replay_line(engine: &Engine, acc: &mut EvalAccumulator, line_no: u64, line: &Line) {
    match line {
        Line::Text(text) => match LabeledRequest::from_json(text) {
            Ok(labeled) => {
                let verdict = engine.check(&labeled.request);
                acc.add(&labeled, &verdict);
            }
            Err(error) => acc.add_invalid(line_no, &error),
        },
        Line::Invalid(message) => acc.add_invalid(line_no, message),
    }
}

fn ticket_log(engine: &Engine, path: &str, progress: bool) -> Result<TicketLogAccumulator, String> {
    let mut acc = TicketLogAccumulator::new();
    // Parsing runs in parallel; records are then added in file order (repeats and
    // SLA settlement depend on it), one chunk at a time.
    stream(
        path,
        progress,
        |chunk| {
            chunk
                .par_iter()
                .map(|(line_no, line)| {
                    let parsed = match line {
                        Line::Text(text) => {
                            TicketRecord::from_json(text).map_err(|e| e.to_string())
                        }
                        Line::Invalid(message) => Err(message.clone()),
                    };
                    (*line_no, parsed)
                })
                .collect::<Vec<_>>()
        },
        |part| {
            for (line_no, parsed) in part {
                match parsed {
                    Ok(record) => acc.add(engine.runbook(), &record),
                    Err(message) => acc.add_invalid(line_no, &message),
                }
            }
        },
    )?;
    Ok(acc)
}

/// One line read: its text, or why it could not be read.
enum Line {
    Text(String),
    Invalid(String),
}

type Chunk = Vec<(u64, Line)>;

/// Reads `path` in bounded chunks on a reader thread, runs `work` on each chunk as it
/// arrives (in parallel inside the chunk), and hands each result to `consume`, in file
/// order, before the next chunk is taken.
fn stream<T>(
    path: &str,
    progress: bool,
    work: impl Fn(&Chunk) -> T,
    mut consume: impl FnMut(T),
) -> Result<(), String> {
    let (source, total): (Box<dyn Read + Send>, Option<u64>) = if path == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let bar = progress_bar(progress, total, path);
    let read_result = std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Chunk>(CHANNEL_DEPTH);
        let reader_bar = bar.clone();
        let reader = scope.spawn(move || read_chunks(source, &sender, &reader_bar, path));
        // The reader blocks when the channel is full: at most CHANNEL_DEPTH chunks
        // wait, one is being read and one is being worked on.
        for chunk in receiver {
            consume(work(&chunk));
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(format!("{path}: the reader thread failed")))
    });
    bar.finish_and_clear();
    read_result
}

fn progress_bar(enabled: bool, total: Option<u64>, path: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    // Drawn on stderr only when it is a terminal (indicatif hides it otherwise).
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{msg} {spinner} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(path.to_string());
    bar
}

/// Reads lines into chunks and sends them; returns an I/O error as a message.
fn read_chunks(
    source: Box<dyn Read + Send>,
    sender: &mpsc::SyncSender<Chunk>,
    bar: &ProgressBar,
    path: &str,
) -> Result<(), String> {
    let mut reader = BufReader::with_capacity(1 << 16, source);
    let mut chunk: Chunk = Vec::with_capacity(CHUNK_LINES);
    let mut chunk_bytes = 0usize;
    let mut line_no = 0u64;
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = read_bounded_line(&mut reader, &mut buffer, deskguard::MAX_REQUEST_BYTES)
            .map_err(|e| format!("{path}: cannot read: {e}"))?;
        let (consumed, too_long) = match read {
            Read_::Eof => break,
            Read_::Line(consumed) => (consumed, false),
            Read_::TooLong(consumed) => (consumed, true),
        };
        line_no += 1;
        bar.inc(consumed as u64);
        let line = if too_long {
            Line::Invalid(format!(
                "the line is over the limit of {} bytes",
                deskguard::MAX_REQUEST_BYTES
            ))
        } else {
            while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buffer.pop();
            }
            if buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match String::from_utf8(std::mem::take(&mut buffer)) {
                Ok(text) => Line::Text(text),
                Err(_) => Line::Invalid("the line is not UTF-8".into()),
            }
        };
        chunk_bytes += consumed;
        chunk.push((line_no, line));
        if chunk.len() >= CHUNK_LINES || chunk_bytes >= CHUNK_BYTES {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_LINES));
            chunk_bytes = 0;
            if sender.send(full).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(chunk);
    }
    Ok(())
}

/// The outcome of reading one line.
enum Read_ {
    Eof,
    /// A line of this many bytes (newline included).
    Line(usize),
    /// A line over the limit, skipped whole: this many bytes.
    TooLong(usize),
}

/// Reads one line into `buffer`, keeping at most `max` bytes; a longer line is read
/// to its end in bounded steps and reported as too long.
fn read_bounded_line(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Read_> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let read = reader.by_ref().take(limit).read_until(b'\n', buffer)?;
    if read == 0 {
        return Ok(Read_::Eof);
    }
    if buffer.last() == Some(&b'\n') || buffer.len() <= max {
        return Ok(Read_::Line(read));
    }
    // Over the limit: discard the rest of the line without keeping it.
    let mut skipped = read;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        match available.iter().position(|b| *b == b'\n') {
            Some(at) => {
                reader.consume(at + 1);
                skipped += at + 1;
                break;
            }
            None => {
                let len = available.len();
                reader.consume(len);
                skipped += len;
            }
        }
    }
    buffer.clear();
    Ok(Read_::TooLong(skipped))
}
