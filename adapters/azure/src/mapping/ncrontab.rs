//! EventBridge schedule expressions as Azure timer triggers' six-field NCRONTAB
//! (`{second} {minute} {hour} {day} {month} {day-of-week}`).
//!
//! EventBridge: `rate(5 minutes)`, or `cron(Minutes Hours Day-of-month Month Day-of-week Year)`
//! with days of the week 1–7 from Sunday, `?` in one of the two day fields, and `L`, `W` and
//! `#`. NCRONTAB has a seconds field, days of the week 0–6 from Sunday, no year, and none of
//! `L`, `W`, `#` or `?`. What has no exact NCRONTAB form is an error that says why, never a
//! schedule that fires at other times.

/// A converted schedule and what the person should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ncrontab {
    pub expression: String,
    pub notes: Vec<String>,
}

/// Converts an EventBridge expression; the error says what cannot be expressed.
pub fn to_ncrontab(expression: &str) -> Result<Ncrontab, String> {
    let text = expression.trim();
    if let Some(inner) = text.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return rate(inner.trim());
    }
    if let Some(inner) = text.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return cron(inner.trim());
    }
    Err(format!("`{text}` is neither `rate(…)` nor `cron(…)`"))
}

fn rate(inner: &str) -> Result<Ncrontab, String> {
    let mut parts = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("`rate({inner})` is not `rate(<number> <unit>)`"));
    };
    let n: u32 = value
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`rate({inner})`: `{value}` is not a positive whole number"))?;
    let note = "EventBridge counts a rate from when the rule was created; Azure runs it on the clock (on the hour, at midnight UTC)".to_owned();
    let expression = match unit.trim_end_matches('s') {
        "minute" if n == 1 => "0 * * * * *".to_owned(),
        "minute" if 60_u32.is_multiple_of(n) => format!("0 */{n} * * * *"),
        "minute" if n.is_multiple_of(60) && 24_u32.is_multiple_of(n / 60) => hours(n / 60),
        "minute" => {
            return Err(format!(
                "`rate({inner})` has no exact NCRONTAB form: a minute step restarts every hour, so it must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) or be whole hours dividing a day; write a cron(…) expression instead"
            ));
        }
        "hour" if 24_u32.is_multiple_of(n) => hours(n),
        "hour" => {
            return Err(format!(
                "`rate({inner})` has no exact NCRONTAB form: an hour step restarts every day, so it must divide 24 (1, 2, 3, 4, 6, 8, 12, 24); write a cron(…) expression instead"
            ));
        }
        "day" if n == 1 => "0 0 0 * * *".to_owned(),
        "day" => {
            return Err(format!(
                "`rate({inner})` has no exact NCRONTAB form: a day step restarts every month; use `rate(1 day)` or a cron(…) expression with the days you want"
            ));
        }
        _ => {
            return Err(format!(
                "`rate({inner})`: the unit is minute(s), hour(s) or day(s)"
            ));
        }
    };
    Ok(Ncrontab {
        expression,
        notes: vec![note],
    })
}

fn hours(n: u32) -> String {
    match n {
        1 => "0 0 * * * *".to_owned(),
        24 => "0 0 0 * * *".to_owned(),
        n => format!("0 0 */{n} * * *"),
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field's range and names, EventBridge's numbering.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

fn cron(inner: &str) -> Result<Ncrontab, String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minutes, hours, day, month, weekday, year] = fields[..] else {
        return Err(format!(
            "`cron({inner})` has {} fields; EventBridge's cron has six: minutes hours day-of-month month day-of-week year",
            fields.len()
        ));
    };
    let minutes = convert(
        minutes,
        &Field {
            name: "minutes",
            min: 0,
            max: 59,
            names: &[],
        },
        0,
    )?;
    let hours = convert(
        hours,
        &Field {
            name: "hours",
            min: 0,
            max: 23,
            names: &[],
        },
        0,
    )?;
    if day.contains('L') || day.contains('W') {
        return Err(format!(
            "day-of-month `{day}`: NCRONTAB has no `L` (last day) or `W` (nearest weekday); list the days instead"
        ));
    }
    if weekday.contains('L') || weekday.contains('#') {
        return Err(format!(
            "day-of-week `{weekday}`: NCRONTAB has no `L` (last) or `#` (nth weekday of the month)"
        ));
    }
    if day != "?" && weekday != "?" {
        return Err(format!(
            "`cron({inner})`: EventBridge needs `?` in day-of-month or day-of-week"
        ));
    }
    let day = convert(
        day,
        &Field {
            name: "day-of-month",
            min: 1,
            max: 31,
            names: &[],
        },
        0,
    )?;
    let month = convert(
        month,
        &Field {
            name: "month",
            min: 1,
            max: 12,
            names: &MONTHS,
        },
        0,
    )?;
    // EventBridge counts the week from 1 (Sunday), NCRONTAB from 0.
    let weekday = convert(
        weekday,
        &Field {
            name: "day-of-week",
            min: 1,
            max: 7,
            names: &DAYS,
        },
        1,
    )?;
    if year != "*" {
        return Err(format!(
            "year `{year}`: NCRONTAB has no year field; use `*` and remove the schedule when it is done"
        ));
    }
    Ok(Ncrontab {
        expression: format!("0 {minutes} {hours} {day} {month} {weekday}"),
        notes: Vec::new(),
    })
}

/// One field, item by item; `shift` is subtracted from every value (day-of-week numbering).
fn convert(text: &str, field: &Field, shift: u32) -> Result<String, String> {
    if text == "?" || text == "*" {
        return Ok("*".to_owned());
    }
    text.split(',')
        .map(|item| convert_item(item, field, shift))
        .collect::<Result<Vec<_>, _>>()
        .map(|items| items.join(","))
}

fn convert_item(item: &str, field: &Field, shift: u32) -> Result<String, String> {
    let bad = |why: &str| format!("{} `{item}`: {why}", field.name);
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => {
            let step: u32 = step
                .parse()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| bad("the step after `/` is not a positive number"))?;
            (range, Some(step))
        }
        None => (item, None),
    };
    let range = if range == "*" {
        "*".to_owned()
    } else if let Some((from, to)) = range.split_once('-') {
        let (from, to) = (
            value(from, field).map_err(|w| bad(&w))?,
            value(to, field).map_err(|w| bad(&w))?,
        );
        if from > to {
            return Err(bad(
                "a range that wraps around cannot be written in NCRONTAB; split it in two",
            ));
        }
        format!("{}-{}", from - shift, to - shift)
    } else {
        let start = value(range, field).map_err(|w| bad(&w))?;
        match step {
            // EventBridge's `5/15` is "from 5, every 15"; NCRONTAB wants the range spelled out.
            Some(_) => format!("{}-{}", start - shift, field.max - shift),
            None => (start - shift).to_string(),
        }
    };
    Ok(match step {
        Some(step) => format!("{range}/{step}"),
        None => range,
    })
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(index) = field.names.iter().position(|n| *n == upper) {
        return Ok(field.min + u32::try_from(index).unwrap_or(0));
    }
    let n: u32 = text.parse().map_err(|_| {
        format!(
            "`{text}` is not a number{}",
            if field.names.is_empty() {
                ""
            } else {
                " or a name"
            }
        )
    })?;
    if n < field.min || n > field.max {
        return Err(format!("{n} is outside {}–{}", field.min, field.max));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_table() {
        let table = [
            ("rate(1 minute)", "0 * * * * *"),
            ("rate(5 minutes)", "0 */5 * * * *"),
            ("rate(30 minutes)", "0 */30 * * * *"),
            ("rate(120 minutes)", "0 0 */2 * * *"),
            ("rate(1 hour)", "0 0 * * * *"),
            ("rate(6 hours)", "0 0 */6 * * *"),
            ("rate(24 hours)", "0 0 0 * * *"),
            ("rate(1 day)", "0 0 0 * * *"),
            ("cron(0 12 * * ? *)", "0 0 12 * * *"),
            ("cron(15 10 ? * 6L 2002-2005)", "ERR"),
            ("cron(0/15 * * * ? *)", "0 0-59/15 * * * *"),
            ("cron(*/10 8-17 ? * MON-FRI *)", "0 */10 8-17 * * 1-5"),
            ("cron(0 9 ? * 2,4,6 *)", "0 0 9 * * 1,3,5"),
            ("cron(0 9 ? * SUN *)", "0 0 9 * * 0"),
            ("cron(0 9 ? * 7 *)", "0 0 9 * * 6"),
            ("cron(30 2 1 JAN,JUL ? *)", "0 30 2 1 1,7 *"),
            ("cron(0 0 1-15/2 * ? *)", "0 0 0 1-15/2 * *"),
            ("cron(5 4 ? * 1/2 *)", "0 5 4 * * 0-6/2"),
        ];
        for (input, expected) in table {
            let got = to_ncrontab(input);
            if expected == "ERR" {
                assert!(got.is_err(), "{input} should not convert: {got:?}");
            } else {
                assert_eq!(
                    got.map(|n| n.expression),
                    Ok(expected.to_owned()),
                    "{input}"
                );
            }
        }
    }

    #[test]
    fn what_ncrontab_cannot_say_is_refused_with_the_reason() {
        let cases = [
            ("rate(7 minutes)", "must divide 60"),
            ("rate(5 hours)", "must divide 24"),
            ("rate(2 days)", "restarts every month"),
            ("rate(5 weeks)", "minute(s), hour(s) or day(s)"),
            ("rate(0 minutes)", "positive whole number"),
            ("cron(0 12 L * ? *)", "no `L` (last day)"),
            ("cron(0 12 15W * ? *)", "`W` (nearest weekday)"),
            ("cron(0 12 ? * 6#3 *)", "`#` (nth weekday"),
            ("cron(0 12 ? * 6L *)", "no `L` (last)"),
            ("cron(0 12 * * ? 2030)", "no year field"),
            ("cron(0 12 * * * *)", "needs `?`"),
            ("cron(0 12 * *)", "has 4 fields"),
            ("cron(61 12 * * ? *)", "61 is outside 0–59"),
            ("cron(0 12 ? * FRI-MON *)", "wraps around"),
            ("every day", "neither"),
        ];
        for (input, reason) in cases {
            let error = to_ncrontab(input).expect_err(input);
            assert!(error.contains(reason), "{input}: {error}");
        }
    }

    #[test]
    fn rates_say_they_run_on_the_clock() {
        let converted = to_ncrontab("rate(15 minutes)").unwrap();
        assert!(converted.notes[0].contains("on the clock"));
    }
}
