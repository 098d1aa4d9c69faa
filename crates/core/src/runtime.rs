//! Runtimes and their lifecycles: the one reader of `data/runtimes.toml`, the dated catalogue
//! of every runtime AWS Lambda, Azure Functions and Google Cloud Run functions list (identifier,
//! deprecation, block-create and block-update dates, source page, snapshot date; checked by
//! `scripts/runtime-catalogue/check.py`). It is embedded and parsed once.
//!
//! A function declares its runtime as AWS Lambda names it ([`Runtime`]): the Node.js, Python
//! and OS-only runtimes of the catalogue's AWS rows, deprecated ones included (they still run,
//! and LMB004 says what to do about them). Other clouds' runtimes are found through the same
//! family and version ([`Catalogue::equivalent`]). Everything that asks whether a runtime
//! exists, whether it is deprecated, whether a cloud still creates or updates functions on it,
//! or what replaces it, asks this module; nothing else keeps a list of runtimes.
//!
//! The catalogue knows dates, not today: callers pass the day they judge on ([`today`] for the
//! real one), so tests can judge on a fixed day.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

const CATALOGUE_TOML: &str = include_str!("../data/runtimes.toml");

/// How far ahead of a deprecation the linter starts warning.
pub const DEPRECATION_NOTICE_DAYS: i64 = 180;

/// The families Functory runs. The catalogue also lists Java, .NET, Ruby and Go runtimes, for
/// the linter's sake (templates of other tools use them), but a function cannot declare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RuntimeFamily {
    Node,
    Python,
    /// A custom runtime: an executable `bootstrap` implementing the Lambda Runtime API.
    Provided,
}

impl RuntimeFamily {
    /// The catalogue's name of the family.
    pub fn catalogue_name(self) -> &'static str {
        match self {
            RuntimeFamily::Node => "nodejs",
            RuntimeFamily::Python => "python",
            RuntimeFamily::Provided => "provided",
        }
    }

    fn from_catalogue(name: &str) -> Option<Self> {
        match name {
            "nodejs" => Some(RuntimeFamily::Node),
            "python" => Some(RuntimeFamily::Python),
            "provided" => Some(RuntimeFamily::Provided),
            _ => None,
        }
    }

    /// How people name the language: `Node.js`, `Python`, `OS-only`.
    pub fn language(self) -> &'static str {
        match self {
            RuntimeFamily::Node => "Node.js",
            RuntimeFamily::Python => "Python",
            RuntimeFamily::Provided => "OS-only",
        }
    }
}

/// The clouds whose runtime lifecycles the catalogue keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Azure,
    Google,
}

impl Cloud {
    pub fn label(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS Lambda",
            Cloud::Azure => "Azure Functions",
            Cloud::Google => "Cloud Run functions",
        }
    }
}

/// What a deploy does to a function in the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
}

/// One row of the catalogue: a cloud's runtime and its dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeLifecycle {
    pub cloud: Cloud,
    /// The cloud's identifier: `nodejs24.x`, `Node|24`, `nodejs24`.
    pub id: String,
    /// `nodejs`, `python`, `provided`, `java`, `dotnet`, `ruby` or `go`.
    pub family: String,
    /// `24`, `3.14`, `al2023`: entries of a family compare by it.
    pub version: String,
    /// End of support: no more patches.
    pub deprecation: Option<NaiveDate>,
    /// From this day the cloud refuses to create functions on the runtime.
    pub block_create: Option<NaiveDate>,
    /// From this day it refuses to update them too.
    pub block_update: Option<NaiveDate>,
    /// The replacement, where the family has none of its own (`go1.x` → `provided.al2023`).
    pub successor: Option<String>,
    /// The page the dates come from, and the day it was read.
    pub source: String,
    pub snapshot: NaiveDate,
    pub note: Option<String>,
}

impl RuntimeLifecycle {
    /// Past its end of support on `on`.
    pub fn is_deprecated(&self, on: NaiveDate) -> bool {
        self.deprecation.is_some_and(|d| on >= d)
    }

    /// The day from which the cloud refuses `change`, if that day has come by `on`.
    pub fn blocked(&self, change: Change, on: NaiveDate) -> Option<NaiveDate> {
        match change {
            Change::Create => self.block_create,
            Change::Update => self.block_update,
        }
        .filter(|day| on >= *day)
    }

    /// Days until the deprecation, when it is still ahead of `on`.
    pub fn days_to_deprecation(&self, on: NaiveDate) -> Option<i64> {
        self.deprecation
            .map(|d| (d - on).num_days())
            .filter(|days| *days > 0)
    }

    /// The version as numbers, for ordering a family: `3.14` → [3, 14], `al2023` → [2023].
    fn version_key(&self) -> Vec<u32> {
        self.version
            .split('.')
            .map(|part| {
                part.chars()
                    .filter(char::is_ascii_digit)
                    .fold(0u32, |n, c| {
                        n.saturating_mul(10)
                            .saturating_add(c.to_digit(10).unwrap_or(0))
                    })
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    runtime: Vec<RawLifecycle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLifecycle {
    cloud: Cloud,
    id: String,
    family: String,
    version: String,
    deprecation: Option<toml::value::Datetime>,
    block_create: Option<toml::value::Datetime>,
    block_update: Option<toml::value::Datetime>,
    successor: Option<String>,
    source: String,
    snapshot: toml::value::Datetime,
    note: Option<String>,
}

fn date(value: &toml::value::Datetime, what: &str, id: &str) -> Result<NaiveDate, String> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                .ok_or_else(|| format!("{id}: {what} {value} is not a day"))
        }
        _ => Err(format!("{id}: {what} {value} is not a plain date")),
    }
}

/// The runtime lifecycles of every cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    entries: Vec<RuntimeLifecycle>,
}

/// The embedded catalogue, parsed on first use.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        Catalogue::parse(CATALOGUE_TOML)
            .unwrap_or_else(|error| panic!("the embedded runtime catalogue is invalid: {error}"))
    })
}

/// The day to judge lifecycles on: today, in UTC.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut entries: Vec<RuntimeLifecycle> = Vec::with_capacity(raw.runtime.len());
        for r in raw.runtime {
            let optional = |value: &Option<toml::value::Datetime>, what: &str| {
                value.as_ref().map(|v| date(v, what, &r.id)).transpose()
            };
            let entry = RuntimeLifecycle {
                deprecation: optional(&r.deprecation, "deprecation")?,
                block_create: optional(&r.block_create, "block_create")?,
                block_update: optional(&r.block_update, "block_update")?,
                snapshot: date(&r.snapshot, "snapshot", &r.id)?,
                cloud: r.cloud,
                id: r.id,
                family: r.family,
                version: r.version,
                successor: r.successor,
                source: r.source,
                note: r.note,
            };
            if let (Some(create), Some(update)) = (entry.block_create, entry.block_update)
                && create > update
            {
                return Err(format!(
                    "{}: blocks creates ({create}) after updates ({update})",
                    entry.id
                ));
            }
            if entries
                .iter()
                .any(|e| e.cloud == entry.cloud && e.id == entry.id)
            {
                return Err(format!(
                    "{} is listed twice for {:?}",
                    entry.id, entry.cloud
                ));
            }
            if entries.iter().any(|e| {
                e.cloud == entry.cloud && e.family == entry.family && e.version == entry.version
            }) {
                return Err(format!(
                    "{}: another {:?} runtime has family {} and version {}",
                    entry.id, entry.cloud, entry.family, entry.version
                ));
            }
            entries.push(entry);
        }
        Ok(Catalogue { entries })
    }

    pub fn entries(&self) -> &[RuntimeLifecycle] {
        &self.entries
    }

    /// The row of `cloud`'s runtime `id`.
    pub fn lookup(&self, cloud: Cloud, id: &str) -> Option<&RuntimeLifecycle> {
        self.entries.iter().find(|e| e.cloud == cloud && e.id == id)
    }

    fn family<'a, 'f>(
        &'a self,
        cloud: Cloud,
        family: &'f str,
    ) -> impl Iterator<Item = &'a RuntimeLifecycle> + use<'a, 'f> {
        self.entries
            .iter()
            .filter(move |e| e.cloud == cloud && e.family == family)
    }

    /// The newest runtime of a family on `cloud`, whatever its dates.
    pub fn newest(&self, cloud: Cloud, family: &str) -> Option<&RuntimeLifecycle> {
        self.family(cloud, family).max_by_key(|e| e.version_key())
    }

    /// The newest runtime of a family that is not deprecated on `on` (the newest at all when
    /// every one is).
    pub fn newest_supported(
        &self,
        cloud: Cloud,
        family: &str,
        on: NaiveDate,
    ) -> Option<&RuntimeLifecycle> {
        self.family(cloud, family)
            .filter(|e| !e.is_deprecated(on))
            .max_by_key(|e| e.version_key())
            .or_else(|| self.newest(cloud, family))
    }

    /// What to move a function on `entry` to on `on`: the family's newest supported runtime
    /// (or the row's own successor when the family has none). `None` when `entry` is that one.
    pub fn successor(&self, entry: &RuntimeLifecycle, on: NaiveDate) -> Option<&RuntimeLifecycle> {
        let named = entry
            .successor
            .as_deref()
            .and_then(|id| self.lookup(entry.cloud, id));
        named
            .or_else(|| self.newest_supported(entry.cloud, &entry.family, on))
            .filter(|next| next.id != entry.id)
    }

    /// `cloud`'s runtime of the same family and version as `entry` (another cloud's row).
    pub fn equivalent(&self, cloud: Cloud, entry: &RuntimeLifecycle) -> Option<&RuntimeLifecycle> {
        self.entries
            .iter()
            .find(|e| e.cloud == cloud && e.family == entry.family && e.version == entry.version)
    }

    /// The family's runtimes on `cloud` that are not deprecated on `on`, newest first.
    pub fn supported(&self, cloud: Cloud, family: &str, on: NaiveDate) -> Vec<&RuntimeLifecycle> {
        let mut rows: Vec<&RuntimeLifecycle> = self
            .family(cloud, family)
            .filter(|e| !e.is_deprecated(on))
            .collect();
        rows.sort_by_key(|e| std::cmp::Reverse(e.version_key()));
        rows
    }
}

/// A runtime a function can declare: an AWS Lambda Node.js, Python or OS-only runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    pub name: &'static str,
    pub family: RuntimeFamily,
    /// The language version: `24`, `3.14`, `al2023`.
    pub version: &'static str,
    lifecycle: &'static RuntimeLifecycle,
}

impl Runtime {
    fn from_entry(entry: &'static RuntimeLifecycle) -> Option<Runtime> {
        (entry.cloud == Cloud::Aws)
            .then(|| RuntimeFamily::from_catalogue(&entry.family))
            .flatten()
            .map(|family| Runtime {
                name: &entry.id,
                family,
                version: &entry.version,
                lifecycle: entry,
            })
    }

    /// Every runtime a function can declare, deprecated ones included.
    pub fn all() -> impl Iterator<Item = Runtime> {
        catalogue().entries.iter().filter_map(Runtime::from_entry)
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::all().map(|r| r.name)
    }

    /// The runtimes not deprecated on `on`, newest first within each family.
    pub fn supported(on: NaiveDate) -> Vec<Runtime> {
        [
            RuntimeFamily::Node,
            RuntimeFamily::Python,
            RuntimeFamily::Provided,
        ]
        .into_iter()
        .flat_map(|family| catalogue().supported(Cloud::Aws, family.catalogue_name(), on))
        .filter_map(Runtime::from_entry)
        .collect()
    }

    /// The newest runtime of a family, for new functions.
    pub fn newest(family: RuntimeFamily) -> Runtime {
        catalogue()
            .newest(Cloud::Aws, family.catalogue_name())
            .and_then(Runtime::from_entry)
            .unwrap_or_else(|| panic!("the runtime catalogue has no {family:?} runtime"))
    }

    /// Its row in the catalogue (AWS Lambda's dates).
    pub fn lifecycle(self) -> &'static RuntimeLifecycle {
        self.lifecycle
    }

    /// `Node.js 24`, `Python 3.14`, `OS-only al2023`.
    pub fn label(self) -> String {
        format!("{} {}", self.family.language(), self.version)
    }

    /// The runtime to suggest for an unknown name on `on`, for "did you mean": the closest
    /// known name, unless that one is deprecated, in which case the newest supported runtime
    /// of its family. Never a retired runtime.
    pub fn suggest(unknown: &str, on: NaiveDate) -> Option<&'static str> {
        let unknown = unknown.to_ascii_lowercase();
        let closest = Self::all()
            .map(|runtime| (edit_distance(&unknown, runtime.name), runtime))
            .filter(|(distance, _)| *distance <= 3)
            // Among equally close names, the newest.
            .min_by_key(|(distance, runtime)| {
                (
                    *distance,
                    std::cmp::Reverse(runtime.lifecycle.version_key()),
                )
            })
            .map(|(_, runtime)| runtime)?;
        if !closest.lifecycle.is_deprecated(on) {
            return Some(closest.name);
        }
        catalogue()
            .newest_supported(Cloud::Aws, &closest.lifecycle.family, on)
            .and_then(Runtime::from_entry)
            .filter(|r| !r.lifecycle.is_deprecated(on))
            .map(|r| r.name)
    }

    /// The file extensions that can hold a handler module, in the order the runtime looks.
    pub fn handler_extensions(self) -> &'static [&'static str] {
        match self.family {
            RuntimeFamily::Node => &["js", "mjs", "cjs"],
            RuntimeFamily::Python => &["py"],
            RuntimeFamily::Provided => &[],
        }
    }
}

impl FromStr for Runtime {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        catalogue()
            .lookup(Cloud::Aws, s)
            .and_then(Runtime::from_entry)
            .ok_or(())
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Why `cloud` refuses to deploy a function on runtime `id` on `on`, as a message naming the
/// manifest `field`; `None` when it does not, or when the catalogue does not know `id`.
///
/// `exists` is whether the function is already in the cloud: `None` before anything was
/// looked up, when only a runtime that can be neither created nor updated is refused.
pub fn deploy_refusal(
    cloud: Cloud,
    id: &str,
    exists: Option<bool>,
    on: NaiveDate,
    field: &str,
) -> Option<String> {
    let catalogue = catalogue();
    let entry = catalogue.lookup(cloud, id)?;
    // Updates are blocked last: a runtime past that day can be neither created nor updated.
    let (verb, since) = match (entry.blocked(Change::Update, on), exists) {
        (Some(day), _) => ("create or update", day),
        (None, Some(false)) => ("create", entry.blocked(Change::Create, on)?),
        (None, _) => return None,
    };
    let mut message = format!(
        "{field}: {} refuses to {verb} functions on `{id}` since {since}",
        cloud.label()
    );
    if let Some(deprecated) = entry.deprecation {
        message.push_str(&format!(" (deprecated {deprecated})"));
    }
    if let Some(next) = catalogue.successor(entry, on) {
        message.push_str(&format!("; use `{}`", next.id));
    }
    Some(message)
}

/// Levenshtein distance over characters; the inputs here are short identifiers.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    const SNAPSHOT: &str = "2026-12-07";

    #[test]
    fn every_nodejs_python_and_os_only_runtime_lambda_supports_is_known() {
        // Lambda's supported runtimes on the snapshot day (its "Supported runtimes" table).
        for name in [
            "nodejs24.x",
            "nodejs22.x",
            "nodejs20.x",
            "python3.14",
            "python3.13",
            "python3.12",
            "python3.11",
            "python3.10",
            "provided.al2023",
            "provided.al2",
        ] {
            let runtime: Runtime = name
                .parse()
                .unwrap_or_else(|()| panic!("{name} is unknown"));
            assert_eq!(runtime.name, name);
            assert!(
                runtime
                    .lifecycle()
                    .blocked(Change::Create, day(SNAPSHOT))
                    .is_none(),
                "{name} can still be created"
            );
        }
        // Retired ones are known too (LMB004 says what to do about them); others are not.
        assert!("nodejs12.x".parse::<Runtime>().is_ok());
        assert!(
            "java21".parse::<Runtime>().is_err(),
            "not a family Functory runs"
        );
        assert!(
            "nodejs26.x".parse::<Runtime>().is_err(),
            "not released by Lambda"
        );
    }

    #[test]
    fn versions_and_labels_come_from_the_catalogue() {
        let node: Runtime = "nodejs24.x".parse().unwrap_or_else(|()| panic!());
        assert_eq!((node.family, node.version), (RuntimeFamily::Node, "24"));
        assert_eq!(node.label(), "Node.js 24");
        let python: Runtime = "python3.14".parse().unwrap_or_else(|()| panic!());
        assert_eq!(
            (python.family, python.version),
            (RuntimeFamily::Python, "3.14")
        );
    }

    #[test]
    fn the_newest_runtime_of_each_family_is_for_new_functions() {
        assert_eq!(Runtime::newest(RuntimeFamily::Node).name, "nodejs24.x");
        assert_eq!(Runtime::newest(RuntimeFamily::Python).name, "python3.14");
        assert_eq!(
            Runtime::newest(RuntimeFamily::Provided).name,
            "provided.al2023"
        );
    }

    #[test]
    fn no_family_s_newest_runtime_is_deprecated_on_its_snapshot_day() {
        let catalogue = catalogue();
        for entry in catalogue.entries() {
            let newest = catalogue
                .newest(entry.cloud, &entry.family)
                .unwrap_or_else(|| panic!("{} has a family", entry.id));
            // A family that ended (Go 1.x) names its successor instead.
            assert!(
                newest.successor.is_some() || !newest.is_deprecated(newest.snapshot),
                "{:?} {}: the newest, {}, is deprecated on {}",
                entry.cloud,
                entry.family,
                newest.id,
                newest.snapshot
            );
        }
    }

    #[test]
    fn each_entry_names_its_source_and_snapshot() {
        for entry in catalogue().entries() {
            assert!(entry.source.starts_with("https://"), "{}", entry.id);
            assert_eq!(entry.snapshot, day(SNAPSHOT), "{}", entry.id);
        }
    }

    #[test]
    fn did_you_mean_never_suggests_a_retired_runtime() {
        let on = day(SNAPSHOT);
        assert_eq!(Runtime::suggest("nodejs24", on), Some("nodejs24.x"));
        assert_eq!(Runtime::suggest("python3.12x", on), Some("python3.12"));
        // nodejs20.x was deprecated on 2026-04-30: Node.js's newest instead.
        assert_eq!(Runtime::suggest("nodejs20", on), Some("nodejs24.x"));
        assert_eq!(
            Runtime::suggest("nodejs20", day("2026-01-01")),
            Some("nodejs20.x")
        );
        // Equally close names: the newest.
        assert_eq!(Runtime::suggest("python3.15", on), Some("python3.14"));
        assert_eq!(Runtime::suggest("nodejs21.x", on), Some("nodejs24.x"));
        assert_eq!(Runtime::suggest("cobol", on), None);
        for runtime in Runtime::all() {
            let typo = format!("{}z", runtime.name);
            let suggestion = Runtime::suggest(&typo, on).unwrap_or_else(|| panic!("{typo}"));
            let suggested: Runtime = suggestion.parse().unwrap_or_else(|()| panic!());
            assert!(
                !suggested.lifecycle().is_deprecated(on),
                "{typo} → {suggestion}, which is deprecated"
            );
        }
    }

    #[test]
    fn the_family_successor_replaces_a_deprecated_runtime() {
        let catalogue = catalogue();
        let on = day(SNAPSHOT);
        let next = |cloud, id| {
            let entry = catalogue
                .lookup(cloud, id)
                .unwrap_or_else(|| panic!("{id}"));
            catalogue.successor(entry, on).map(|e| e.id.as_str())
        };
        assert_eq!(next(Cloud::Aws, "nodejs18.x"), Some("nodejs24.x"));
        assert_eq!(next(Cloud::Aws, "python3.9"), Some("python3.14"));
        assert_eq!(next(Cloud::Aws, "go1.x"), Some("provided.al2023"));
        assert_eq!(next(Cloud::Aws, "provided"), Some("provided.al2023"));
        assert_eq!(next(Cloud::Google, "nodejs20"), Some("nodejs24"));
        assert_eq!(next(Cloud::Aws, "nodejs24.x"), None);
    }

    #[test]
    fn other_clouds_runtimes_are_found_by_family_and_version() {
        let catalogue = catalogue();
        let node: Runtime = "nodejs24.x".parse().unwrap_or_else(|()| panic!());
        let google = catalogue.equivalent(Cloud::Google, node.lifecycle());
        assert_eq!(google.map(|e| e.id.as_str()), Some("nodejs24"));
        let azure = catalogue.equivalent(Cloud::Azure, node.lifecycle());
        assert_eq!(azure.map(|e| e.id.as_str()), Some("Node|24"));
        let al2023: Runtime = "provided.al2023".parse().unwrap_or_else(|()| panic!());
        assert_eq!(
            catalogue.equivalent(Cloud::Google, al2023.lifecycle()),
            None
        );
    }

    #[test]
    fn a_deploy_past_the_block_dates_is_refused_with_the_field() {
        let field = "functions.resize.runtime";
        let on = day(SNAPSHOT);
        // python3.7: creates blocked since 2024-01-09, updates from 2027-03-03.
        let create = deploy_refusal(Cloud::Aws, "python3.7", Some(false), on, field);
        assert_eq!(
            create.as_deref(),
            Some(
                "functions.resize.runtime: AWS Lambda refuses to create functions on `python3.7` since 2024-01-09 (deprecated 2023-12-04); use `python3.14`"
            )
        );
        assert_eq!(
            deploy_refusal(Cloud::Aws, "python3.7", Some(true), on, field),
            None
        );
        assert_eq!(
            deploy_refusal(Cloud::Aws, "python3.7", None, on, field),
            None
        );
        let later = day("2027-03-03");
        for exists in [None, Some(true), Some(false)] {
            let refusal = deploy_refusal(Cloud::Aws, "python3.7", exists, later, field)
                .unwrap_or_else(|| panic!("{exists:?}"));
            assert!(
                refusal.contains(
                    "refuses to create or update functions on `python3.7` since 2027-03-03"
                ),
                "{refusal}"
            );
        }
        assert_eq!(
            deploy_refusal(Cloud::Aws, "nodejs24.x", Some(false), on, field),
            None
        );
        assert_eq!(
            deploy_refusal(Cloud::Aws, "cobol", Some(false), on, field),
            None
        );
        // The day before a block, nothing is refused yet.
        assert_eq!(
            deploy_refusal(
                Cloud::Aws,
                "nodejs20.x",
                Some(false),
                day("2027-01-31"),
                field
            ),
            None
        );
        assert!(
            deploy_refusal(
                Cloud::Aws,
                "nodejs20.x",
                Some(false),
                day("2027-02-01"),
                field
            )
            .is_some()
        );
        // Google decommissions: neither create nor update.
        let google = deploy_refusal(Cloud::Google, "nodejs20", Some(true), on, field);
        assert!(
            google.as_deref().is_some_and(|m| m.contains(
                "Cloud Run functions refuses to create or update functions on `nodejs20` since 2026-10-30"
            )),
            "{google:?}"
        );
    }

    #[test]
    fn a_catalogue_with_dates_out_of_order_or_twice_the_same_runtime_is_refused() {
        let row = |id: &str, create: &str, update: &str| {
            format!(
                "[[runtime]]\ncloud = \"aws\"\nid = \"{id}\"\nfamily = \"nodejs\"\nversion = \"{id}\"\nblock_create = {create}\nblock_update = {update}\nsource = \"https://example.com\"\nsnapshot = 2026-12-07\n"
            )
        };
        assert!(Catalogue::parse(&row("a", "2027-01-01", "2027-02-01")).is_ok());
        let error = Catalogue::parse(&row("a", "2027-03-01", "2027-02-01")).unwrap_err();
        assert!(
            error.contains("blocks creates (2027-03-01) after updates"),
            "{error}"
        );
        let twice = format!(
            "{}{}",
            row("a", "2027-01-01", "2027-02-01"),
            row("a", "2027-01-01", "2027-02-01")
        );
        assert!(
            Catalogue::parse(&twice)
                .unwrap_err()
                .contains("listed twice")
        );
        let time = row("a", "2027-01-01T10:00:00", "2027-02-01");
        assert!(
            Catalogue::parse(&time)
                .unwrap_err()
                .contains("not a plain date")
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("nodejs20", "nodejs20.x"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("python3.12", "python3.12"), 0);
    }
}
