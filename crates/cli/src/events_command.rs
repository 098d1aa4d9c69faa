//! `functory events generate KIND [--for FN]`: a sample event of any trigger kind, built from
//! a function's trigger when one is named.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Subcommand};
use functory_api::Project;
use functory_formats::events::{EventInput, EventKind, generate, trigger_kind};

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    pub command: EventsCommand,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print a sample event of KIND as JSON.
    Generate {
        /// The event shape.
        #[arg(value_parser = kinds())]
        kind: String,
        /// Build it from this function's trigger of the matching kind in functory.toml.
        #[arg(long = "for", value_name = "FUNCTION")]
        function: Option<String>,
        /// The project folder (default: the current folder).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(
        EventKind::ALL.map(|k| PossibleValue::new(k.name()).help(k.description())),
    )
}

pub fn run(args: EventsArgs) -> ExitCode {
    let EventsCommand::Generate {
        kind,
        function,
        dir,
    } = args.command;
    let Some(kind) = EventKind::from_name(&kind) else {
        eprintln!("functory: error: unknown event kind `{kind}`");
        return ExitCode::FAILURE;
    };
    let input = match function {
        None => EventInput::new("example"),
        Some(name) => match input_for(kind, &name, dir.unwrap_or_else(|| PathBuf::from("."))) {
            Ok(input) => input,
            Err(message) => {
                eprintln!("functory: error: {message}");
                return ExitCode::FAILURE;
            }
        },
    };
    crate::print_json(&generate(kind, &input));
    ExitCode::SUCCESS
}

fn input_for(kind: EventKind, name: &str, dir: PathBuf) -> Result<EventInput, String> {
    let project = Project::open(&dir).map_err(|e| e.to_string())?;
    let manifest_path = project.manifest_path();
    let parsed = project.parse().map_err(|e| e.to_string())?;
    let Some(manifest) = parsed.manifest else {
        let first = parsed
            .diagnostics
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(format!(
            "{} cannot be read: {first}",
            manifest_path.display()
        ));
    };
    let Some(function) = manifest.functions.iter().find(|f| f.name == name) else {
        return Err(format!(
            "no function `{name}` in {}",
            manifest_path.display()
        ));
    };
    let Some(wanted) = kind.trigger_kind() else {
        return Err(format!(
            "a {} event is not built from a trigger (functory.toml has none for its source): leave out --for",
            kind.name()
        ));
    };
    let Some(trigger) = function.triggers.iter().find(|t| trigger_kind(t) == wanted) else {
        let kinds: Vec<&str> = function.triggers.iter().map(trigger_kind).collect();
        return Err(format!(
            "function `{name}` has no `{wanted}` trigger to build a {} event from (its triggers: {})",
            kind.name(),
            if kinds.is_empty() {
                "none".to_owned()
            } else {
                kinds.join(", ")
            }
        ));
    };
    Ok(EventInput::from_trigger(name, trigger))
}
