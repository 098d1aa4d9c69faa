//! `functory checkpoint` and `functory history`: the project's git history from the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use functory_api::git_history::TimelineEntry;
use functory_api::{ApiError, Project};

use crate::print_json;

#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// What this checkpoint is about.
    #[arg(short, long)]
    message: String,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this function's commits and deploys.
    function: Option<String>,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn checkpoint(args: CheckpointArgs) -> Result<ExitCode, ApiError> {
    let project = Project::open(args.dir.unwrap_or_else(|| PathBuf::from(".")))?;
    let checkpoint = project.checkpoint(&args.message)?;
    if checkpoint.created {
        outln!("checkpoint {} created", &checkpoint.commit[..10]);
    } else {
        outln!(
            "nothing changed since {}; no checkpoint made",
            &checkpoint.commit[..10]
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn history(args: HistoryArgs) -> Result<ExitCode, ApiError> {
    let project = Project::open(args.dir.unwrap_or_else(|| PathBuf::from(".")))?;
    let timeline = project.timeline(args.function.as_deref())?;
    if args.json {
        print_json(&timeline);
        return Ok(ExitCode::SUCCESS);
    }
    if timeline.is_empty() {
        outln!("no history yet: make a first checkpoint with `functory checkpoint -m MESSAGE`");
    }
    for entry in timeline {
        match entry {
            TimelineEntry::Commit {
                commit,
                summary,
                author,
                time,
                files,
            } => {
                outln!(
                    "{}  {}  {summary}  ({author})  {}",
                    utc(time),
                    &commit[..10],
                    files.join(", ")
                );
            }
            TimelineEntry::Deploy(record) => outln!(
                "{}  deploy {} to {} as version {} by {} (commit {})",
                utc(record.deployed_at),
                record.function,
                record.target,
                record.cloud_version,
                record.who,
                &record.commit[..10.min(record.commit.len())]
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM-DD HH:MM` in UTC, from seconds since the Unix epoch.
fn utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3_600,
        rest % 3_600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00");
        assert_eq!(super::utc(1_704_276_000), "2024-01-03 10:00");
        assert_eq!(super::utc(951_825_600), "2000-02-29 12:00");
    }
}
