//! Schedule expressions, the one reader of them in Functory.
//!
//! A schedule trigger holds an EventBridge expression: `rate(5 minutes)` or a six-field
//! `cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, ranges, lists,
//! steps, month and weekday names, and `L`, `W` and `#`. [`ScheduleExpression::parse`] reads it
//! into a syntax tree that every caller uses: `functory check` and the trigger designer validate
//! with it, the local runtime evaluates fire times with [`Schedule`], and the Azure and Google
//! adapters render it as NCRONTAB and unix cron ([`ScheduleExpression::to_unix_cron`],
//! [`ScheduleExpression::to_ncrontab`]), refusing what their dialect cannot say rather than
//! firing at other times.
//!
//! The rules are EventBridge's (Amazon EventBridge Scheduler, "Schedule types"): one of the two
//! day fields must be `?` and the other not; a rate's unit is singular for 1 and plural above;
//! weekdays count 1 (Sunday) to 7; years run 1970–2199.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Why an expression is not a schedule, naming the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule `{expression}`: {message}")]
pub struct ScheduleError {
    pub expression: String,
    pub message: String,
}

/// The unit of a `rate(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    Minute,
    Hour,
    Day,
}

impl RateUnit {
    fn minutes(self) -> u64 {
        match self {
            RateUnit::Minute => 1,
            RateUnit::Hour => 60,
            RateUnit::Day => 24 * 60,
        }
    }
}

/// One comma-separated item of a cron field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CronItem {
    /// `5`, `5-10`, `*/15`, `5/15` or `5-50/15`, in the field's own numbering (names resolved).
    Range {
        start: u32,
        end: u32,
        step: u32,
        form: RangeForm,
    },
    /// `L`: the last day of the month (day-of-month), Saturday (day-of-week).
    Last,
    /// `LW`: the last weekday of the month (day-of-month only).
    LastWeekday,
    /// `15W`: the weekday nearest the 15th, within the month (day-of-month only).
    NearestWeekday(u32),
    /// `6L`: the last Friday of the month (day-of-week only).
    LastOf(u32),
    /// `3#2`: the second Tuesday of the month (day-of-week only).
    Nth { weekday: u32, nth: u32 },
}

/// How a range item was written, so a rendering keeps its shape (`*/10` stays `*/10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeForm {
    /// `5`
    Single,
    /// `5-10` or `5-10/2`
    Span,
    /// `*/15`
    EveryStep,
    /// `5/15`: from 5 to the field's end.
    FromStep,
}

/// One field of a cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CronField {
    /// `*`
    Every,
    /// `?` (one of the two day fields)
    Unspecified,
    Items(Vec<CronItem>),
}

/// A six-field EventBridge cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpression {
    pub minutes: CronField,
    pub hours: CronField,
    pub day_of_month: CronField,
    pub month: CronField,
    pub day_of_week: CronField,
    pub year: CronField,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleKind {
    Rate { value: u32, unit: RateUnit },
    Cron(Box<CronExpression>),
}

/// A parsed EventBridge schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleExpression {
    text: String,
    kind: ScheduleKind,
}

/// A rendering in another cron dialect, with what the person should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronRendering {
    pub expression: String,
    pub notes: Vec<String>,
}

#[derive(Clone, Copy)]
struct FieldSpec {
    label: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const MINUTES: FieldSpec = FieldSpec {
    label: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: FieldSpec = FieldSpec {
    label: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    label: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: FieldSpec = FieldSpec {
    label: "month",
    min: 1,
    max: 12,
    names: &MONTH_NAMES,
};
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    label: "day of week",
    min: 1,
    max: 7,
    names: &WEEKDAY_NAMES,
};
const YEAR: FieldSpec = FieldSpec {
    label: "year",
    min: 1970,
    max: 2199,
    names: &[],
};

impl ScheduleExpression {
    /// Reads `rate(...)` or `cron(...)`; the error says what is wrong and how to write it.
    pub fn parse(expression: &str) -> Result<ScheduleExpression, ScheduleError> {
        let fail = |message: String| ScheduleError {
            expression: expression.to_owned(),
            message,
        };
        let text = expression.trim();
        let kind = if let Some(inner) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')'))
        {
            let (value, unit) = parse_rate(inner).map_err(fail)?;
            ScheduleKind::Rate { value, unit }
        } else if let Some(inner) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
            ScheduleKind::Cron(Box::new(parse_cron(inner).map_err(fail)?))
        } else {
            return Err(fail(
                "must be `rate(value unit)` or `cron(fields)`, like `rate(5 minutes)` or `cron(0 12 * * ? *)`"
                    .to_owned(),
            ));
        };
        Ok(ScheduleExpression {
            text: text.to_owned(),
            kind,
        })
    }

    /// The expression as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> &ScheduleKind {
        &self.kind
    }

    /// The period of a rate, in minutes; `None` for a cron expression.
    pub fn rate_minutes(&self) -> Option<u64> {
        match &self.kind {
            ScheduleKind::Rate { value, unit } => Some(u64::from(*value) * unit.minutes()),
            ScheduleKind::Cron(_) => None,
        }
    }

    /// The five-field unix cron (`minute hour day-of-month month day-of-week`, weekdays 0–6
    /// from Sunday) that Google Cloud Scheduler takes, or why there is none.
    pub fn to_unix_cron(&self) -> Result<CronRendering, String> {
        self.render("unix cron")
    }

    /// The six-field NCRONTAB (`second minute hour day month day-of-week`) of Azure timer
    /// triggers, or why there is none.
    pub fn to_ncrontab(&self) -> Result<CronRendering, String> {
        self.render("NCRONTAB").map(|unix| CronRendering {
            expression: format!("0 {}", unix.expression),
            notes: unix.notes,
        })
    }

    fn render(&self, dialect: &str) -> Result<CronRendering, String> {
        match &self.kind {
            ScheduleKind::Rate { value, unit } => {
                let minutes = u64::from(*value) * unit.minutes();
                let expression = rate_as_cron(minutes)
                    .ok_or_else(|| format!("no exact {dialect} form: {}", rate_gap(minutes)))?;
                Ok(CronRendering {
                    expression,
                    notes: vec![format!(
                        "{} runs on the clock's marks (on the hour, at midnight UTC), not counted from the deploy as EventBridge counts a rate",
                        self.text
                    )],
                })
            }
            ScheduleKind::Cron(cron) => {
                if cron.year != CronField::Every {
                    return Err(format!(
                        "{dialect} has no year field; use `*` for the year and remove the schedule when it is done"
                    ));
                }
                let fields = [
                    (&cron.minutes, MINUTES, 0),
                    (&cron.hours, HOURS, 0),
                    (&cron.day_of_month, DAY_OF_MONTH, 0),
                    (&cron.month, MONTH, 0),
                    // EventBridge counts weekdays 1 (Sunday) to 7; unix cron 0 to 6.
                    (&cron.day_of_week, DAY_OF_WEEK, 1),
                ];
                let mut out = Vec::with_capacity(5);
                for (field, spec, shift) in fields {
                    out.push(render_field(field, spec, shift, dialect)?);
                }
                Ok(CronRendering {
                    expression: out.join(" "),
                    notes: Vec::new(),
                })
            }
        }
    }
}

impl fmt::Display for ScheduleExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A period in minutes as a cron that fires on the same marks, when one exists.
fn rate_as_cron(minutes: u64) -> Option<String> {
    const DAY: u64 = 24 * 60;
    Some(match minutes {
        1 => "* * * * *".to_owned(),
        m if m < 60 && 60_u64.is_multiple_of(m) => format!("*/{m} * * * *"),
        60 => "0 * * * *".to_owned(),
        m if m.is_multiple_of(60) && m < DAY && DAY.is_multiple_of(m) => {
            format!("0 */{} * * *", m / 60)
        }
        DAY => "0 0 * * *".to_owned(),
        _ => return None,
    })
}

/// Why a period has no cron form: a cron step restarts every hour, day or month.
fn rate_gap(minutes: u64) -> String {
    const DAY: u64 = 24 * 60;
    if minutes < 60 {
        format!(
            "every {minutes} minutes does not divide an hour evenly (a minute step restarts every hour); use a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) or a cron(...) expression"
        )
    } else if minutes < DAY {
        format!(
            "every {minutes} minutes does not divide a day into whole hours evenly (an hour step restarts every day); use hours that divide 24 (1, 2, 3, 4, 6, 8, 12) or a cron(...) expression"
        )
    } else {
        format!(
            "every {} days does not divide months evenly (a day step restarts every month); use `rate(1 day)` or a cron(...) expression with the days you want",
            minutes / DAY
        )
    }
}

fn render_field(
    field: &CronField,
    spec: FieldSpec,
    shift: u32,
    dialect: &str,
) -> Result<String, String> {
    let items = match field {
        CronField::Every | CronField::Unspecified => return Ok("*".to_owned()),
        CronField::Items(items) => items,
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let special = match item {
            CronItem::Range {
                start,
                end,
                step,
                form,
            } => {
                let (start, end) = (start - shift, end - shift);
                out.push(match form {
                    RangeForm::Single => start.to_string(),
                    RangeForm::Span if *step == 1 => format!("{start}-{end}"),
                    RangeForm::Span => format!("{start}-{end}/{step}"),
                    RangeForm::EveryStep => format!("*/{step}"),
                    // `5/15` is "from 5, every 15": spelled out as a range.
                    RangeForm::FromStep => format!("{start}-{}/{step}", spec.max - shift),
                });
                continue;
            }
            CronItem::Last => "`L` (last)",
            CronItem::LastWeekday => "`LW` (last weekday)",
            CronItem::NearestWeekday(_) => "`W` (nearest weekday)",
            CronItem::LastOf(_) => "`L` (last weekday of the month)",
            CronItem::Nth { .. } => "`#` (nth weekday of the month)",
        };
        return Err(format!(
            "{dialect} has no {special} in the {} field; list the days instead",
            spec.label
        ));
    }
    Ok(out.join(","))
}

fn parse_rate(inner: &str) -> Result<(u32, RateUnit), String> {
    let mut words = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err("a rate is `rate(value unit)`, like `rate(5 minutes)`".to_owned());
    };
    let value: u32 = value
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{value}` is not a positive whole number"))?;
    let (kind, singular) = match unit {
        "minute" => (RateUnit::Minute, true),
        "minutes" => (RateUnit::Minute, false),
        "hour" => (RateUnit::Hour, true),
        "hours" => (RateUnit::Hour, false),
        "day" => (RateUnit::Day, true),
        "days" => (RateUnit::Day, false),
        other => {
            return Err(format!(
                "unknown unit `{other}`; use minutes, hours or days"
            ));
        }
    };
    if (value == 1) != singular {
        let stem = unit.trim_end_matches('s');
        return Err(if value == 1 {
            format!("write `rate(1 {stem})` for a value of 1")
        } else {
            format!("write `rate({value} {stem}s)` for a value above 1")
        });
    }
    Ok((value, kind))
}

fn parse_cron(inner: &str) -> Result<CronExpression, String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minutes, hours, dom, month, dow, year] = fields.as_slice() else {
        return Err(format!(
            "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has {}",
            fields.len()
        ));
    };
    let (day_of_month, day_of_week) = match (*dom, *dow) {
        ("?", "?") => return Err("only one of day-of-month and day-of-week may be `?`".to_owned()),
        ("?", dow) => (CronField::Unspecified, parse_day_of_week(dow)?),
        (dom, "?") => (parse_day_of_month(dom)?, CronField::Unspecified),
        _ => {
            return Err(
                "one of day-of-month and day-of-week must be `?` (EventBridge cannot use both)"
                    .to_owned(),
            );
        }
    };
    Ok(CronExpression {
        minutes: parse_plain_field(minutes, MINUTES)?,
        hours: parse_plain_field(hours, HOURS)?,
        day_of_month,
        month: parse_plain_field(month, MONTH)?,
        day_of_week,
        year: parse_plain_field(year, YEAR)?,
    })
}

fn parse_plain_field(text: &str, spec: FieldSpec) -> Result<CronField, String> {
    if text == "*" {
        return Ok(CronField::Every);
    }
    if text == "?" {
        return Err(format!(
            "`?` is only for the day-of-month or day-of-week field, not the {}",
            spec.label
        ));
    }
    text.split(',')
        .map(|item| parse_range(item, spec))
        .collect::<Result<Vec<_>, _>>()
        .map(CronField::Items)
}

/// `5`, `5-10`, `*/15`, `5/15`, `5-50/15`, names included.
fn parse_range(item: &str, spec: FieldSpec) -> Result<CronItem, String> {
    let value = |text: &str| -> Result<u32, String> {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = spec.names.iter().position(|n| *n == upper) {
            return Ok(i as u32 + spec.min);
        }
        text.parse::<u32>()
            .ok()
            .filter(|v| (spec.min..=spec.max).contains(v))
            .ok_or_else(|| {
                let names = match spec.names.first().zip(spec.names.last()) {
                    Some((first, last)) => format!(" or {first}-{last}"),
                    None => String::new(),
                };
                format!(
                    "{} `{text}` is not between {} and {}{names}",
                    spec.label, spec.min, spec.max
                )
            })
    };
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => {
            let step: u32 =
                step.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("{} step `{step}` is not a positive number", spec.label)
                })?;
            (range, Some(step))
        }
        None => (item, None),
    };
    let (start, end, form) = if range == "*" {
        (spec.min, spec.max, RangeForm::EveryStep)
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (value(a)?, value(b)?);
        if a > b {
            return Err(format!(
                "{} range `{range}` runs backwards; split it in two (`{b}-{}` and `{}-{a}`)",
                spec.label, spec.max, spec.min
            ));
        }
        (a, b, RangeForm::Span)
    } else {
        let a = value(range)?;
        match step {
            Some(_) => (a, spec.max, RangeForm::FromStep),
            None => (a, a, RangeForm::Single),
        }
    };
    if range == "*" && step.is_none() {
        // A bare `*` inside a list (`*,5`) is every value.
        return Ok(CronItem::Range {
            start,
            end,
            step: 1,
            form: RangeForm::Span,
        });
    }
    Ok(CronItem::Range {
        start,
        end,
        step: step.unwrap_or(1),
        form,
    })
}

fn parse_day_of_month(text: &str) -> Result<CronField, String> {
    if text == "*" {
        return Ok(CronField::Every);
    }
    let mut items = Vec::new();
    for item in text.split(',') {
        items.push(match item {
            "L" => CronItem::Last,
            "LW" => CronItem::LastWeekday,
            _ if item.ends_with('W') => {
                let day: u32 = item[..item.len() - 1]
                    .parse()
                    .ok()
                    .filter(|d| (1..=31).contains(d))
                    .ok_or_else(|| format!("`{item}` needs a day 1-31 before W"))?;
                CronItem::NearestWeekday(day)
            }
            _ => parse_range(item, DAY_OF_MONTH)?,
        });
    }
    Ok(CronField::Items(items))
}

fn parse_day_of_week(text: &str) -> Result<CronField, String> {
    if text == "*" {
        return Ok(CronField::Every);
    }
    let weekday = |text: &str| -> Result<u32, String> {
        match parse_range(text, DAY_OF_WEEK)? {
            CronItem::Range {
                start,
                form: RangeForm::Single,
                ..
            } => Ok(start),
            _ => Err(format!("day of week `{text}` is not 1-7 or SUN-SAT")),
        }
    };
    let mut items = Vec::new();
    for item in text.split(',') {
        items.push(if let Some((day, k)) = item.split_once('#') {
            let nth: u32 = k
                .parse()
                .ok()
                .filter(|k| (1..=5).contains(k))
                .ok_or_else(|| format!("`{item}`: the number after # must be 1-5"))?;
            CronItem::Nth {
                weekday: weekday(day)?,
                nth,
            }
        } else if item == "L" {
            CronItem::Last
        } else if let Some(day) = item.strip_suffix('L') {
            CronItem::LastOf(weekday(day)?)
        } else {
            parse_range(item, DAY_OF_WEEK)?
        });
    }
    Ok(CronField::Items(items))
}

// ---- evaluation -------------------------------------------------------------------------------

/// A schedule with its time zone, ready to say when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    expression: ScheduleExpression,
    timezone: Tz,
    matcher: Option<CronMatcher>,
}

/// A cron expression as bit sets, for evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CronMatcher {
    minutes: u64,
    hours: u32,
    months: u16,
    day_of_month: Option<Vec<CronItem>>,
    day_of_week: Option<Vec<CronItem>>,
    years: Option<Vec<CronItem>>,
}

impl Schedule {
    /// Parses the expression; `timezone` is an IANA name (UTC when `None`).
    pub fn parse(expression: &str, timezone: Option<&str>) -> Result<Schedule, ScheduleError> {
        let parsed = ScheduleExpression::parse(expression)?;
        let timezone = match timezone {
            None => Tz::UTC,
            Some(name) => parse_timezone(name).map_err(|message| ScheduleError {
                expression: expression.to_owned(),
                message,
            })?,
        };
        Ok(Schedule::new(parsed, timezone))
    }

    fn new(expression: ScheduleExpression, timezone: Tz) -> Schedule {
        let matcher = match &expression.kind {
            ScheduleKind::Rate { .. } => None,
            ScheduleKind::Cron(cron) => Some(CronMatcher::new(cron)),
        };
        Schedule {
            expression,
            timezone,
            matcher,
        }
    }

    pub fn expression(&self) -> &ScheduleExpression {
        &self.expression
    }

    pub fn timezone(&self) -> &str {
        self.timezone.name()
    }

    /// The first fire time strictly after `after`. A rate schedule counts from `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.matcher {
            None => {
                let minutes = self.expression.rate_minutes()?;
                let period = chrono::Duration::try_minutes(i64::try_from(minutes).ok()?)?;
                Some(after + period)
            }
            Some(matcher) => matcher.next_after(after, self.timezone),
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

/// An IANA time zone name, or why it is not one.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| format!("unknown time zone `{name}`: use an IANA name such as Europe/Paris"))
}

fn bits(field: &CronField, spec: FieldSpec) -> u64 {
    match field {
        CronField::Every | CronField::Unspecified => {
            (spec.min..=spec.max).fold(0, |set, v| set | 1 << v)
        }
        CronField::Items(items) => items.iter().fold(0, |set, item| match item {
            CronItem::Range {
                start, end, step, ..
            } => (*start..=*end)
                .step_by(*step as usize)
                .fold(set, |set, v| set | 1 << v),
            _ => set,
        }),
    }
}

fn items_of(field: &CronField) -> Option<Vec<CronItem>> {
    match field {
        CronField::Every => Some(Vec::new()),
        CronField::Unspecified => None,
        CronField::Items(items) => Some(items.clone()),
    }
}

impl CronMatcher {
    fn new(cron: &CronExpression) -> CronMatcher {
        CronMatcher {
            minutes: bits(&cron.minutes, MINUTES),
            hours: bits(&cron.hours, HOURS) as u32,
            months: bits(&cron.month, MONTH) as u16,
            day_of_month: items_of(&cron.day_of_month),
            day_of_week: items_of(&cron.day_of_week),
            years: match &cron.year {
                CronField::Items(items) => Some(items.clone()),
                _ => None,
            },
        }
    }

    fn year_matches(&self, year: i32) -> bool {
        let Some(items) = &self.years else {
            return true;
        };
        let Ok(year) = u32::try_from(year) else {
            return false;
        };
        items.iter().any(|item| match item {
            CronItem::Range {
                start, end, step, ..
            } => year >= *start && year <= *end && (year - start).is_multiple_of(*step),
            _ => false,
        })
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        let (year, month, day) = (date.year(), date.month(), date.day());
        let last = days_in_month(year, month);
        let in_range = |item: &CronItem, value: u32| match item {
            CronItem::Range {
                start, end, step, ..
            } => value >= *start && value <= *end && (value - start).is_multiple_of(*step),
            _ => false,
        };
        if let Some(items) = &self.day_of_month {
            return items.is_empty()
                || items.iter().any(|item| match item {
                    CronItem::Last => day == last,
                    CronItem::LastWeekday => nearest_weekday(year, month, last) == Some(day),
                    CronItem::NearestWeekday(n) => nearest_weekday(year, month, *n) == Some(day),
                    item => in_range(item, day),
                });
        }
        let Some(items) = &self.day_of_week else {
            return false;
        };
        let weekday = cron_weekday(date);
        items.is_empty()
            || items.iter().any(|item| match item {
                // Alone, `L` in day-of-week is the last day of the week: Saturday.
                CronItem::Last => weekday == 7,
                CronItem::LastOf(d) => *d == weekday && day + 7 > last,
                CronItem::Nth { weekday: d, nth } => *d == weekday && (day - 1) / 7 + 1 == *nth,
                item => in_range(item, weekday),
            })
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
                && self.day_matches(date)
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

/// 1 = Sunday … 7 = Saturday, as EventBridge counts.
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
        // LW: the last weekday of August 2024 (the 31st is a Saturday) is Friday the 30th.
        assert_eq!(
            preview("cron(0 9 LW 8 ? 2024)", None, "2024-08-01T00:00:00Z", 1),
            ["2024-08-30T09:00Z"]
        );
        // Second Tuesday (3#2), the last Friday (6L), and a lone L (Saturday).
        assert_eq!(
            preview("cron(30 8 ? * 3#2 *)", None, "2024-01-01T00:00:00Z", 2),
            ["2024-01-09T08:30Z", "2024-02-13T08:30Z"]
        );
        assert_eq!(
            preview("cron(0 18 ? * 6L *)", None, "2024-01-01T00:00:00Z", 2),
            ["2024-01-26T18:00Z", "2024-02-23T18:00Z"]
        );
        assert_eq!(
            preview("cron(0 18 ? * L *)", None, "2024-01-01T00:00:00Z", 1),
            ["2024-01-06T18:00Z"]
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
        assert_eq!(
            preview("cron(0 0 1 1 ? 2024/2)", None, "2024-06-01T00:00:00Z", 1),
            ["2026-01-01T00:00Z"]
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
        assert_eq!(
            ScheduleExpression::parse("rate(1 hour)")
                .unwrap()
                .rate_minutes(),
            Some(60)
        );
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
            ("cron(? 12 * * ? *)", None, "only for the day"),
            ("cron(0 12 * * ? 1969)", None, "year `1969`"),
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

    fn unix(expression: &str) -> Result<String, String> {
        ScheduleExpression::parse(expression)
            .map_err(|e| e.to_string())?
            .to_unix_cron()
            .map(|r| r.expression)
    }

    #[test]
    fn unix_cron_and_ncrontab_renderings() {
        let table = [
            ("rate(1 minute)", "* * * * *"),
            ("rate(5 minutes)", "*/5 * * * *"),
            ("rate(30 minutes)", "*/30 * * * *"),
            ("rate(60 minutes)", "0 * * * *"),
            ("rate(120 minutes)", "0 */2 * * *"),
            ("rate(1 hour)", "0 * * * *"),
            ("rate(6 hours)", "0 */6 * * *"),
            ("rate(24 hours)", "0 0 * * *"),
            ("rate(1 day)", "0 0 * * *"),
            ("cron(0 12 * * ? *)", "0 12 * * *"),
            ("cron(0/15 * * * ? *)", "0-59/15 * * * *"),
            ("cron(*/10 8-17 ? * MON-FRI *)", "*/10 8-17 * * 1-5"),
            ("cron(0 9 ? * 2,4,6 *)", "0 9 * * 1,3,5"),
            ("cron(0 9 ? * SUN *)", "0 9 * * 0"),
            ("cron(0 9 ? * 7 *)", "0 9 * * 6"),
            ("cron(30 2 1 JAN,JUL ? *)", "30 2 1 1,7 *"),
            ("cron(0 0 1-15/2 * ? *)", "0 0 1-15/2 * *"),
            ("cron(5 4 ? * 1/2 *)", "5 4 * * 0-6/2"),
        ];
        for (input, expected) in table {
            assert_eq!(unix(input), Ok(expected.to_owned()), "{input}");
            let ncrontab = ScheduleExpression::parse(input)
                .unwrap()
                .to_ncrontab()
                .unwrap()
                .expression;
            assert_eq!(ncrontab, format!("0 {expected}"), "{input}");
        }
    }

    #[test]
    fn what_a_cron_dialect_cannot_say_is_refused_with_the_reason() {
        for (input, reason) in [
            ("rate(7 minutes)", "does not divide an hour evenly"),
            ("rate(5 hours)", "does not divide a day"),
            ("rate(90 minutes)", "does not divide a day"),
            ("rate(2 days)", "does not divide months evenly"),
            ("cron(0 12 L * ? *)", "no `L` (last)"),
            ("cron(0 12 15W * ? *)", "`W` (nearest weekday)"),
            ("cron(0 12 LW * ? *)", "`LW`"),
            ("cron(0 12 ? * 6#3 *)", "`#` (nth weekday"),
            ("cron(0 12 ? * 6L *)", "last weekday of the month"),
            ("cron(0 12 * * ? 2030)", "no year field"),
        ] {
            let error = unix(input).expect_err(input);
            assert!(error.contains(reason), "{input}: {error}");
            let ncrontab = ScheduleExpression::parse(input).unwrap().to_ncrontab();
            assert!(ncrontab.unwrap_err().contains("NCRONTAB"), "{input}");
        }
        let note = &ScheduleExpression::parse("rate(15 minutes)")
            .unwrap()
            .to_unix_cron()
            .unwrap()
            .notes[0];
        assert!(note.contains("on the clock"), "{note}");
    }

    /// The disagreement issue 22 names: `cron(0 12 * * * *)` passed `functory check`, was
    /// refused by `functory run` and accepted by the Google adapter. With one reader, every
    /// caller refuses it for the same reason.
    #[test]
    fn both_day_fields_set_is_refused_before_any_rendering() {
        let error = ScheduleExpression::parse("cron(0 12 * * * *)").unwrap_err();
        assert!(error.message.contains("must be `?`"), "{error}");
    }
}
