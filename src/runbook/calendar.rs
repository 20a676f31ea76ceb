//! The business calendar: when the support team works, and how an SLA in business
//! hours or business days becomes a due time.
//!
//! A calendar is an IANA time zone, the working weekdays, one daily opening window
//! (`09:00`–`17:00`; `24:00` closes at midnight) and a list of holidays (dates in the
//! calendar's zone). The time zone database is bundled into the crate (jiff's
//! `tzdb-bundle-always`), never read from the host: the same ticket gets the same due
//! time on every machine, in every browser, whatever the host's zoneinfo says.
//!
//! # How business time is counted
//!
//! Business time runs only inside the opening window of a working day that is not a
//! holiday. Each day's window is turned into two instants in the calendar's zone, and
//! the *real* time elapsed between them is what counts. On an ordinary day this is the
//! window's civil length; on a day where the window itself spans a DST change (a
//! 24-hour or night-shift calendar) it is one hour shorter or longer, because that is
//! how long the team actually worked. A window opening inside a DST gap opens at the
//! first instant after the gap; a window edge inside a fold takes the first of the two
//! instants (jiff's "compatible" disambiguation).
//!
//! - `business_hours: N` is `N` hours of business time.
//! - `business_days: N` is `N` times the length of the opening window (8 hours for
//!   `09:00`–`17:00`): one business day from Monday 10:00 is Tuesday 10:00.
//! - A due time that lands exactly at closing time stays at closing time (13:00 + 4
//!   business hours is 17:00 the same day, not 09:00 the next morning).
//! - A ticket received outside business hours starts its clock at the next opening.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The calendar as written in the policy (`runbook.calendar`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone name (`Europe/Berlin`, `America/New_York`, `UTC`).
    pub time_zone: String,
    /// Working weekdays (`mon` … `sun`).
    pub weekdays: Vec<WeekdayName>,
    /// The daily opening window.
    pub hours: OpeningHours,
    /// Dates (`YYYY-MM-DD`, in the calendar's zone) with no business hours.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// A weekday as written in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum WeekdayName {
    #[serde(alias = "monday")]
    Mon,
    #[serde(alias = "tuesday")]
    Tue,
    #[serde(alias = "wednesday")]
    Wed,
    #[serde(alias = "thursday")]
    Thu,
    #[serde(alias = "friday")]
    Fri,
    #[serde(alias = "saturday")]
    Sat,
    #[serde(alias = "sunday")]
    Sun,
}

impl WeekdayName {
    fn index(self) -> usize {
        match self {
            WeekdayName::Mon => 0,
            WeekdayName::Tue => 1,
            WeekdayName::Wed => 2,
            WeekdayName::Thu => 3,
            WeekdayName::Fri => 4,
            WeekdayName::Sat => 5,
            WeekdayName::Sun => 6,
        }
    }
}

/// The daily opening window, `HH:MM` local time; `end` may be `24:00`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// Opening time.
    pub start: String,
    /// Closing time, after `start`.
    pub end: String,
}

/// A service-level target, in business time. Written as a one-key map:
/// `{business_hours: 4}` or `{business_days: 1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SlaRepr", into = "SlaRepr")]
pub enum Sla {
    /// This many hours of business time.
    BusinessHours(u32),
    /// This many working days (each the length of the opening window).
    BusinessDays(u32),
}

/// The written form of an [`Sla`] (serde_yaml has no map form for enums).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_days: Option<u32>,
}

impl TryFrom<SlaRepr> for Sla {
    type Error = String;

    fn try_from(repr: SlaRepr) -> Result<Sla, String> {
        match (repr.business_hours, repr.business_days) {
            (Some(hours), None) => Ok(Sla::BusinessHours(hours)),
            (None, Some(days)) => Ok(Sla::BusinessDays(days)),
            _ => Err("an SLA is exactly one of `business_hours: N` and `business_days: N`".into()),
        }
    }
}

crate::source::read::read_struct!(
    SlaRepr,
    Deny {
        business_hours: default,
        business_days: default,
    }
);

impl crate::source::read::FromTree for Sla {
    /// `#[serde(try_from = "SlaRepr")]`: the written form, then the conversion's
    /// message as serde reports it.
    fn from_tree(node: &crate::source::tree::Node) -> Result<Sla, crate::source::tree::TreeError> {
        let repr = SlaRepr::from_tree(node)?;
        Sla::try_from(repr).map_err(serde::de::Error::custom)
    }
}

crate::source::read::read_struct!(
    CalendarConfig,
    Deny {
        time_zone: required,
        weekdays: required,
        hours: required,
        holidays: default,
    }
);

crate::source::read::read_struct!(
    OpeningHours,
    Deny {
        start: required,
        end: required,
    }
);

impl From<Sla> for SlaRepr {
    fn from(sla: Sla) -> SlaRepr {
        match sla {
            Sla::BusinessHours(hours) => SlaRepr {
                business_hours: Some(hours),
                business_days: None,
            },
            Sla::BusinessDays(days) => SlaRepr {
                business_hours: None,
                business_days: Some(days),
            },
        }
    }
}

impl Sla {
    /// The largest SLA a policy may set, in either unit: ten thousand (over four
    /// years of business days), enough for any real target and small enough that
    /// computing a due time is always quick.
    pub const MAX: u32 = 10_000;

    /// A short human form: `4 business hours`, `1 business day`.
    pub fn describe(self) -> String {
        match self {
            Sla::BusinessHours(1) => "1 business hour".into(),
            Sla::BusinessHours(n) => format!("{n} business hours"),
            Sla::BusinessDays(1) => "1 business day".into(),
            Sla::BusinessDays(n) => format!("{n} business days"),
        }
    }

    fn amount(self) -> u32 {
        match self {
            Sla::BusinessHours(n) | Sla::BusinessDays(n) => n,
        }
    }
}

/// Why a calendar could not be compiled: the field (under `runbook.calendar`) and a
/// one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CalendarError {
    pub field: &'static str,
    pub value: Option<String>,
    pub message: String,
}

/// A compiled business calendar.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: TimeZone,
    zone_name: String,
    weekdays: [bool; 7],
    open: Time,
    /// `None`: the window closes at the next midnight (`24:00`).
    close: Option<Time>,
    /// The window's civil length in seconds: one business day.
    day_seconds: i64,
    holidays: BTreeSet<Date>,
}

/// How many calendar days a due-time search may walk before giving up (about 50
/// years): with at least one working weekday and a finite holiday list this is never
/// reached for an SLA within [`Sla::MAX`] unless the holidays cover decades.
const MAX_DAYS_WALKED: usize = 366 * 50;

impl BusinessCalendar {
    /// Builds a calendar outside a policy (tests, tools).
    ///
    /// # Errors
    /// `POLICY_INVALID` naming the field (`runbook.calendar.time_zone`, ...).
    pub fn new(config: &CalendarConfig) -> crate::error::Result<BusinessCalendar> {
        BusinessCalendar::compile(config).map_err(|error| {
            crate::error::Error::new(crate::codes::Code::PolicyInvalid, error.message)
                .in_field(format!("runbook.calendar.{}", error.field))
        })
    }

    /// Compiles a calendar.
    pub(crate) fn compile(config: &CalendarConfig) -> Result<BusinessCalendar, CalendarError> {
        let zone = TimeZone::get(&config.time_zone).map_err(|_| CalendarError {
            field: "time_zone",
            value: Some(config.time_zone.clone()),
            message: format!(
                "`{}` is not an IANA time zone name such as `Europe/Berlin` or `UTC`",
                config.time_zone
            ),
        })?;
        let mut weekdays = [false; 7];
        for day in &config.weekdays {
            if let Some(slot) = weekdays.get_mut(day.index()) {
                *slot = true;
            }
        }
        if !weekdays.contains(&true) {
            return Err(CalendarError {
                field: "weekdays",
                value: None,
                message: "the calendar needs at least one working weekday".into(),
            });
        }
        let open = parse_clock(&config.hours.start, false)
            .ok_or_else(|| bad_clock("hours.start", &config.hours.start))?
            .unwrap_or(Time::midnight());
        let close = parse_clock(&config.hours.end, true)
            .ok_or_else(|| bad_clock("hours.end", &config.hours.end))?;
        let open_seconds = seconds_of(open);
        let close_seconds = close.map_or(86_400, seconds_of);
        if close_seconds <= open_seconds {
            return Err(CalendarError {
                field: "hours.end",
                value: Some(config.hours.end.clone()),
                message: format!(
                    "closing time `{}` is not after opening time `{}`",
                    config.hours.end, config.hours.start
                ),
            });
        }
        let mut holidays = BTreeSet::new();
        for holiday in &config.holidays {
            let date = parse_date(holiday).ok_or_else(|| CalendarError {
                field: "holidays",
                value: Some(holiday.clone()),
                message: format!("`{holiday}` is not a date such as `2026-12-25`"),
            })?;
            holidays.insert(date);
        }
        Ok(BusinessCalendar {
            zone,
            zone_name: config.time_zone.clone(),
            weekdays,
            open,
            close,
            day_seconds: close_seconds - open_seconds,
            holidays,
        })
    }

    /// The calendar's time zone name, as written in the policy.
    pub fn time_zone(&self) -> &str {
        &self.zone_name
    }

    /// The length of one business day, in seconds.
    pub fn business_day_seconds(&self) -> i64 {
        self.day_seconds
    }

    /// The business time an SLA allows, in seconds.
    pub fn sla_seconds(&self, sla: Sla) -> i64 {
        match sla {
            Sla::BusinessHours(hours) => i64::from(hours) * 3600,
            Sla::BusinessDays(days) => i64::from(days) * self.day_seconds,
        }
    }

    /// Whether `date` (in the calendar's zone) has business hours.
    pub fn is_business_day(&self, date: Date) -> bool {
        let weekday = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.weekdays.get(weekday).copied().unwrap_or(false) && !self.holidays.contains(&date)
    }

    /// Whether `at` falls inside business hours.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let date = self.zone.to_datetime(at).date();
        self.is_business_day(date)
            && self
                .window(date)
                .is_some_and(|(open, close)| open <= at && at < close)
    }

    /// The instants at which `date`'s opening window opens and closes.
    fn window(&self, date: Date) -> Option<(Timestamp, Timestamp)> {
        let open = self.zone.to_timestamp(date.to_datetime(self.open)).ok()?;
        let close = match self.close {
            Some(close) => self.zone.to_timestamp(date.to_datetime(close)).ok()?,
            None => self
                .zone
                .to_timestamp(date.tomorrow().ok()?.to_datetime(Time::midnight()))
                .ok()?,
        };
        Some((open, close))
    }

    /// The instant `seconds` of business time after `start`. `None` only when the
    /// answer is past the end of the representable time range, or the holidays leave
    /// no business day for decades.
    pub fn add_business_seconds(&self, start: Timestamp, seconds: i64) -> Option<Timestamp> {
        let mut remaining = seconds.max(0);
        // The window of the day before may still be open at `start` only when it ends
        // at midnight and a DST fold repeats the hour; starting one day early costs one
        // iteration and covers it.
        let mut date = self.zone.to_datetime(start).date().yesterday().ok()?;
        for _ in 0..MAX_DAYS_WALKED {
            if self.is_business_day(date) {
                if let Some((open, close)) = self.window(date) {
                    let from = open.max(start);
                    if close > from {
                        let available = close.duration_since(from).as_secs();
                        if remaining <= available {
                            return from.checked_add(SignedDuration::from_secs(remaining)).ok();
                        }
                        remaining -= available;
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The due time of `sla` for a ticket received at `received`.
    pub fn due_at(&self, received: Timestamp, sla: Sla) -> Option<Timestamp> {
        self.add_business_seconds(received, self.sla_seconds(sla))
    }

    /// Business seconds between `from` and `to` (0 when `to` is not after `from`).
    pub fn business_seconds_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0i64;
        let Ok(mut date) = self.zone.to_datetime(from).date().yesterday() else {
            return 0;
        };
        for _ in 0..MAX_DAYS_WALKED {
            if let Some((open, close)) = self
                .is_business_day(date)
                .then(|| self.window(date))
                .flatten()
            {
                if open >= to {
                    break;
                }
                let start = open.max(from);
                let end = close.min(to);
                if end > start {
                    total += end.duration_since(start).as_secs();
                }
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
            let day_start = self.zone.to_timestamp(date.to_datetime(Time::midnight()));
            if day_start.is_ok_and(|start| start >= to) {
                break;
            }
        }
        total
    }

    /// `at` in the calendar's zone, RFC 9557 (`2026-03-09T12:00:00-04:00[America/New_York]`).
    pub fn local(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.zone.clone()).to_string()
    }

    /// The calendar date of `at` in the calendar's zone.
    pub fn date_of(&self, at: Timestamp) -> Date {
        self.zone.to_datetime(at).date()
    }
}

/// Checks an SLA from the policy: positive and at most [`Sla::MAX`].
pub(crate) fn check_sla(sla: Sla) -> Result<(), String> {
    match sla.amount() {
        0 => Err("an SLA must be at least 1".into()),
        n if n > Sla::MAX => Err(format!("an SLA of `{n}` is over the limit of {}", Sla::MAX)),
        _ => Ok(()),
    }
}

fn bad_clock(field: &'static str, value: &str) -> CalendarError {
    CalendarError {
        field,
        value: Some(value.to_string()),
        message: format!("`{value}` is not a time such as `09:00`"),
    }
}

/// Parses `HH:MM`; `Some(None)` is `24:00`, accepted only when `allow_end_of_day`.
fn parse_clock(text: &str, allow_end_of_day: bool) -> Option<Option<Time>> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i8 = hours.parse().ok()?;
    let minutes: i8 = minutes.parse().ok()?;
    if hours == 24 && minutes == 0 && allow_end_of_day {
        return Some(None);
    }
    Time::new(hours, minutes, 0, 0).ok().map(Some)
}

fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    // `Date::from_str` also accepts forms with a time; a holiday is a bare date.
    if text.len() != 10 {
        return None;
    }
    text.parse().ok()
}

fn seconds_of(time: Time) -> i64 {
    i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(zone: &str, start: &str, end: &str, holidays: &[&str]) -> BusinessCalendar {
        BusinessCalendar::compile(&CalendarConfig {
            time_zone: zone.into(),
            weekdays: vec![
                WeekdayName::Mon,
                WeekdayName::Tue,
                WeekdayName::Wed,
                WeekdayName::Thu,
                WeekdayName::Fri,
            ],
            hours: OpeningHours {
                start: start.into(),
                end: end.into(),
            },
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        })
        .unwrap()
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn clock_parsing_is_strict() {
        assert_eq!(
            parse_clock("09:00", false),
            Some(Time::new(9, 0, 0, 0).ok())
        );
        assert_eq!(parse_clock("24:00", true), Some(None));
        assert_eq!(parse_clock("24:00", false), None);
        assert_eq!(parse_clock("9:00", false), None);
        assert_eq!(parse_clock("09:60", false), None);
        assert_eq!(parse_date("2026-12-25"), Date::new(2026, 12, 25).ok());
        assert_eq!(parse_date("2026-12-25T00:00"), None);
    }

    #[test]
    fn business_seconds_between_counts_only_open_hours() {
        let cal = calendar("UTC", "09:00", "17:00", &["2026-06-03"]);
        // Monday 16:00 to Thursday 10:00, Wednesday a holiday: 1 + 8 + 1 hours.
        let seconds =
            cal.business_seconds_between(ts("2026-06-01T16:00:00Z"), ts("2026-06-04T10:00:00Z"));
        assert_eq!(seconds, 10 * 3600);
        assert_eq!(
            cal.business_seconds_between(ts("2026-06-04T10:00:00Z"), ts("2026-06-01T10:00:00Z")),
            0
        );
        // It is the inverse of add_business_seconds.
        let start = ts("2026-06-05T15:30:00Z");
        let due = cal.add_business_seconds(start, 7 * 3600).unwrap();
        assert_eq!(cal.business_seconds_between(start, due), 7 * 3600);
    }

    #[test]
    fn closing_before_opening_is_rejected() {
        let config = CalendarConfig {
            time_zone: "UTC".into(),
            weekdays: vec![WeekdayName::Mon],
            hours: OpeningHours {
                start: "17:00".into(),
                end: "09:00".into(),
            },
            holidays: vec![],
        };
        let error = BusinessCalendar::compile(&config).unwrap_err();
        assert_eq!(error.field, "hours.end");
        assert_eq!(
            error.message,
            "closing time `09:00` is not after opening time `17:00`"
        );
    }
}
