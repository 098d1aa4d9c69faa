//! Schedules as EventBridge writes them: `rate(5 minutes)` and six-field `cron(min hour
//! day-of-month month day-of-week year)` with `*`, `?`, ranges, lists, steps, `L`, `W` and
//! `#`, evaluated in a time zone; the next fire times; and the scheduled-event JSON.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule `{expression}`: {message}")]
pub struct ScheduleError {
    pub expression: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DayRule {
    /// Day-of-month items: plain days as a bit set, plus `L`, `LW` and `nW`.
    Month {
        days: u32,
        last: bool,
        last_weekday: bool,
        nearest_weekday: Vec<u32>,
    },
    /// Day-of-week items (1 = Sunday … 7 = Saturday): a bit set, `nL` (last n-day of the
    /// month) and `n#k` (k-th n-day of the month).
    Week {
        days: u8,
        last_of: Vec<u32>,
        nth: Vec<(u32, u32)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cron {
    minutes: u64,
    hours: u32,
    day: DayRule,
    months: u16,
    /// `None` is every year.
    years: Option<Vec<(i32, i32, i32)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Rate(Duration),
    Cron(Box<Cron>),
}

/// A parsed schedule with its time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    expression: String,
    kind: Kind,
    timezone: Tz,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Schedule {
    /// Parses `rate(...)` or `cron(...)`; `timezone` is an IANA name (UTC when `None`).
    pub fn parse(expression: &str, timezone: Option<&str>) -> Result<Schedule, ScheduleError> {
        let fail = |message: String| ScheduleError {
            expression: expression.to_owned(),
            message,
        };
        let timezone = match timezone {
            None => Tz::UTC,
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| fail(format!("unknown time zone `{name}`")))?,
        };
        let text = expression.trim();
        let kind = if let Some(inner) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')'))
        {
            Kind::Rate(parse_rate(inner).map_err(fail)?)
        } else if let Some(inner) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
            Kind::Cron(Box::new(parse_cron(inner).map_err(fail)?))
        } else {
            return Err(fail(
                "must be `rate(value unit)` or `cron(fields)`".to_owned(),
            ));
        };
        Ok(Schedule {
            expression: text.to_owned(),
            kind,
            timezone,
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    pub fn timezone(&self) -> &str {
        self.timezone.name()
    }

    /// The first fire time strictly after `after`. A rate schedule counts from `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.kind {
            Kind::Rate(period) => chrono::Duration::from_std(*period)
                .ok()
                .map(|period| after + period),
            Kind::Cron(cron) => cron.next_after(after, self.timezone),
        }
    }

    /// The next `count` fire times after `after`.
    pub fn preview(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let mut times = Vec::with_capacity(count);
        let mut cursor = after;
        while times.len() < count {
            let Some(next) = self.next_after(cursor) else {
                break;
            };
            times.push(next);
            cursor = next;
        }
        times
    }
}

fn parse_rate(inner: &str) -> Result<Duration, String> {
    let mut words = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err("a rate is `rate(value unit)`, like `rate(5 minutes)`".to_owned());
    };
    let value: u64 = value
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{value}` is not a positive whole number"))?;
    let seconds = match unit {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        other => {
            return Err(format!(
                "unknown unit `{other}`; use minutes, hours or days"
            ));
        }
    };
    let singular = !unit.ends_with('s');
    if (value == 1) != singular {
        return Err(if value == 1 {
            format!(
                "write `rate(1 {unit_one})` for a value of 1",
                unit_one = unit.trim_end_matches('s')
            )
        } else {
            format!("write `rate({value} {unit}s)` for a value above 1")
        });
    }
    Ok(Duration::from_secs(value * seconds))
}

/// Parses a list of numbers, names, ranges and steps into a bit set within `min..=max`.
fn parse_set(field: &str, what: &str, min: u32, max: u32, names: &[&str]) -> Result<u64, String> {
    let value = |text: &str| -> Result<u32, String> {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(i as u32 + min);
        }
        text.parse::<u32>()
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(|| format!("{what} `{text}` is not between {min} and {max}"))
    };
    let mut set = 0u64;
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{what} step `{step}` is not a positive number"))?;
                (range, step)
            }
            None => (item, 1),
        };
        let (start, end) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(format!("{what} range `{range}` runs backwards"));
            }
            (a, b)
        } else {
            let a = value(range)?;
            (a, if item.contains('/') { max } else { a })
        };
        let mut v = start;
        while v <= end {
            set |= 1 << v;
            v += step;
        }
    }
    Ok(set)
}

fn parse_cron(inner: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minutes, hours, dom, months, dow, years] = fields.as_slice() else {
        return Err(format!(
            "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has {}",
            fields.len()
        ));
    };
    let day = match (*dom, *dow) {
        ("?", "?") => return Err("only one of day-of-month and day-of-week may be `?`".to_owned()),
        ("?", dow) => parse_week(dow)?,
        (dom, "?") => parse_month_days(dom)?,
        _ => {
            return Err(
                "one of day-of-month and day-of-week must be `?` (EventBridge cannot use both)"
                    .to_owned(),
            );
        }
    };
    let years = if *years == "*" {
        None
    } else {
        let mut ranges = Vec::new();
        for item in years.split(',') {
            let (range, step) = item.split_once('/').unwrap_or((item, "1"));
            let step: i32 = step
                .parse()
                .ok()
                .filter(|s| *s > 0)
                .ok_or("bad year step")?;
            let year = |t: &str| {
                t.parse::<i32>()
                    .ok()
                    .filter(|y| (1970..=2199).contains(y))
                    .ok_or_else(|| format!("year `{t}` is not between 1970 and 2199"))
            };
            let (a, b) = match range.split_once('-') {
                Some((a, b)) => (year(a)?, year(b)?),
                None if range == "*" => (1970, 2199),
                None if item.contains('/') => (year(range)?, 2199),
                None => (year(range)?, year(range)?),
            };
            ranges.push((a, b, step));
        }
        Some(ranges)
    };
    Ok(Cron {
        minutes: parse_set(minutes, "minute", 0, 59, &[])?,
        hours: parse_set(hours, "hour", 0, 23, &[])? as u32,
        day,
        months: parse_set(months, "month", 1, 12, &MONTHS)? as u16,
        years,
    })
}

fn parse_month_days(field: &str) -> Result<DayRule, String> {
    let mut days = 0u32;
    let mut last = false;
    let mut last_weekday = false;
    let mut nearest_weekday = Vec::new();
    for item in field.split(',') {
        match item {
            "L" => last = true,
            "LW" => last_weekday = true,
            _ if item.ends_with('W') => {
                let day: u32 = item[..item.len() - 1]
                    .parse()
                    .ok()
                    .filter(|d| (1..=31).contains(d))
                    .ok_or_else(|| format!("`{item}` needs a day 1-31 before W"))?;
                nearest_weekday.push(day);
            }
            _ => days |= parse_set(item, "day of month", 1, 31, &[])? as u32,
        }
    }
    Ok(DayRule::Month {
        days,
        last,
        last_weekday,
        nearest_weekday,
    })
}

fn parse_week(field: &str) -> Result<DayRule, String> {
    let weekday = |text: &str| -> Result<u32, String> {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = WEEKDAYS.iter().position(|n| *n == upper) {
            return Ok(i as u32 + 1);
        }
        text.parse::<u32>()
            .ok()
            .filter(|d| (1..=7).contains(d))
            .ok_or_else(|| format!("day of week `{text}` is not 1-7 or SUN-SAT"))
    };
    let mut days = 0u8;
    let mut last_of = Vec::new();
    let mut nth = Vec::new();
    for item in field.split(',') {
        if let Some((day, k)) = item.split_once('#') {
            let k: u32 = k
                .parse()
                .ok()
                .filter(|k| (1..=5).contains(k))
                .ok_or_else(|| format!("`{item}`: the number after # must be 1-5"))?;
            nth.push((weekday(day)?, k));
        } else if item == "L" {
            // Alone, L in day-of-week means the last day of the week: Saturday.
            days |= 1 << 7;
        } else if let Some(day) = item.strip_suffix('L') {
            last_of.push(weekday(day)?);
        } else {
            days |= parse_set(item, "day of week", 1, 7, &WEEKDAYS)? as u8;
        }
    }
    Ok(DayRule::Week { days, last_of, nth })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt())
        .map(|d| d.day())
        .unwrap_or(28)
}

/// 1 = Sunday … 7 = Saturday, as cron counts.
fn cron_weekday(date: NaiveDate) -> u32 {
    date.weekday().num_days_from_sunday() + 1
}

fn nearest_weekday(year: i32, month: u32, day: u32) -> Option<u32> {
    let last = days_in_month(year, month);
    let day = day.min(last);
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    Some(match cron_weekday(date) {
        7 if day == 1 => 3,          // Saturday the 1st: Monday the 3rd
        7 => day - 1,                // Saturday: Friday
        1 if day == last => day - 2, // Sunday the last: Friday
        1 => day + 1,                // Sunday: Monday
        _ => day,
    })
}

impl DayRule {
    fn matches(&self, date: NaiveDate) -> bool {
        let (year, month, day) = (date.year(), date.month(), date.day());
        let last = days_in_month(year, month);
        match self {
            DayRule::Month {
                days,
                last: on_last,
                last_weekday,
                nearest_weekday: nearest,
            } => {
                days & (1 << day) != 0
                    || (*on_last && day == last)
                    || (*last_weekday && nearest_weekday(year, month, last) == Some(day))
                    || nearest
                        .iter()
                        .any(|n| nearest_weekday(year, month, *n) == Some(day))
            }
            DayRule::Week { days, last_of, nth } => {
                let weekday = cron_weekday(date);
                // Bit 7 set by a lone `L` is Saturday, the same bit as 7.
                days & (1 << weekday) != 0
                    || (last_of.contains(&weekday) && day + 7 > last)
                    || nth
                        .iter()
                        .any(|(d, k)| *d == weekday && (day - 1) / 7 + 1 == *k)
            }
        }
    }
}

impl Cron {
    fn year_matches(&self, year: i32) -> bool {
        match &self.years {
            None => true,
            Some(ranges) => ranges
                .iter()
                .any(|(a, b, step)| year >= *a && year <= *b && (year - a) % step == 0),
        }
    }

    fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz);
        let mut date = local.date_naive();
        // Five years of days is enough for any satisfiable expression (Feb 29, 5th weekdays).
        for _ in 0..(366 * 5 + 2) {
            if date.year() > 2199 {
                return None;
            }
            if self.year_matches(date.year())
                && self.months & (1 << date.month()) != 0
                && self.day.matches(date)
            {
                for hour in (0..24).filter(|h| self.hours & (1 << h) != 0) {
                    for minute in (0..60).filter(|m| self.minutes & (1 << m) != 0) {
                        let Some(naive) = date.and_hms_opt(hour, minute, 0) else {
                            continue;
                        };
                        // In a daylight-saving gap the time does not exist: skip it.
                        let Some(at) = tz.from_local_datetime(&naive).earliest() else {
                            continue;
                        };
                        let at = at.with_timezone(&Utc);
                        if at > after {
                            return Some(at);
                        }
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }
}

/// The event EventBridge sends for a scheduled rule (the shape is functory-formats', the one
/// samples use too), with a fresh id.
pub fn scheduled_event(rule_arn: &str, region: &str, account: &str, at: DateTime<Utc>) -> Value {
    let at = at.with_nanosecond(0).unwrap_or(at);
    let id = uuid::Uuid::new_v4().to_string();
    functory_formats::events::scheduled_event(rule_arn, region, account, at, &id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn preview(expression: &str, tz: Option<&str>, from: &str, n: usize) -> Vec<String> {
        Schedule::parse(expression, tz)
            .unwrap()
            .preview(utc(from), n)
            .iter()
            .map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect()
    }

    #[test]
    fn every_fifteen_minutes_on_weekdays() {
        assert_eq!(
            preview(
                "cron(0/15 * ? * MON-FRI *)",
                None,
                "2024-03-08T23:50:00Z",
                3
            ),
            [
                "2024-03-11T00:00Z",
                "2024-03-11T00:15Z",
                "2024-03-11T00:30Z"
            ]
        );
    }

    #[test]
    fn last_day_nearest_weekday_and_nth_weekday() {
        // Last day of each month at 12:00.
        assert_eq!(
            preview("cron(0 12 L * ? *)", None, "2024-01-31T13:00:00Z", 2),
            ["2024-02-29T12:00Z", "2024-03-31T12:00Z"]
        );
        // 15W: June 15 2024 is a Saturday, so Friday the 14th.
        assert_eq!(
            preview("cron(0 9 15W * ? 2024)", None, "2024-06-01T00:00:00Z", 1),
            ["2024-06-14T09:00Z"]
        );
        // 1W when the 1st is a Saturday: Monday the 3rd (June 2024).
        assert_eq!(
            preview("cron(0 9 1W 6 ? 2024)", None, "2024-05-01T00:00:00Z", 1),
            ["2024-06-03T09:00Z"]
        );
        // Second Tuesday (3#2), and the last Friday (6L).
        assert_eq!(
            preview("cron(30 8 ? * 3#2 *)", None, "2024-01-01T00:00:00Z", 2),
            ["2024-01-09T08:30Z", "2024-02-13T08:30Z"]
        );
        assert_eq!(
            preview("cron(0 18 ? * 6L *)", None, "2024-01-01T00:00:00Z", 2),
            ["2024-01-26T18:00Z", "2024-02-23T18:00Z"]
        );
    }

    #[test]
    fn lists_ranges_years_and_names() {
        assert_eq!(
            preview(
                "cron(0 8,17 1-2 JAN,JUL ? 2025-2026)",
                None,
                "2024-06-01T00:00:00Z",
                5
            ),
            [
                "2025-01-01T08:00Z",
                "2025-01-01T17:00Z",
                "2025-01-02T08:00Z",
                "2025-01-02T17:00Z",
                "2025-07-01T08:00Z"
            ]
        );
        assert!(
            Schedule::parse("cron(0 0 1 1 ? 2020)", None)
                .unwrap()
                .next_after(utc("2024-01-01T00:00:00Z"))
                .is_none()
        );
    }

    #[test]
    fn time_zones_and_daylight_saving() {
        // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
        assert_eq!(
            preview(
                "cron(0 9 * * ? *)",
                Some("America/New_York"),
                "2024-03-09T15:00:00Z",
                2
            ),
            ["2024-03-10T13:00Z", "2024-03-11T13:00Z"]
        );
        // 02:30 does not exist on 2024-03-10 in New York: that day is skipped.
        assert_eq!(
            preview(
                "cron(30 2 * * ? *)",
                Some("America/New_York"),
                "2024-03-09T12:00:00Z",
                2
            ),
            ["2024-03-11T06:30Z", "2024-03-12T06:30Z"]
        );
    }

    #[test]
    fn rates_count_from_the_start() {
        assert_eq!(
            preview("rate(5 minutes)", None, "2024-01-01T00:00:00Z", 2),
            ["2024-01-01T00:05Z", "2024-01-01T00:10Z"]
        );
        assert!(Schedule::parse("rate(1 hour)", None).is_ok());
    }

    #[test]
    fn invalid_expressions_say_what_is_wrong() {
        for (expression, tz, needle) in [
            ("cron(0 12 * * * *)", None, "must be `?`"),
            ("cron(0 12 ? * ? *)", None, "only one"),
            ("cron(0 12 * *)", None, "6 fields"),
            ("cron(61 12 * * ? *)", None, "minute `61`"),
            ("cron(0 12 ? * 9 *)", None, "day of week `9`"),
            ("cron(0 12 ? * 2#6 *)", None, "1-5"),
            ("cron(0 5-2 * * ? *)", None, "backwards"),
            ("rate(1 minutes)", None, "rate(1 minute)"),
            ("rate(5 minute)", None, "rate(5 minutes)"),
            ("rate(0 minutes)", None, "positive"),
            ("rate(5 weeks)", None, "unknown unit"),
            ("every day", None, "must be"),
            (
                "cron(0 9 * * ? *)",
                Some("Mars/Olympus"),
                "unknown time zone",
            ),
        ] {
            let error = Schedule::parse(expression, tz).unwrap_err();
            assert!(error.to_string().contains(needle), "{expression}: {error}");
        }
    }

    #[test]
    fn the_event_has_eventbridges_shape() {
        let event = scheduled_event(
            "arn:x",
            "us-east-1",
            "123456789012",
            utc("2024-01-01T00:00:00Z"),
        );
        assert_eq!(event["detail-type"], "Scheduled Event");
        assert_eq!(event["source"], "aws.events");
        assert_eq!(event["time"], "2024-01-01T00:00:00Z");
        assert_eq!(event["resources"][0], "arn:x");
    }
}
