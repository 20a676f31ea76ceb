//! The JavaScript bindings: the only module that sees wasm-bindgen.
//!
//! The npm package `deskguard` (`pkg/`) wraps what this module exports. The shape
//! follows the crate's own API: an `Engine` handle built once per isolate and checked
//! many times, verdicts as plain data, and errors only for what cannot be loaded.
//!
//! Requests and verdicts cross the boundary as JSON text (`JSON.stringify` on the way
//! in, `JSON.parse` of the verdict's serialization on the way out), so a verdict is
//! deep-equal to what the CLI prints for `JSON.stringify(request)`, `undefined` members
//! are simply absent, and a `Date` passed as `now` arrives as its RFC 3339 string.
//! Smaller results (lint reports, tiers) go through serde-wasm-bindgen.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::codes::{Code, Trigger};
use crate::contract::Contract;
use crate::engine::{Engine, PreparedReplyContext};
use crate::error::Error;
use crate::incident::{IncidentEvent, IncidentMonitor, MonitorConfig, NoticeOptions};
use crate::lint::DocumentKind;
use crate::policy::Mode;
use crate::request::Request;
use crate::text::Span;

/// Set once a panic has escaped into JavaScript. The panic left the module's memory
/// in an unknown state (and the standard library still believes it is inside the
/// panic hook, so a second panic would abort with an `unreachable` trap), so every
/// later call refuses with `INTERNAL_ERROR` instead of running on that state.
static POISONED: AtomicBool = AtomicBool::new(false);

const OPTION_KEYS: &[&str] = &["policy", "contract", "mode"];

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        POISONED.store(true, Ordering::SeqCst);
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| (*text).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info
            .location()
            .map(|at| format!(" at {}:{}:{}", at.file(), at.line(), at.column()))
            .unwrap_or_default();
        let error = Error::new(
            Code::InternalError,
            format!("internal error{location}: {payload} (please report it)").replace('\n', " "),
        );
        // With panic=abort the runtime would trap right after this hook returns; a
        // JavaScript exception thrown from inside the hook reaches the caller instead.
        wasm_bindgen::throw_val(js_error(&error));
    }));
}

/// Refuses every call once a panic has poisoned the module.
fn live() -> Result<(), JsValue> {
    if POISONED.load(Ordering::SeqCst) {
        return Err(js_error(&Error::new(
            Code::InternalError,
            "an earlier internal error left deskguard unusable; load the module again",
        )));
    }
    Ok(())
}

/// A JS `Error` carrying the stable `code`, and `field`, `line`, `column` and
/// `origin` when they are known; the message is the error's one-line display.
fn js_error(error: &Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    set(&js, "code", &JsValue::from_str(error.code().as_str()));
    if let Some(field) = error.field() {
        set(&js, "field", &JsValue::from_str(field));
    }
    if let Some(location) = error.location() {
        set(&js, "line", &number(location.line));
        set(&js, "column", &number(location.column));
    }
    if let Some(origin) = error.origin() {
        set(&js, "origin", &JsValue::from_str(origin));
    }
    js.into()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a data property on a fresh Error object cannot fail, and there is no
    // better error to report if it somehow did.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}

fn number(value: usize) -> JsValue {
    JsValue::from(u32::try_from(value).unwrap_or(u32::MAX))
}

fn option_error(field: &str, message: impl Into<String>) -> JsValue {
    js_error(&Error::new(Code::OptionInvalid, message).in_field(field))
}

fn internal_error(message: impl Into<String>) -> JsValue {
    js_error(&Error::new(Code::InternalError, message))
}

/// Serializes so that maps become plain objects and `None` becomes `null`: exactly
/// what `JSON.parse` makes of the CLI's output.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| internal_error(format!("cannot convert the result: {error}")))
}

/// A verdict as a JS object through its JSON text: `JSON.parse` of the CLI's own
/// serialization, so deep equality with the CLI holds by construction, and one string
/// crossing the boundary is faster than serde-wasm-bindgen's property-by-property
/// building for an object this size (see `make bench`).
fn verdict_to_js(verdict: &crate::verdict::Verdict) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&verdict.to_json())
        .map_err(|_| internal_error("cannot convert the verdict"))
}

/// Any serializable result as a JS object through its JSON text, like verdicts: the
/// screening, alerts, the monitor's state and notice violations are then deep-equal
/// to what the CLI prints for the same input.
fn json_to_js<T: Serialize>(value: &T, what: &str) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|error| internal_error(format!("cannot convert the {what}: {error}")))?;
    js_sys::JSON::parse(&text).map_err(|_| internal_error(format!("cannot convert the {what}")))
}

/// Whether a JS value is a plain object (not null, not an array).
fn is_plain_object(value: &JsValue) -> bool {
    value.is_object() && !js_sys::Array::is_array(value)
}

/// The JSON text of an optional options object (`undefined` and `null` are `None`);
/// anything but an object is `OPTION_INVALID` naming `field`.
fn options_json(value: &JsValue, field: &str, shape: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !is_plain_object(value) {
        return Err(option_error(field, format!("expected {shape}")));
    }
    stringify(value)
        .map(Some)
        .map_err(|why| option_error(field, format!("not JSON data: {why}")))
}

/// The JSON text of an object argument; anything else is `REQUEST_INVALID` naming
/// `field`.
fn object_json(value: &JsValue, field: &str, what: &str) -> Result<String, JsValue> {
    let invalid =
        |message: String| js_error(&Error::new(Code::RequestInvalid, message).in_field(field));
    if !is_plain_object(value) {
        return Err(invalid(format!("expected the {what} as an object")));
    }
    stringify(value).map_err(|why| invalid(format!("the {what} is not JSON data: {why}")))
}

/// `now` as RFC 3339 text or a `Date`; `None` when absent.
fn read_now(now: &JsValue) -> Result<Option<jiff::Timestamp>, JsValue> {
    let invalid =
        |message: &str| js_error(&Error::new(Code::RequestInvalid, message).in_field("now"));
    if now.is_undefined() || now.is_null() {
        return Ok(None);
    }
    let text = if let Some(text) = now.as_string() {
        text
    } else if let Some(date) = now.dyn_ref::<js_sys::Date>() {
        // `toISOString` throws on an invalid date: ask first.
        if date.get_time().is_nan() {
            return Err(invalid("the `Date` is invalid"));
        }
        String::from(date.to_iso_string())
    } else {
        return Err(invalid("expected an RFC 3339 time as text, or a `Date`"));
    };
    crate::runbook::parse_now(&text)
        .map(Some)
        .map_err(|error| js_error(&error))
}

/// `JSON.stringify(value)`, or why it is not JSON data.
fn stringify(value: &JsValue) -> Result<String, String> {
    match js_sys::JSON::stringify(value) {
        Ok(text) => JsValue::as_string(&text)
            .map(replace_lone_surrogates)
            .ok_or_else(|| {
                String::from("it has no JSON form (`undefined`, a function or a symbol)")
            }),
        Err(error) => Err(match error.dyn_ref::<js_sys::Error>() {
            Some(error) => String::from(error.message()),
            None => String::from("it is not JSON data"),
        }),
    }
}

/// `json` with every lone UTF-16 surrogate replaced by U+FFFD, as text arguments are.
///
/// A JS string may hold half of a surrogate pair (`"😀".slice(0, -1)`): JSON.stringify
/// writes it as an escape (`"\ud83d"`), which is not text and which serde_json refuses,
/// so one cut emoji in a ticket made the whole object unreadable. Paired surrogates
/// arrive as UTF-8 already; only lone ones are escapes here.
fn replace_lone_surrogates(json: String) -> String {
    if !json.contains("\\u") {
        return json;
    }
    let mut out = String::with_capacity(json.len());
    let mut rest = json.as_str();
    while let Some(at) = rest.find('\\') {
        let (before, escape) = rest.split_at(at);
        out.push_str(before);
        let lone = escape
            .get(2..6)
            .filter(|_| escape.as_bytes().get(1) == Some(&b'u'))
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            .is_some_and(|unit| (0xd800..=0xdfff).contains(&unit));
        let taken = if lone {
            out.push_str("\\ufffd");
            6
        } else {
            // Any other escape (`\\`, `\"`, `\u0041`) is copied as it is; its second
            // character is ASCII.
            let len = escape.len().min(2);
            out.push_str(escape.get(..len).unwrap_or_default());
            len
        };
        rest = escape.get(taken..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The draft of `validateReply`: text, or `OPTION_INVALID` for `text`.
fn reply_text(text: &JsValue) -> Result<String, JsValue> {
    text.as_string()
        .ok_or_else(|| option_error("text", "expected the reply as text"))
}

/// The context of `validateReply` and `prepareReplyContext` (`undefined` and `null`
/// are the empty context); errors name the field.
fn reply_context(context: &JsValue) -> Result<crate::ReplyContext, JsValue> {
    if context.is_undefined() || context.is_null() {
        return Ok(crate::ReplyContext::default());
    }
    let json = stringify(context)
        .map_err(|why| option_error("context", format!("not JSON data: {why}")))?;
    // The text is ours: a line:column in it would mislead, so errors keep the field.
    crate::ReplyContext::from_json(&json).map_err(|error| js_error(&error.without_location()))
}

/// A contract given as JSON text (errors with line:column) or as an object.
fn load_contract(contract: &JsValue) -> Result<Contract, JsValue> {
    let loaded = if let Some(text) = contract.as_string() {
        Contract::from_json(&text)
    } else if contract.is_object() && !js_sys::Array::is_array(contract) {
        let text = stringify(contract).map_err(|why| {
            option_error(
                "contract",
                format!("the contract object cannot be read: {why}"),
            )
        })?;
        Contract::from_json(&text).map_err(Error::without_location)
    } else {
        return Err(option_error(
            "contract",
            "expected the contract as JSON text or an object",
        ));
    };
    loaded.map_err(|error| js_error(&error.with_origin("contract")))
}

/// A compiled policy and contract (`new Engine(options)`): build it once, check many
/// requests with it.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    inner: Engine,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// Builds an engine from `{ policy?, contract?, mode? }`; omitted parts take the
    /// embedded defaults. Unknown keys are refused so a misspelling fails loudly.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsEngine, JsValue> {
        live()?;
        let mut builder = Engine::builder();
        if !options.is_undefined() && !options.is_null() {
            if !options.is_object() || js_sys::Array::is_array(&options) {
                return Err(js_error(&Error::new(
                    Code::OptionInvalid,
                    "expected the options as an object `{ policy, contract, mode }`",
                )));
            }
            let object: &js_sys::Object = options.unchecked_ref();
            for key in js_sys::Object::keys(object).iter() {
                let key = key.as_string().unwrap_or_default();
                if !OPTION_KEYS.contains(&key.as_str()) {
                    return Err(option_error(
                        &key,
                        format!("unknown option `{key}`; expected `policy`, `contract` or `mode`"),
                    ));
                }
            }
            let get = |key: &str| {
                js_sys::Reflect::get(&options, &JsValue::from_str(key))
                    .map(|value| Some(value).filter(|v| !v.is_undefined()))
            };
            if let Some(policy) = get("policy")? {
                let text = policy
                    .as_string()
                    .ok_or_else(|| option_error("policy", "expected the policy as YAML text"))?;
                builder = builder.policy_yaml(text);
            }
            if let Some(mode) = get("mode")? {
                let parsed = mode.as_string().as_deref().and_then(Mode::from_name);
                let mode =
                    parsed.ok_or_else(|| option_error("mode", "expected `suggest` or `auto`"))?;
                builder = builder.mode(mode);
            }
            if let Some(contract) = get("contract")? {
                match load_contract(&contract) {
                    Ok(contract) => builder = builder.contract(contract),
                    // A broken policy is reported before a broken contract, as the CLI
                    // and `EngineBuilder::build` report them: so build the policy (only
                    // on this path, where the engine is not built anyway).
                    Err(contract_error) => {
                        builder.build().map_err(|error| js_error(&error))?;
                        return Err(contract_error);
                    }
                }
            }
        }
        let inner = builder.build().map_err(|error| js_error(&error))?;
        Ok(JsEngine { inner })
    }

    /// Checks a request object and returns the verdict as a plain object. Never throws
    /// for a bad request: that is an ESCALATE verdict with `REQUEST_INVALID`.
    pub fn check(&self, request: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let verdict = match stringify(&request) {
            // The text is ours, not the caller's: a line:column in it would mislead, so
            // errors keep only the field.
            Ok(text) => match Request::from_json(&text) {
                Ok(request) => self.inner.check(&request),
                Err(error) => self.inner.fail_closed(&error.without_location()),
            },
            Err(why) => self.inner.fail_closed(&Error::new(
                Code::RequestInvalid,
                format!("the request is not JSON data: {why}"),
            )),
        };
        verdict_to_js(&verdict)
    }

    /// Checks a request given as JSON text and returns the verdict as JSON text: the
    /// fast path for a host that holds the raw body.
    #[wasm_bindgen(js_name = checkJson)]
    pub fn check_json(&self, request: JsValue) -> Result<String, JsValue> {
        live()?;
        let verdict = match request.as_string() {
            Some(text) => self.inner.check_json(&text),
            None => self.inner.fail_closed(&Error::new(
                Code::RequestInvalid,
                "`checkJson` takes the request as JSON text; pass objects to `check`",
            )),
        };
        Ok(verdict.to_json())
    }

    /// Validates a draft reply against the policy and a context (a check request, a
    /// reply context, or a bare `{ kb, crm, orders }`): `{ violations, redacted }`.
    /// Spans are UTF-8 byte offsets into `text` (see `utf16Span`).
    #[wasm_bindgen(js_name = validateReply)]
    pub fn validate_reply(&self, text: JsValue, context: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let text = reply_text(&text)?;
        let context = reply_context(&context)?;
        to_js(&self.inner.validate_reply(&text, &context))
    }

    /// Prepares a reply context (what `validateReply` takes) once, for validating many
    /// drafts against it: a sidebar prepares the ticket's context when it opens the
    /// ticket and validates the draft on every keystroke pause.
    #[wasm_bindgen(js_name = prepareReplyContext)]
    pub fn prepare_reply_context(
        &self,
        context: JsValue,
    ) -> Result<JsPreparedReplyContext, JsValue> {
        live()?;
        let context = reply_context(&context)?;
        Ok(JsPreparedReplyContext {
            inner: self.inner.prepare_reply_context(context),
        })
    }

    /// Masks every PII finding in `text` to its last four characters:
    /// `{ redacted, spans }`.
    pub fn redact(&self, text: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let text = text
            .as_string()
            .ok_or_else(|| option_error("text", "expected the text to redact"))?;
        to_js(&self.inner.redact(&text))
    }

    /// Screens a ticket before any model call: runbook category, handling tier, SLA,
    /// due time in business hours and the hard triggers its text fires. `ticket` is a
    /// ticket object or a request-shaped `{ ticket, now }`; `now` (RFC 3339 text or a
    /// `Date`) is when it was received and overrides the request's. Without either,
    /// throws `REQUEST_INVALID` for `now`: deskguard reads no clock.
    #[wasm_bindgen(js_name = screenTicket)]
    pub fn screen_ticket(&self, ticket: JsValue, now: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let text = object_json(&ticket, "ticket", "ticket")?;
        // The text is ours: a line:column in it would mislead, so errors keep the field.
        let (ticket, file_now) = crate::runbook::parse_ticket_json(&text)
            .map_err(|error| js_error(&error.without_location()))?;
        let now = read_now(&now)?.or(file_now).ok_or_else(|| {
            js_error(
                &Error::new(
                    Code::RequestInvalid,
                    "no time given: pass when the ticket was received (RFC 3339 text or a `Date`); deskguard reads no clock",
                )
                .in_field("now"),
            )
        })?;
        json_to_js(&self.inner.screen_ticket(&ticket, now), "screening")
    }

    /// The mode in force: `"suggest"` or `"auto"`.
    #[wasm_bindgen(getter)]
    pub fn mode(&self) -> String {
        self.inner.mode().as_str().to_string()
    }

    /// Lints a policy YAML (`kind` `"policy"`) or AgentAz contract JSON (`"contract"`)
    /// and returns every diagnostic.
    pub fn lint(text: JsValue, kind: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let text = text
            .as_string()
            .ok_or_else(|| option_error("text", "expected the document as text"))?;
        let kind = kind
            .as_string()
            .as_deref()
            .and_then(DocumentKind::from_name)
            .ok_or_else(|| option_error("kind", "expected `policy` or `contract`"))?;
        to_js(&crate::lint::lint(&text, kind))
    }
}

/// A reply context prepared by `engine.prepareReplyContext(context)`: validating a
/// draft against it does only the draft's work, with the same report as
/// `engine.validateReply(text, context)`.
///
/// It holds its own clone of the engine (an `Arc`), not a reference to the JS
/// `Engine` object: wasm-bindgen gives each exported object its own heap cell, and
/// `engine.free()` drops only that one, so a prepared context keeps working after
/// its engine is freed.
#[wasm_bindgen(js_name = PreparedReplyContext)]
pub struct JsPreparedReplyContext {
    inner: PreparedReplyContext,
}

#[wasm_bindgen(js_class = PreparedReplyContext)]
impl JsPreparedReplyContext {
    /// Validates a draft reply against the prepared context: `{ violations, redacted }`,
    /// deep-equal to `engine.validateReply(text, context)`.
    #[wasm_bindgen(js_name = validateReply)]
    pub fn validate_reply(&self, text: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let text = reply_text(&text)?;
        to_js(&self.inner.validate_reply(&text))
    }
}

/// The incident monitor (`new IncidentMonitor(config?)`): feed it events with `push`,
/// get the alerts they raise, and keep it between requests as JSON (`toJSON`,
/// `IncidentMonitor.fromJSON`). It reads no clock: its time is the events'.
#[wasm_bindgen(js_name = IncidentMonitor)]
pub struct JsIncidentMonitor {
    inner: IncidentMonitor,
}

#[wasm_bindgen(js_class = IncidentMonitor)]
impl JsIncidentMonitor {
    /// A fresh monitor. `config` has the Rust `MonitorConfig`'s snake_case fields, each
    /// optional; an unknown or out-of-range one throws `OPTION_INVALID` naming it.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<JsIncidentMonitor, JsValue> {
        live()?;
        let config = match options_json(&config, "config", "the configuration as an object")? {
            Some(text) => MonitorConfig::from_json(&text)
                .map_err(|error| js_error(&error.without_location()))?,
            None => MonitorConfig::default(),
        };
        let inner = IncidentMonitor::new(config).map_err(|error| js_error(&error))?;
        Ok(JsIncidentMonitor { inner })
    }

    /// Feeds one event (`{ type: "ticket" | "completion_rate" | "complaint" |
    /// "billing" | "users" | "impact", at, ... }`) and returns the alerts it raises.
    /// A malformed event throws `REQUEST_INVALID` naming the field, and changes
    /// nothing.
    pub fn push(&mut self, event: JsValue) -> Result<JsValue, JsValue> {
        live()?;
        let text = object_json(&event, "event", "event")?;
        let event =
            IncidentEvent::from_json(&text).map_err(|error| js_error(&error.without_location()))?;
        let alerts = self
            .inner
            .observe(&event)
            .map_err(|error| js_error(&error))?;
        json_to_js(&alerts, "alerts")
    }

    /// Feeds the ticket event for a screening (`engine.screenTicket`'s result): its
    /// category and received time, enterprise when it fired `enterprise_account`.
    #[wasm_bindgen(js_name = pushScreening)]
    pub fn push_screening(
        &mut self,
        screening: JsValue,
        customer: JsValue,
    ) -> Result<JsValue, JsValue> {
        live()?;
        let customer = customer
            .as_string()
            .ok_or_else(|| option_error("customer", "expected the customer id as text"))?;
        let text = object_json(&screening, "screening", "screening")?;
        let screening: crate::runbook::Screening =
            crate::source::from_json_object(&text, Code::RequestInvalid)
                .map_err(|error| js_error(&error.without_location()))?;
        let event = IncidentEvent::from_screening(&screening, customer);
        let alerts = self
            .inner
            .observe(&event)
            .map_err(|error| js_error(&error))?;
        json_to_js(&alerts, "alerts")
    }

    /// Whether any incident is open now.
    #[wasm_bindgen(getter, js_name = incidentOpen)]
    pub fn incident_open(&self) -> bool {
        self.inner.incident_open()
    }

    /// The whole state as a plain object, so that `JSON.stringify(monitor)` is the text
    /// to keep (the CLI's `--save-state` writes the same).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        live()?;
        json_to_js(&self.inner, "monitor state")
    }

    /// Restores a monitor from `toJSON()`'s object or its JSON text. Throws
    /// `JSON_SYNTAX` (text, with line:column), `REQUEST_INVALID` naming the field, or
    /// `OPTION_INVALID` for a saved configuration out of range.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(state: JsValue) -> Result<JsIncidentMonitor, JsValue> {
        live()?;
        let inner = if let Some(text) = state.as_string() {
            IncidentMonitor::from_json(&text)
                .map_err(|error| js_error(&error.with_origin("state")))?
        } else {
            let text = object_json(&state, "state", "state")?;
            IncidentMonitor::from_json(&text)
                .map_err(|error| js_error(&error.without_location()))?
        };
        Ok(JsIncidentMonitor { inner })
    }
}

/// Checks an external incident notice against the playbook's template and "do not"
/// rules; returns the violations (missing parts in template order, then each rule's
/// matches in text order). `options`: `{ quality_incident?, fix_time_confirmed? }`.
#[wasm_bindgen(js_name = validateNotice)]
pub fn validate_notice(text: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    live()?;
    let text = text
        .as_string()
        .ok_or_else(|| option_error("text", "expected the notice as text"))?;
    let options = match options_json(&options, "options", "the options as an object")? {
        Some(json) => crate::source::from_json_object::<NoticeOptions>(&json, Code::OptionInvalid)
            .map_err(|error| js_error(&error.without_location()))?,
        None => NoticeOptions::default(),
    };
    json_to_js(
        &crate::incident::validate_notice_with(&text, &options),
        "violations",
    )
}

/// The contract's declared trust level next to the band its structure implies.
#[wasm_bindgen(js_name = computeTier)]
pub fn compute_tier(contract: JsValue) -> Result<JsValue, JsValue> {
    live()?;
    to_js(&load_contract(&contract)?.tier())
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[derive(Serialize)]
struct CodeEntry {
    code: Code,
    description: &'static str,
}

#[derive(Serialize)]
struct TriggerEntry {
    trigger: Trigger,
    description: &'static str,
}

/// Every stable code with its one-line description, in registry order.
#[wasm_bindgen]
pub fn codes() -> Result<JsValue, JsValue> {
    let entries: Vec<CodeEntry> = Code::ALL
        .iter()
        .map(|&code| CodeEntry {
            code,
            description: code.description(),
        })
        .collect();
    to_js(&entries)
}

/// Every escalation trigger with its one-line description, in registry order.
#[wasm_bindgen]
pub fn triggers() -> Result<JsValue, JsValue> {
    let entries: Vec<TriggerEntry> = Trigger::ALL
        .iter()
        .map(|&trigger| TriggerEntry {
            trigger,
            description: trigger.description(),
        })
        .collect();
    to_js(&entries)
}

/// Converts a span of UTF-8 byte offsets (as verdicts report them) within `text` to
/// UTF-16 offsets, which is what `String.prototype.slice` counts.
#[wasm_bindgen(js_name = utf16Span)]
pub fn utf16_span(text: JsValue, span: JsValue) -> Result<JsValue, JsValue> {
    live()?;
    let text = text
        .as_string()
        .ok_or_else(|| option_error("text", "expected the field's text"))?;
    let span: Span = serde_wasm_bindgen::from_value(span)
        .map_err(|error| option_error("span", format!("expected `{{ start, end }}`: {error}")))?;
    let units = |offset: usize, name: &str| {
        text.get(..offset)
            .map(|prefix| prefix.encode_utf16().count())
            .ok_or_else(|| {
                option_error(
                    name,
                    format!("`{offset}` is not a character boundary of the text"),
                )
            })
    };
    if span.start > span.end {
        return Err(option_error("span", "the span starts after its end"));
    }
    to_js(&Span::new(
        units(span.start, "span.start")?,
        units(span.end, "span.end")?,
    ))
}

/// Panics on purpose so tests can see the hook turn a panic into a thrown `Error`.
/// Not part of the API (absent from the type declarations); it poisons the module.
#[wasm_bindgen(js_name = __panicForTest, skip_typescript)]
#[expect(clippy::panic, reason = "the panic hook's test needs a real panic")]
pub fn panic_for_test() {
    panic!("deliberate panic for the panic hook test");
}
