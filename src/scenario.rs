//! The scenario: what a planner hands rota, read from YAML.
//!
//! Loading happens in two passes over the same text. The first pass reads
//! the queue ids; the second deserializes the whole scenario with those ids
//! known, so that a skill naming no queue fails inside the deserializer and
//! the YAML parser reports its line and column. Every field is documented in
//! `docs/scenario.md`; every number is configuration, never a constant.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Location, Result};

thread_local! {
    /// Queue ids known while the second pass deserializes agents' skills.
    static KNOWN_QUEUES: RefCell<Option<BTreeSet<String>>> = const { RefCell::new(None) };
}

/// A time of day in minutes after local midnight; `24:00` is allowed as a closing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub u32);

impl ClockTime {
    /// Parses `HH:MM` (00:00 to 24:00).
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("invalid time `{s}`: expected HH:MM between 00:00 and 24:00");
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u32 = h.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The time as a `NaiveTime` (24:00 is not representable and maps to `None`).
    pub fn to_naive(self) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(self.0 / 60, self.0 % 60, 0)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClockTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn de_tz<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Tz, D::Error> {
    let s = String::deserialize(d)?;
    s.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown time zone `{s}`: expected an IANA name such as Asia/Shanghai"
        ))
    })
}

macro_rules! bounded_f64 {
    ($name:ident, $lo:expr, $hi:expr, $what:expr) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
            let v = f64::deserialize(d)?;
            if !v.is_finite() || !($lo..=$hi).contains(&v) {
                return Err(serde::de::Error::custom(format!(
                    "{} must be {}, got {v}",
                    $what,
                    if $hi == f64::MAX {
                        format!("at least {}", $lo)
                    } else {
                        format!("between {} and {}", $lo, $hi)
                    }
                )));
            }
            Ok(v)
        }
    };
}

bounded_f64!(de_non_negative, 0.0, f64::MAX, "value");
bounded_f64!(de_fraction, 0.0, 0.99, "fraction");
bounded_f64!(de_occupancy, 0.05, 1.0, "occupancy cap");
bounded_f64!(de_sl_target, 0.0, 0.9999, "service-level target");

fn de_opt_non_negative<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_non_negative(d).map(Some)
}
fn de_opt_fraction<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    de_fraction(d).map(Some)
}
fn de_opt_occupancy<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    de_occupancy(d).map(Some)
}

fn de_skills<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<SkillSpec>, D::Error> {
    let skills = Vec::<SkillSpec>::deserialize(d).map_err(|_| {
        serde::de::Error::custom(
            "skills must be a list of queue ids or of { queue: ID, proficiency: P } entries",
        )
    })?;
    for s in &skills {
        if let SkillSpec::Rated(RatedSkill { queue, proficiency }) = s {
            if !proficiency.is_finite() || !(0.05..=2.0).contains(proficiency) {
                return Err(serde::de::Error::custom(format!(
                    "proficiency of `{queue}` must be between 0.05 and 2, got {proficiency}"
                )));
            }
        }
    }
    KNOWN_QUEUES.with(|k| {
        if let Some(known) = k.borrow().as_ref() {
            for s in skills.iter().map(SkillSpec::queue) {
                if !known.contains(s) {
                    let list: Vec<&str> = known.iter().map(String::as_str).collect();
                    return Err(serde::de::Error::custom(format!(
                        "unknown skill `{s}`: no queue has it (queues: {})",
                        list.join(", ")
                    )));
                }
            }
        }
        Ok(())
    })?;
    Ok(skills)
}

fn de_queue_refs<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Vec<String>>, D::Error> {
    let qs = Vec::<String>::deserialize(d)?;
    KNOWN_QUEUES.with(|k| {
        if let Some(known) = k.borrow().as_ref() {
            for q in &qs {
                if !known.contains(q) {
                    return Err(serde::de::Error::custom(format!(
                        "unknown queue `{q}`: not among the scenario's queues"
                    )));
                }
            }
        }
        Ok(())
    })?;
    Ok(Some(qs))
}

/// The whole scenario as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name shown in reports.
    pub name: String,
    /// Free text for planners.
    #[serde(default)]
    pub description: String,
    pub site: Site,
    pub planning: Planning,
    pub history: HistorySource,
    #[serde(default)]
    pub calendar: Calendar,
    /// What-if changes to the forecast: volume and handle-time multipliers per
    /// queue and date range, applied after forecasting (not learned from history).
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    #[serde(default)]
    pub defaults: Defaults,
    pub queues: Vec<Queue>,
    pub agents: Vec<Agent>,
    pub rules: Rules,
    #[serde(default)]
    pub weights: Weights,
    /// Peak periods, where understaffing weighs more.
    #[serde(default)]
    pub peaks: Vec<Peak>,
    /// Forecast method and settings.
    #[serde(default)]
    pub forecast: ForecastSettings,
    /// Solver settings: a name looked up in `solver-configs/`, or a path to a YAML file.
    #[serde(default = "default_solver")]
    pub solver: String,
    /// What the optimizer values: per-interval requirements, or the service
    /// level over the day or week (`docs/service-level.md`).
    #[serde(default)]
    pub objective: Objective,
    /// Floors of agents on a queue (net of breaks) in some intervals.
    #[serde(default)]
    pub min_staff: Vec<MinStaff>,
}

fn default_solver() -> String {
    "default".to_string()
}

/// The contact centre.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    /// IANA time zone of the site; every local time in the scenario is in it.
    #[serde(deserialize_with = "de_tz")]
    pub timezone: Tz,
}

/// The planning horizon.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Planning {
    /// First local date of the plan.
    pub week_start: NaiveDate,
    /// Number of days planned (1 to 14).
    #[serde(default = "default_days")]
    pub days: u32,
    /// Interval length in minutes: 15, 30 or 60.
    #[serde(default = "default_interval")]
    pub interval_minutes: u32,
}

fn default_days() -> u32 {
    7
}
fn default_interval() -> u32 {
    30
}

/// Where the interval history comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySource {
    /// CSV file, relative to the scenario file.
    pub file: PathBuf,
    /// How many trailing weeks of history the forecast uses.
    #[serde(default = "default_weeks")]
    pub weeks: u32,
    /// Zone of the file's local timestamps; the site's zone when absent.
    #[serde(default, deserialize_with = "de_opt_tz")]
    pub timezone: Option<Tz>,
    /// `as_written` (offsets are honoured) or `local` (any offset or `Z` is
    /// ignored and the clock time read in `timezone`).
    #[serde(default)]
    pub timestamps: TimestampMode,
    /// Column names of the file, when they are not rota's own.
    #[serde(default)]
    pub columns: Option<ColumnMap>,
    /// Queue id of every row, for a file without a queue column.
    #[serde(default)]
    pub queue: Option<String>,
}

/// How history timestamps are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampMode {
    #[default]
    AsWritten,
    Local,
}

/// Names of the history file's columns; other columns are ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    #[serde(default = "col_interval_start")]
    pub interval_start: String,
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default = "col_offered")]
    pub offered: String,
    #[serde(default)]
    pub aht_seconds: Option<String>,
    #[serde(default)]
    pub handle_seconds: Option<String>,
}

fn col_interval_start() -> String {
    "interval_start".into()
}
fn col_offered() -> String {
    "offered".into()
}

fn de_opt_tz<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Tz>, D::Error> {
    de_tz(d).map(Some)
}

/// The forecast method of every queue.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// Chosen per queue by the lowest WAPE on a backtest.
    #[default]
    Auto,
    SeasonalNaive,
    Decomposition,
    HoltWinters,
}

impl ForecastMethod {
    /// The method's name as written in the scenario.
    pub fn name(self) -> &'static str {
        match self {
            ForecastMethod::Auto => "auto",
            ForecastMethod::SeasonalNaive => "seasonal_naive",
            ForecastMethod::Decomposition => "decomposition",
            ForecastMethod::HoltWinters => "holt_winters",
        }
    }

    /// Parses a method name.
    pub fn parse(s: &str) -> Option<ForecastMethod> {
        [
            ForecastMethod::Auto,
            ForecastMethod::SeasonalNaive,
            ForecastMethod::Decomposition,
            ForecastMethod::HoltWinters,
        ]
        .into_iter()
        .find(|m| m.name() == s)
    }
}

/// The `forecast:` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastSettings {
    #[serde(default)]
    pub method: ForecastMethod,
    /// Weeks held out to choose the method (`auto`) and to size the band.
    #[serde(default = "default_backtest_weeks")]
    pub backtest_weeks: u32,
    /// A history cell further than this many robust standard deviations from
    /// its weekday-and-slot median is an outlier and is damped to that bound.
    #[serde(default = "default_outlier", deserialize_with = "de_non_negative")]
    pub outlier_threshold: f64,
    /// Lower and upper quantile of the band, e.g. `[0.1, 0.9]`.
    #[serde(default = "default_band")]
    pub band: [f64; 2],
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings {
            method: ForecastMethod::Auto,
            backtest_weeks: default_backtest_weeks(),
            outlier_threshold: default_outlier(),
            band: default_band(),
        }
    }
}

fn default_backtest_weeks() -> u32 {
    4
}
fn default_outlier() -> f64 {
    5.0
}
fn default_band() -> [f64; 2] {
    [0.1, 0.9]
}

fn default_weeks() -> u32 {
    8
}

/// Dated events: holidays and promotions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    #[serde(default)]
    pub events: Vec<Event>,
}

/// A holiday or promotion that multiplies volume on its dates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub name: String,
    /// First date.
    pub date: NaiveDate,
    /// Last date (inclusive); defaults to `date`.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// Volume multiplier (2.5 = two and a half times the usual volume); when
    /// absent, learned from past dates of events of the same name in history.
    #[serde(default, deserialize_with = "de_opt_non_negative")]
    pub volume_multiplier: Option<f64>,
    /// Queues affected; all when absent.
    #[serde(default, deserialize_with = "de_queue_refs")]
    pub queues: Option<Vec<String>>,
}

impl Event {
    /// Whether the event covers `date` for `queue`.
    pub fn applies(&self, date: NaiveDate, queue: &str) -> bool {
        covers(self.date, self.until, self.queues.as_deref(), date, queue)
    }
}

/// Whether dates `from..=until` (one day when `until` is absent) and
/// `queues` (all when absent) cover `date` and `queue`.
fn covers(
    from: NaiveDate,
    until: Option<NaiveDate>,
    queues: Option<&[String]>,
    date: NaiveDate,
    queue: &str,
) -> bool {
    date >= from
        && date <= until.unwrap_or(from)
        && queues.is_none_or(|qs| qs.iter().any(|q| q == queue))
}

/// A what-if change to the forecast on some dates.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    #[serde(default)]
    pub name: String,
    /// First date.
    pub date: NaiveDate,
    /// Last date (inclusive); defaults to `date`.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// Multiplier of forecast volume.
    #[serde(default = "one", deserialize_with = "de_non_negative")]
    pub volume_multiplier: f64,
    /// Multiplier of forecast handle time.
    #[serde(default = "one", deserialize_with = "de_non_negative")]
    pub aht_multiplier: f64,
    /// Queues affected; all when absent.
    #[serde(default, deserialize_with = "de_queue_refs")]
    pub queues: Option<Vec<String>>,
}

fn one() -> f64 {
    1.0
}

impl Adjustment {
    /// Whether the adjustment covers `date` for `queue`.
    pub fn applies(&self, date: NaiveDate, queue: &str) -> bool {
        covers(self.date, self.until, self.queues.as_deref(), date, queue)
    }
}

/// Defaults for every queue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Fraction of paid time lost to absence, meetings and coaching (not the meal break, which is scheduled).
    #[serde(default = "default_shrinkage", deserialize_with = "de_fraction")]
    pub shrinkage: f64,
    /// Highest allowed occupancy (share of time agents are busy).
    #[serde(default = "default_occupancy", deserialize_with = "de_occupancy")]
    pub max_occupancy: f64,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            shrinkage: default_shrinkage(),
            max_occupancy: default_occupancy(),
        }
    }
}

fn default_shrinkage() -> f64 {
    0.3
}
fn default_occupancy() -> f64 {
    0.85
}

/// The contact channel of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Phone calls: Erlang C.
    Voice,
    /// Online chat: Erlang C over sessions, an agent handling `concurrency` sessions at once.
    Chat,
    /// Email: deferred work, done within `deadline_hours` of arrival.
    Email,
    /// Tickets and messages: deferred work, done within `deadline_hours` of arrival.
    Ticket,
}

impl Channel {
    /// Whether the channel is deferred work (no queueing, a deadline instead).
    pub fn is_deferred(self) -> bool {
        matches!(self, Channel::Email | Channel::Ticket)
    }
}

/// The queueing model of a voice or chat queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueModel {
    /// M/M/n: callers wait as long as it takes.
    #[default]
    ErlangC,
    /// M/M/n+M: callers abandon after an exponential patience of mean `patience_seconds`.
    ErlangA,
}

/// A service-level target: `target` of contacts answered within `seconds`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevel {
    #[serde(deserialize_with = "de_sl_target")]
    pub target: f64,
    /// Required for voice and chat; for email and ticket queues it is the deadline.
    #[serde(default = "unset_seconds", deserialize_with = "de_non_negative")]
    pub seconds: f64,
    /// Optional ceiling on the average speed of answer, in seconds.
    #[serde(default, deserialize_with = "de_opt_non_negative")]
    pub max_asa_seconds: Option<f64>,
}

/// A queue of contacts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// Identifier used in history and as the agents' skill name.
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub channel: Channel,
    /// Queueing model (voice and chat): `erlang_c` or `erlang_a`.
    #[serde(default)]
    pub model: QueueModel,
    /// Mean patience before abandoning, seconds (required for `erlang_a`).
    #[serde(default, deserialize_with = "de_opt_non_negative")]
    pub patience_seconds: Option<f64>,
    /// Deadline of deferred work (email, ticket), hours after arrival.
    #[serde(default, deserialize_with = "de_opt_non_negative")]
    pub deadline_hours: Option<f64>,
    /// Chat sessions an agent handles at once (chat only).
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Required for voice and chat; for deferred work the share of items
    /// finished within the deadline (all of them when absent).
    #[serde(default = "unset_service_level")]
    pub service_level: ServiceLevel,
    /// Fixed handle time in seconds; when absent it is forecast from history.
    #[serde(default, deserialize_with = "de_opt_non_negative")]
    pub aht_seconds: Option<f64>,
    #[serde(default, deserialize_with = "de_opt_fraction")]
    pub shrinkage: Option<f64>,
    #[serde(default, deserialize_with = "de_opt_occupancy")]
    pub max_occupancy: Option<f64>,
    /// Opening time; no staff is required before it.
    #[serde(default = "default_open")]
    pub open: ClockTime,
    /// Closing time; no staff is required from it on.
    #[serde(default = "default_close")]
    pub close: ClockTime,
}

/// Placeholder for a `service_level` left out; `Scenario::from_yaml_str`
/// rejects it for voice and chat and fills it in for deferred work.
fn unset_service_level() -> ServiceLevel {
    ServiceLevel {
        target: f64::NAN,
        seconds: f64::NAN,
        max_asa_seconds: None,
    }
}

fn unset_seconds() -> f64 {
    f64::NAN
}

fn default_concurrency() -> u32 {
    1
}
fn default_open() -> ClockTime {
    ClockTime(0)
}
fn default_close() -> ClockTime {
    ClockTime(24 * 60)
}

/// An agent and their contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "AgentSpec")]
pub struct Agent {
    pub id: String,
    pub name: String,
    /// Queue ids the agent may serve.
    pub skills: Vec<String>,
    /// Proficiency on a skill below or above 1 (an agent at 0.8 counts as
    /// 0.8 of an agent on that queue); skills not listed are at 1.
    pub proficiency: std::collections::BTreeMap<String, f64>,
    /// Contracted weekly paid hours, minimum.
    pub min_hours: f64,
    /// Contracted weekly paid hours, maximum.
    pub max_hours: f64,
    /// Fixed days off: no shift starts on these dates.
    pub days_off: Vec<NaiveDate>,
    /// Daily availability: every shift lies between these local times of its day.
    pub available: Option<Availability>,
    /// The end of the previous week, for rest and consecutive days across the boundary.
    pub previous: Option<PreviousWeek>,
    /// Cost of an hour of this agent relative to `weights.paid_hour` (1 = the standard rate).
    pub hourly_cost: f64,
    /// Soft wishes, each with a weight: honoured when coverage allows.
    pub prefers: Vec<Preference>,
    /// Shift templates the agent may work (by name; `default` is
    /// `rules.shift_start` with `rules.shift_lengths_hours`); all when absent.
    pub templates: Option<Vec<String>>,
}

impl Agent {
    /// Whether the agent may work shifts of template `name`.
    pub fn may_work(&self, name: &str) -> bool {
        self.templates
            .as_ref()
            .is_none_or(|ts| ts.iter().any(|t| t == name))
    }

    /// The agent's proficiency on queue `q` (1 unless the scenario says otherwise).
    pub fn proficiency(&self, q: &str) -> f64 {
        self.proficiency.get(q).copied().unwrap_or(1.0)
    }
}

/// An agent as written in YAML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentSpec {
    id: String,
    name: String,
    #[serde(deserialize_with = "de_skills")]
    skills: Vec<SkillSpec>,
    #[serde(deserialize_with = "de_non_negative")]
    min_hours: f64,
    #[serde(deserialize_with = "de_non_negative")]
    max_hours: f64,
    #[serde(default)]
    days_off: Vec<NaiveDate>,
    #[serde(default)]
    available: Option<Availability>,
    #[serde(default)]
    previous: Option<PreviousWeek>,
    #[serde(default = "one", deserialize_with = "de_non_negative")]
    hourly_cost: f64,
    #[serde(default)]
    prefers: Vec<Preference>,
    #[serde(default)]
    templates: Option<Vec<String>>,
}

impl From<AgentSpec> for Agent {
    fn from(a: AgentSpec) -> Agent {
        let mut skills = Vec::new();
        let mut proficiency = std::collections::BTreeMap::new();
        for s in a.skills {
            match s {
                SkillSpec::Plain(q) => skills.push(q),
                SkillSpec::Rated(RatedSkill {
                    queue,
                    proficiency: p,
                }) => {
                    if p != 1.0 {
                        proficiency.insert(queue.clone(), p);
                    }
                    skills.push(queue);
                }
            }
        }
        Agent {
            id: a.id,
            name: a.name,
            skills,
            proficiency,
            min_hours: a.min_hours,
            max_hours: a.max_hours,
            days_off: a.days_off,
            available: a.available,
            previous: a.previous,
            hourly_cost: a.hourly_cost,
            prefers: a.prefers,
            templates: a.templates,
        }
    }
}

/// A skill: a queue id, or a queue with a proficiency.
#[derive(Deserialize)]
#[serde(untagged)]
enum SkillSpec {
    Plain(String),
    Rated(RatedSkill),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatedSkill {
    queue: String,
    proficiency: f64,
}

impl SkillSpec {
    fn queue(&self) -> &str {
        match self {
            SkillSpec::Plain(q) | SkillSpec::Rated(RatedSkill { queue: q, .. }) => q,
        }
    }
}

/// A day named in a preference: a weekday (`mon` to `sun`) or a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaySpec {
    Weekday(Weekday),
    Date(NaiveDate),
}

impl DaySpec {
    /// Whether the spec names `date`.
    pub fn matches(self, date: NaiveDate) -> bool {
        match self {
            DaySpec::Weekday(w) => date.weekday() == w,
            DaySpec::Date(d) => d == date,
        }
    }
}

impl fmt::Display for DaySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaySpec::Weekday(w) => write!(f, "{}", weekday_name(*w)),
            DaySpec::Date(d) => write!(f, "{d}"),
        }
    }
}

/// The lowercase three-letter name of a weekday (`mon`).
pub fn weekday_name(w: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.num_days_from_monday() as usize]
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .copied()
        .find(|w| weekday_name(*w) == s.trim().to_lowercase())
}

impl<'de> Deserialize<'de> for DaySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if let Some(w) = parse_weekday(&s) {
            return Ok(DaySpec::Weekday(w));
        }
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(DaySpec::Date)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "invalid day `{s}`: expected a weekday (mon, tue, wed, thu, fri, sat, sun) or a date YYYY-MM-DD"
                ))
            })
    }
}

/// A soft wish of an agent, penalised `weight` (times `weights.preference`)
/// for each planned day it is not honoured. It concerns the days in `days`
/// (every planned day when absent) and is one of: `off` (no shift on those
/// days), or limits on the shift of those days: `start_after` (starts at or
/// after), `start_before` (starts at or before), `end_before` (ends at or
/// before, on the day it starts).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    #[serde(default)]
    pub days: Option<Vec<DaySpec>>,
    #[serde(default)]
    pub off: bool,
    #[serde(default)]
    pub start_after: Option<ClockTime>,
    #[serde(default)]
    pub start_before: Option<ClockTime>,
    #[serde(default)]
    pub end_before: Option<ClockTime>,
    #[serde(
        default = "default_preference_weight",
        deserialize_with = "de_non_negative"
    )]
    pub weight: f64,
}

fn default_preference_weight() -> f64 {
    5.0
}

impl Preference {
    /// Whether the preference concerns `date`.
    pub fn applies(&self, date: NaiveDate) -> bool {
        self.days
            .as_ref()
            .is_none_or(|ds| ds.iter().any(|d| d.matches(date)))
    }
}

impl fmt::Display for Preference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.off {
            parts.push("day off".to_string());
        }
        if let Some(t) = self.start_after {
            parts.push(format!("start at or after {t}"));
        }
        if let Some(t) = self.start_before {
            parts.push(format!("start at or before {t}"));
        }
        if let Some(t) = self.end_before {
            parts.push(format!("end by {t}"));
        }
        write!(f, "{}", parts.join(", "))?;
        match &self.days {
            Some(ds) => {
                let ds: Vec<String> = ds.iter().map(|d| d.to_string()).collect();
                write!(f, " on {}", ds.join(", "))
            }
            None => write!(f, " every day"),
        }
    }
}

/// The local hours an agent can work, every day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// Shifts start at or after this time.
    pub from: ClockTime,
    /// Shifts end at or before this time of the day they start (24:00 = midnight).
    pub to: ClockTime,
}

/// What the agent worked just before the planned days.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousWeek {
    /// Local end of the last shift before the plan (`YYYY-MM-DD HH:MM`).
    #[serde(default, deserialize_with = "de_opt_local_time")]
    pub last_shift_end: Option<chrono::NaiveDateTime>,
    /// Days worked in a row up to the day before the plan.
    #[serde(default)]
    pub consecutive_days: u32,
}

fn de_opt_local_time<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<chrono::NaiveDateTime>, D::Error> {
    let s = String::deserialize(d)?;
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .map(Some)
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "invalid local time `{s}`: expected YYYY-MM-DD HH:MM"
            ))
        })
}

/// A peak period: understaffing there weighs more.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peak {
    #[serde(default)]
    pub name: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// Daily start of the peak (default 00:00).
    #[serde(default = "default_open")]
    pub from: ClockTime,
    /// Daily end of the peak (default 24:00).
    #[serde(default = "default_close")]
    pub to: ClockTime,
    /// Multiplier of the understaffing weight in the peak.
    #[serde(deserialize_with = "de_non_negative")]
    pub weight: f64,
    #[serde(default, deserialize_with = "de_queue_refs")]
    pub queues: Option<Vec<String>>,
}

impl Peak {
    /// Whether the peak covers the interval starting at local `minute` of `date`, for `queue`.
    pub fn covers(&self, date: NaiveDate, minute: u32, queue: &str) -> bool {
        covers(self.date, self.until, self.queues.as_deref(), date, queue)
            && minute >= self.from.minutes()
            && minute < self.to.minutes()
    }
}

/// Allowed shift start times.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartWindow {
    pub earliest: ClockTime,
    pub latest: ClockTime,
    #[serde(default = "default_step")]
    pub step_minutes: u32,
}

impl StartWindow {
    /// The start times, in minutes after midnight, in order.
    pub fn minutes(&self) -> Vec<u32> {
        (self.earliest.minutes()..=self.latest.minutes())
            .step_by(self.step_minutes.max(1) as usize)
            .collect()
    }

    /// Whether a shift may start `minutes` after midnight.
    pub fn allows(&self, minutes: u32) -> bool {
        minutes >= self.earliest.minutes()
            && minutes <= self.latest.minutes()
            && (minutes - self.earliest.minutes()) % self.step_minutes.max(1) == 0
    }
}

fn default_step() -> u32 {
    30
}

/// The meal break: one per shift, inside a window relative to the shift start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MealBreak {
    pub minutes: u32,
    /// The break starts at least this many hours after the shift starts.
    #[serde(deserialize_with = "de_non_negative")]
    pub earliest_start_hours: f64,
    /// The break ends at most this many hours after the shift starts.
    #[serde(deserialize_with = "de_non_negative")]
    pub latest_end_hours: f64,
    /// Whether the break is paid working time.
    #[serde(default)]
    pub paid: bool,
    /// Break start times fall on this grid from the window's start (minutes).
    #[serde(default = "default_break_step")]
    pub step_minutes: u32,
}

fn default_break_step() -> u32 {
    15
}

/// A rest break: one per shift of at least `min_shift_hours`, inside a window
/// relative to the shift start. The windows of the meal break and of every
/// rest break are disjoint, so a shift's breaks never overlap.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestBreak {
    pub minutes: u32,
    /// The break starts at least this many hours after the shift starts.
    #[serde(deserialize_with = "de_non_negative")]
    pub earliest_start_hours: f64,
    /// The break ends at most this many hours after the shift starts.
    #[serde(deserialize_with = "de_non_negative")]
    pub latest_end_hours: f64,
    /// Whether the break is paid working time (rest breaks usually are).
    #[serde(default = "default_true")]
    pub paid: bool,
    /// Break start times fall on this grid from the window's start (minutes).
    #[serde(default = "default_break_step")]
    pub step_minutes: u32,
    /// Only shifts at least this long (hours, start to end) get this break.
    #[serde(default, deserialize_with = "de_non_negative")]
    pub min_shift_hours: f64,
}

impl RestBreak {
    /// Whether a shift of `length_hours` gets this break.
    pub fn applies(&self, length_hours: f64) -> bool {
        length_hours + 1e-9 >= self.min_shift_hours
    }
}

/// The name of the template made of `rules.shift_start` and `rules.shift_lengths_hours`.
pub const DEFAULT_TEMPLATE: &str = "default";

/// A named shift template: start times and lengths, on some days only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftTemplate {
    /// Name agents list in their `templates`.
    pub name: String,
    pub start: StartWindow,
    /// Allowed lengths in hours, start to end, breaks included.
    pub lengths_hours: Vec<f64>,
    /// Weekdays the template applies on (`mon`, `tue`, ...).
    #[serde(default)]
    pub days: Vec<Weekday>,
    /// Dates the template applies on, besides `days`.
    #[serde(default)]
    pub dates: Vec<NaiveDate>,
}

impl ShiftTemplate {
    /// Whether the template applies on `date` (every day when it names no day or date).
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        (self.days.is_empty() && self.dates.is_empty())
            || self.days.contains(&date.weekday())
            || self.dates.contains(&date)
    }
}

/// Hard rules every shift and every agent's week must meet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub shift_start: StartWindow,
    /// Allowed shift lengths in hours, start to end, meal break included.
    pub shift_lengths_hours: Vec<f64>,
    /// More shift templates besides the default one (`shift_start` with
    /// `shift_lengths_hours`, every day), for some days or some agents.
    #[serde(default)]
    pub shift_templates: Vec<ShiftTemplate>,
    pub meal_break: MealBreak,
    /// Rest breaks, each with its own window; none when absent.
    #[serde(default)]
    pub rest_breaks: Vec<RestBreak>,
    /// Minimum rest between the end of one shift and the start of the next.
    #[serde(default = "default_rest", deserialize_with = "de_non_negative")]
    pub min_rest_hours: f64,
    /// Most days an agent works in the planning horizon.
    #[serde(default = "default_max_days")]
    pub max_working_days: u32,
    /// Most days worked in a row, counting the previous week's run.
    #[serde(default)]
    pub max_consecutive_days: Option<u32>,
    /// At least one block of this many days off in a row within the planned days.
    #[serde(default)]
    pub consecutive_days_off: Option<u32>,
    /// Fair shares of weekends and late shifts (soft; weighted by
    /// `weights.weekend_fairness` and `weights.late_fairness`); off when absent.
    #[serde(default)]
    pub fairness: Option<Fairness>,
}

/// What counts as unpopular work, to be shared fairly.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fairness {
    /// A shift is late when it ends after this local time of its day (or on a later day).
    #[serde(default = "default_late_after")]
    pub late_after: ClockTime,
    /// Weekdays that are the weekend.
    #[serde(default = "default_weekend")]
    pub weekend: Vec<DaySpec>,
}

fn default_late_after() -> ClockTime {
    ClockTime(21 * 60)
}
fn default_weekend() -> Vec<DaySpec> {
    vec![
        DaySpec::Weekday(Weekday::Sat),
        DaySpec::Weekday(Weekday::Sun),
    ]
}

impl Rules {
    /// Every shift template: the default one (`shift_start`,
    /// `shift_lengths_hours`, every day) first, then `shift_templates`.
    pub fn templates(&self) -> Vec<ShiftTemplate> {
        let mut out = vec![ShiftTemplate {
            name: DEFAULT_TEMPLATE.to_string(),
            start: self.shift_start.clone(),
            lengths_hours: self.shift_lengths_hours.clone(),
            days: Vec::new(),
            dates: Vec::new(),
        }];
        out.extend(self.shift_templates.iter().cloned());
        out
    }

    /// Every allowed shift length of any template, first seen first.
    pub fn all_lengths_hours(&self) -> Vec<f64> {
        let mut out: Vec<f64> = Vec::new();
        let named = self.shift_templates.iter().flat_map(|t| &t.lengths_hours);
        for &l in self.shift_lengths_hours.iter().chain(named) {
            if !out.iter().any(|&x| (x - l).abs() < 1e-9) {
                out.push(l);
            }
        }
        out
    }
}

fn default_rest() -> f64 {
    11.0
}
fn default_max_days() -> u32 {
    6
}

/// Objective weights, per agent-hour.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Penalty per agent-hour below the requirement.
    #[serde(default = "default_under", deserialize_with = "de_non_negative")]
    pub understaffing: f64,
    /// Penalty per agent-hour above the requirement.
    #[serde(default = "default_over", deserialize_with = "de_non_negative")]
    pub overstaffing: f64,
    /// Cost per paid hour.
    #[serde(default = "default_paid", deserialize_with = "de_non_negative")]
    pub paid_hour: f64,
    /// Multiplier of every preference's own weight, per day it is not honoured.
    #[serde(default = "one", deserialize_with = "de_non_negative")]
    pub preference: f64,
    /// Penalty per weekend day of the busiest agent (scaled by contract), with `rules.fairness`.
    #[serde(
        default = "default_weekend_fairness",
        deserialize_with = "de_non_negative"
    )]
    pub weekend_fairness: f64,
    /// Penalty per late shift of the agent with the most (scaled by contract), with `rules.fairness`.
    #[serde(
        default = "default_late_fairness",
        deserialize_with = "de_non_negative"
    )]
    pub late_fairness: f64,
    /// Penalty per agent-hour below a `min_staff` floor.
    #[serde(
        default = "default_min_staff_weight",
        deserialize_with = "de_non_negative"
    )]
    pub min_staff: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            understaffing: default_under(),
            overstaffing: default_over(),
            paid_hour: default_paid(),
            preference: one(),
            weekend_fairness: default_weekend_fairness(),
            late_fairness: default_late_fairness(),
            min_staff: default_min_staff_weight(),
        }
    }
}

fn default_min_staff_weight() -> f64 {
    1000.0
}
fn default_under() -> f64 {
    100.0
}
fn default_over() -> f64 {
    5.0
}
fn default_paid() -> f64 {
    1.0
}
fn default_weekend_fairness() -> f64 {
    20.0
}
fn default_late_fairness() -> f64 {
    10.0
}

/// How the optimizer values coverage of voice and chat queues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveMode {
    /// Meet each interval's rounded-up requirement (under/over staffing).
    #[default]
    Requirements,
    /// Service level as a concave function of staff, with a target over the
    /// day or week and a per-interval minimum.
    ServiceLevel,
}

/// Period over which the service-level target is measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlPeriod {
    /// Over all planned days.
    #[default]
    Week,
    /// Over each planned day on its own.
    Day,
}

/// What the service-level objective credits below the tangent point of an
/// interval's envelope (where the curve is convex).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BelowTangent {
    /// The service level at whole servers below the tangent point, as steps
    /// (one binary per step and interval, at most `curve::MAX_STEPS` steps):
    /// the optimizer never counts more than the curve delivers.
    #[default]
    Steps,
    /// No service below the tangent point (one binary per such interval):
    /// never more than the curve delivers, but blind to short staffing that
    /// still answers most contacts.
    Zero,
    /// The envelope (a pure linear model, optimistic below the tangent point).
    Envelope,
}

/// Per-queue overrides of the service-level objective.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueObjective {
    #[serde(default, deserialize_with = "de_opt_sl_target")]
    pub target: Option<f64>,
    #[serde(default, deserialize_with = "de_opt_sl_target")]
    pub interval_minimum: Option<f64>,
}

/// The `objective:` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    #[serde(default)]
    pub mode: ObjectiveMode,
    #[serde(default)]
    pub period: SlPeriod,
    /// Service level to reach over the period; each queue's own
    /// `service_level.target` when absent.
    #[serde(default, deserialize_with = "de_opt_sl_target")]
    pub target: Option<f64>,
    /// Lowest service level of any interval with contacts; none when absent.
    #[serde(default, deserialize_with = "de_opt_sl_target")]
    pub interval_minimum: Option<f64>,
    /// Penalty per contact the period falls short of its target.
    #[serde(
        default = "default_shortfall_weight",
        deserialize_with = "de_non_negative"
    )]
    pub shortfall_weight: f64,
    /// Penalty per contact of an interval times the service level it lacks
    /// to reach `interval_minimum` (times the peak weight).
    #[serde(
        default = "default_minimum_weight",
        deserialize_with = "de_non_negative"
    )]
    pub minimum_weight: f64,
    /// Value of each contact answered within the threshold, beyond the targets
    /// (a small tie-break towards better service at equal cost).
    #[serde(
        default = "default_answered_value",
        deserialize_with = "de_non_negative"
    )]
    pub answered_value: f64,
    /// Most the piecewise-linear envelope may exceed the exact concave hull
    /// of the service-level points (fewer pieces for a larger value).
    #[serde(
        default = "default_envelope_tolerance",
        deserialize_with = "de_fraction"
    )]
    pub envelope_tolerance: f64,
    /// Credit below the tangent point: `steps` or `zero` (conservative) or `envelope`.
    #[serde(default)]
    pub below_tangent: BelowTangent,
    /// Per-queue `target` and `interval_minimum`, by queue id.
    #[serde(default)]
    pub queues: std::collections::BTreeMap<String, QueueObjective>,
}

impl Default for Objective {
    fn default() -> Self {
        Objective {
            mode: ObjectiveMode::default(),
            period: SlPeriod::default(),
            target: None,
            interval_minimum: None,
            shortfall_weight: default_shortfall_weight(),
            minimum_weight: default_minimum_weight(),
            answered_value: default_answered_value(),
            envelope_tolerance: default_envelope_tolerance(),
            below_tangent: BelowTangent::default(),
            queues: Default::default(),
        }
    }
}

fn default_shortfall_weight() -> f64 {
    10.0
}
fn default_minimum_weight() -> f64 {
    10.0
}
fn default_answered_value() -> f64 {
    0.01
}
fn default_envelope_tolerance() -> f64 {
    0.002
}

fn de_opt_sl_target<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    de_sl_target(d).map(Some)
}

/// A floor of agents on a queue, net of breaks, in the intervals it covers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinStaff {
    #[serde(deserialize_with = "de_queue_ref")]
    pub queue: String,
    /// Agents on the queue (before shrinkage), e.g. 2.
    #[serde(deserialize_with = "de_non_negative")]
    pub agents: f64,
    /// Daily start (default 00:00).
    #[serde(default = "default_open")]
    pub from: ClockTime,
    /// Daily end (default 24:00).
    #[serde(default = "default_close")]
    pub to: ClockTime,
    /// First date; every planned day when absent.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Last date (inclusive); `date` when absent.
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

impl MinStaff {
    /// Whether the floor covers the interval starting at local `minute` of `date`.
    pub fn covers(&self, date: NaiveDate, minute: u32) -> bool {
        self.date
            .is_none_or(|d| date >= d && date <= self.until.unwrap_or(d))
            && minute >= self.from.minutes()
            && minute < self.to.minutes()
    }
}

fn de_queue_ref<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let q = String::deserialize(d)?;
    KNOWN_QUEUES.with(|k| {
        if let Some(known) = k.borrow().as_ref() {
            if !known.contains(&q) {
                return Err(serde::de::Error::custom(format!(
                    "unknown queue `{q}`: not among the scenario's queues"
                )));
            }
        }
        Ok(())
    })?;
    Ok(q)
}

/// The service-level goal of a voice or chat queue (`objective:` with its
/// per-queue overrides, else the queue's own target).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlGoal {
    pub target: f64,
    pub interval_minimum: Option<f64>,
}

/// A scenario read from disk, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// The scenario file.
    pub path: PathBuf,
    /// The history file, resolved against the scenario's folder.
    pub history_path: PathBuf,
}

#[derive(Deserialize)]
struct QueueIdsOnly {
    #[serde(default)]
    queues: Vec<QueueIdOnly>,
}

#[derive(Deserialize)]
struct QueueIdOnly {
    id: String,
}

pub(crate) fn yaml_error(path: &Path, e: &serde_yaml::Error) -> Error {
    let loc = e.location();
    let mut message = e.to_string();
    // The parser appends "at line L column C"; the location says it already.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    Error::Input {
        path: path.to_path_buf(),
        location: Location {
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            field: None,
        },
        message,
    }
}

/// The 1-based line of the `nth` (0-based) line that contains `needle`, if any.
pub(crate) fn find_line(src: &str, needle: &str, nth: usize) -> Option<usize> {
    src.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .map(|(i, _)| i + 1)
}

/// What is wrong with a start window, if anything: the field under the
/// window at fault (empty for the window itself) and the message.
fn start_window_problem(sw: &StartWindow) -> Option<(&'static str, String)> {
    if sw.step_minutes == 0 || sw.step_minutes % 15 != 0 {
        return Some((
            ".step_minutes",
            format!("must be a positive multiple of 15, got {}", sw.step_minutes),
        ));
    }
    if sw.earliest > sw.latest || sw.latest.0 >= 24 * 60 {
        return Some((
            "",
            format!(
                "earliest {} must not be after latest {}, and both before 24:00",
                sw.earliest, sw.latest
            ),
        ));
    }
    if sw.earliest.0 % 15 != 0 || sw.latest.0 % 15 != 0 {
        return Some(("", "start times must fall on a quarter hour".into()));
    }
    None
}

/// What is wrong with a list of shift lengths, if anything.
fn lengths_problem(lengths: &[f64]) -> Option<String> {
    if lengths.is_empty() {
        return Some("at least one shift length is needed".into());
    }
    for &l in lengths {
        let minutes = l * 60.0;
        if !(1.0..=16.0).contains(&l)
            || (minutes - minutes.round()).abs() > 1e-9
            || minutes.round() as u32 % 15 != 0
        {
            return Some(format!(
                "shift length {l} h must be between 1 and 16 hours in quarter hours"
            ));
        }
    }
    None
}

impl Scenario {
    /// Parses and checks a scenario from YAML text; `path` is used in errors only.
    pub fn from_yaml_str(src: &str, path: &Path) -> Result<Scenario> {
        let ids: QueueIdsOnly = serde_yaml::from_str(src).map_err(|e| yaml_error(path, &e))?;
        let mut known: BTreeSet<String> = BTreeSet::new();
        for (i, q) in ids.queues.iter().enumerate() {
            if !known.insert(q.id.clone()) {
                return Err(Error::input(
                    path,
                    find_line(src, &format!("id: {}", q.id), 1),
                    Some(&format!("queues[{i}].id")),
                    format!("duplicate queue id `{}`", q.id),
                ));
            }
        }
        KNOWN_QUEUES.with(|k| *k.borrow_mut() = Some(known));
        let parsed: std::result::Result<Scenario, _> = serde_yaml::from_str(src);
        KNOWN_QUEUES.with(|k| *k.borrow_mut() = None);
        let mut scenario = parsed.map_err(|e| yaml_error(path, &e))?;
        scenario.check(src, path)?;
        for q in &mut scenario.queues {
            if q.channel.is_deferred() {
                if q.service_level.target.is_nan() {
                    q.service_level.target = 1.0;
                }
                q.service_level.seconds = q.deadline_hours.unwrap_or(0.0) * 3600.0;
            }
        }
        Ok(scenario)
    }

    /// Reads a scenario file and resolves its history path.
    pub fn load(path: &Path) -> Result<LoadedScenario> {
        let src =
            crate::limits::read_text_within(path, crate::limits::MAX_SCENARIO_BYTES, "scenario")?;
        let scenario = Scenario::from_yaml_str(&src, path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let history_path = dir.join(&scenario.history.file);
        Ok(LoadedScenario {
            scenario,
            path: path.to_path_buf(),
            history_path,
        })
    }

    /// Checks that need the whole scenario (cross-field rules).
    fn check(&self, src: &str, path: &Path) -> Result<()> {
        let err = |needle: &str, nth: usize, field: &str, msg: String| {
            Error::input(path, find_line(src, needle, nth), Some(field), msg)
        };
        let p = &self.planning;
        if !matches!(p.interval_minutes, 15 | 30 | 60) {
            return Err(err(
                "interval_minutes",
                0,
                "planning.interval_minutes",
                format!("must be 15, 30 or 60, got {}", p.interval_minutes),
            ));
        }
        if !(1..=14).contains(&p.days) {
            return Err(err(
                "days:",
                0,
                "planning.days",
                format!("must be between 1 and 14, got {}", p.days),
            ));
        }
        if self.history.weeks == 0 {
            return Err(err(
                "weeks:",
                0,
                "history.weeks",
                "must be at least 1".into(),
            ));
        }
        if self.queues.len() > crate::limits::MAX_QUEUES
            || self.agents.len() > crate::limits::MAX_AGENTS
        {
            return Err(err(
                "agents",
                0,
                "agents",
                format!(
                    "{} queues and {} agents: rota accepts at most {} queues and {} agents in one scenario (see docs/limits.md); split the centre into sites or teams",
                    self.queues.len(),
                    self.agents.len(),
                    crate::limits::MAX_QUEUES,
                    crate::limits::MAX_AGENTS
                ),
            ));
        }
        let [lo, hi] = self.forecast.band;
        if !(0.0 < lo && lo < hi && hi < 1.0) {
            return Err(err(
                "band",
                0,
                "forecast.band",
                format!("must be two quantiles 0 < low < high < 1, got [{lo}, {hi}]"),
            ));
        }
        if self.forecast.outlier_threshold < 1.0 {
            return Err(err(
                "outlier_threshold",
                0,
                "forecast.outlier_threshold",
                "must be at least 1".into(),
            ));
        }
        if self.queues.is_empty() {
            return Err(err(
                "queues",
                0,
                "queues",
                "at least one queue is needed".into(),
            ));
        }
        for (i, q) in self.queues.iter().enumerate() {
            // Queue ids are unique (checked in the first pass), so the first match is the queue.
            let needle = format!("id: {}", q.id);
            if q.concurrency == 0 || (q.channel == Channel::Voice && q.concurrency != 1) {
                return Err(err(
                    &needle,
                    0,
                    &format!("queues[{i}].concurrency"),
                    "must be 1 for voice and at least 1 for chat".into(),
                ));
            }
            let field = |f: &str| format!("queues[{i}].{f}");
            let deferred = q.channel.is_deferred();
            let missing_sl = q.service_level.target.is_nan();
            let problem = if !deferred && missing_sl {
                Some((
                    "service_level",
                    "is required for voice and chat queues".to_string(),
                ))
            } else if !deferred && q.service_level.seconds.is_nan() {
                Some((
                    "service_level.seconds",
                    "is required for voice and chat queues".to_string(),
                ))
            } else if deferred && q.deadline_hours.is_none_or(|h| h <= 0.0) {
                Some((
                    "deadline_hours",
                    "email and ticket queues need deadline_hours above 0 (e.g. 24)".to_string(),
                ))
            } else if !deferred && q.deadline_hours.is_some() {
                Some((
                    "deadline_hours",
                    "applies to email and ticket queues only".to_string(),
                ))
            } else if deferred && q.concurrency != 1 {
                Some((
                    "concurrency",
                    "must be 1 for email and ticket queues".to_string(),
                ))
            } else if deferred && q.model != QueueModel::ErlangC {
                Some((
                    "model",
                    "email and ticket queues are deferred work and take no queueing model"
                        .to_string(),
                ))
            } else if deferred && !q.service_level.seconds.is_nan() {
                Some((
                    "service_level.seconds",
                    "does not apply to email and ticket queues: their threshold is deadline_hours (give only service_level.target)".to_string(),
                ))
            } else if q.model == QueueModel::ErlangA && q.patience_seconds.is_none_or(|p| p <= 0.0)
            {
                Some((
                    "patience_seconds",
                    "model erlang_a needs patience_seconds above 0 (mean time callers wait before hanging up)".to_string(),
                ))
            } else if q.model != QueueModel::ErlangA && q.patience_seconds.is_some() {
                Some((
                    "patience_seconds",
                    "applies to model erlang_a only".to_string(),
                ))
            } else {
                None
            };
            if let Some((f, msg)) = problem {
                return Err(err(&needle, 0, &field(f), msg));
            }
            if q.open >= q.close {
                return Err(err(
                    &needle,
                    0,
                    &format!("queues[{i}].open"),
                    format!(
                        "opening time {} is not before closing time {}",
                        q.open, q.close
                    ),
                ));
            }
            if q.open.0 % p.interval_minutes != 0 || q.close.0 % p.interval_minutes != 0 {
                return Err(err(
                    &needle,
                    0,
                    &format!("queues[{i}].open"),
                    format!(
                        "opening and closing times must fall on {}-minute interval boundaries",
                        p.interval_minutes
                    ),
                ));
            }
        }
        if self.agents.is_empty() {
            return Err(err(
                "agents",
                0,
                "agents",
                "at least one agent is needed".into(),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, a) in self.agents.iter().enumerate() {
            let needle = format!("id: {}", a.id);
            if !seen.insert(&a.id) {
                return Err(err(
                    &needle,
                    1,
                    &format!("agents[{i}].id"),
                    format!("duplicate agent id `{}`", a.id),
                ));
            }
            if a.skills.is_empty() {
                return Err(err(
                    &needle,
                    0,
                    &format!("agents[{i}].skills"),
                    format!("agent `{}` has no skills", a.id),
                ));
            }
            if let Some(av) = &a.available {
                if av.from >= av.to {
                    return Err(err(
                        &needle,
                        0,
                        &format!("agents[{i}].available"),
                        format!(
                            "agent `{}`: available from {} is not before {}",
                            a.id, av.from, av.to
                        ),
                    ));
                }
            }
            for (j, p) in a.prefers.iter().enumerate() {
                let times = [p.start_after, p.start_before, p.end_before];
                let n_times = times.iter().filter(|t| t.is_some()).count();
                if p.off == (n_times > 0) {
                    return Err(err(
                        &needle,
                        0,
                        &format!("agents[{i}].prefers[{j}]"),
                        format!(
                            "agent `{}`: a preference is either `off: true` or shift times (start_after, start_before, end_before), not both or neither",
                            a.id
                        ),
                    ));
                }
            }
            if a.min_hours > a.max_hours {
                return Err(err(
                    &needle,
                    0,
                    &format!("agents[{i}].min_hours"),
                    format!(
                        "agent `{}`: min_hours {} is above max_hours {}",
                        a.id, a.min_hours, a.max_hours
                    ),
                ));
            }
        }
        let r = &self.rules;
        if let Some((f, msg)) = start_window_problem(&r.shift_start) {
            let needle = if f.is_empty() {
                "shift_start"
            } else {
                "step_minutes"
            };
            return Err(err(needle, 0, &format!("rules.shift_start{f}"), msg));
        }
        if let Some(msg) = lengths_problem(&r.shift_lengths_hours) {
            return Err(err(
                "shift_lengths_hours",
                0,
                "rules.shift_lengths_hours",
                msg,
            ));
        }
        let mut names = BTreeSet::new();
        for (i, t) in r.shift_templates.iter().enumerate() {
            let needle = format!("name: {}", t.name);
            let field = |f: &str| format!("rules.shift_templates[{i}]{f}");
            if t.name.is_empty() || t.name == DEFAULT_TEMPLATE || !names.insert(t.name.as_str()) {
                return Err(err(
                    &needle,
                    0,
                    &field(".name"),
                    format!(
                        "template name `{}` must be unique, not empty and not `{DEFAULT_TEMPLATE}` (the name of shift_start and shift_lengths_hours)",
                        t.name
                    ),
                ));
            }
            if let Some((f, msg)) = start_window_problem(&t.start) {
                return Err(err(&needle, 0, &field(&format!(".start{f}")), msg));
            }
            if let Some(msg) = lengths_problem(&t.lengths_hours) {
                return Err(err(&needle, 0, &field(".lengths_hours"), msg));
            }
        }
        for (i, a) in self.agents.iter().enumerate() {
            let Some(list) = &a.templates else { continue };
            let needle = format!("id: {}", a.id);
            let field = format!("agents[{i}].templates");
            if list.is_empty() {
                return Err(err(
                    &needle,
                    0,
                    &field,
                    format!("agent `{}` lists no shift template", a.id),
                ));
            }
            for name in list {
                if name != DEFAULT_TEMPLATE && !names.contains(name.as_str()) {
                    let mut known = vec![DEFAULT_TEMPLATE];
                    known.extend(names.iter());
                    return Err(err(
                        &needle,
                        0,
                        &field,
                        format!(
                            "unknown shift template `{name}`: rules.shift_templates has none of that name (templates: {})",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        let mb = &r.meal_break;
        let shortest = r.all_lengths_hours().into_iter().fold(f64::MAX, f64::min);
        if mb.step_minutes == 0 || mb.step_minutes % 5 != 0 {
            return Err(err(
                "meal_break",
                0,
                "rules.meal_break.step_minutes",
                format!("must be a positive multiple of 5, got {}", mb.step_minutes),
            ));
        }
        if mb.minutes == 0 || mb.minutes % 15 != 0 {
            return Err(err(
                "meal_break",
                0,
                "rules.meal_break.minutes",
                format!("must be a positive multiple of 15, got {}", mb.minutes),
            ));
        }
        let window_minutes = (mb.latest_end_hours - mb.earliest_start_hours) * 60.0;
        if window_minutes + 1e-9 < mb.minutes as f64 || mb.latest_end_hours > shortest {
            return Err(err(
                "meal_break",
                0,
                "rules.meal_break",
                format!(
                    "the window from {} h to {} h after the shift start must hold a {}-minute break and end within the shortest shift ({} h)",
                    mb.earliest_start_hours, mb.latest_end_hours, mb.minutes, shortest
                ),
            ));
        }
        self.check_rest_breaks(src, path)?;
        if r.max_consecutive_days == Some(0) {
            return Err(err(
                "max_consecutive_days",
                0,
                "rules.max_consecutive_days",
                "must be at least 1".into(),
            ));
        }
        if r.consecutive_days_off.is_some_and(|k| k == 0 || k > p.days) {
            return Err(err(
                "consecutive_days_off",
                0,
                "rules.consecutive_days_off",
                format!("must be between 1 and the {} planned days", p.days),
            ));
        }
        for id in self.objective.queues.keys() {
            let Some(q) = self.queues.iter().find(|q| &q.id == id) else {
                return Err(err(
                    &format!("{id}:"),
                    0,
                    &format!("objective.queues.{id}"),
                    format!("unknown queue `{id}`: not among the scenario's queues"),
                ));
            };
            if q.channel.is_deferred() {
                return Err(err(
                    &format!("{id}:"),
                    0,
                    &format!("objective.queues.{id}"),
                    format!("queue `{id}` is deferred work: the service-level objective applies to voice and chat queues"),
                ));
            }
        }
        for (i, m) in self.min_staff.iter().enumerate() {
            if m.from >= m.to {
                return Err(err(
                    "min_staff",
                    0,
                    &format!("min_staff[{i}].from"),
                    format!("from {} is not before to {}", m.from, m.to),
                ));
            }
            if m.until.is_some() && m.date.is_none() {
                return Err(err(
                    "min_staff",
                    0,
                    &format!("min_staff[{i}].until"),
                    "needs a `date` to start from".into(),
                ));
            }
            if m.date.zip(m.until).is_some_and(|(d, u)| u < d) {
                return Err(err(
                    "min_staff",
                    0,
                    &format!("min_staff[{i}].until"),
                    "is before `date`".into(),
                ));
            }
        }
        if r.max_working_days == 0 {
            return Err(err(
                "max_working_days",
                0,
                "rules.max_working_days",
                "must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

impl Scenario {
    /// Rest breaks: sound sizes, windows that fit the shifts they apply to,
    /// and windows disjoint from the meal break's and from each other.
    fn check_rest_breaks(&self, src: &str, path: &Path) -> Result<()> {
        let r = &self.rules;
        let mb = &r.meal_break;
        let lengths = r.all_lengths_hours();
        let mut windows = vec![(
            "rules.meal_break".to_string(),
            mb.earliest_start_hours,
            mb.latest_end_hours,
        )];
        for (i, rb) in r.rest_breaks.iter().enumerate() {
            let field = format!("rules.rest_breaks[{i}]");
            // The entry's own line when the list is written one entry a line.
            let line = find_line(src, "rest_breaks:", 0).map(|l| {
                let entry = src.lines().nth(l + i).unwrap_or("");
                if entry.trim_start().starts_with('-') {
                    l + i + 1
                } else {
                    l
                }
            });
            let fail =
                |f: &str, msg: String| Error::input(path, line, Some(&format!("{field}{f}")), msg);
            if rb.minutes == 0 || rb.minutes % 5 != 0 {
                return Err(fail(
                    ".minutes",
                    format!("must be a positive multiple of 5, got {}", rb.minutes),
                ));
            }
            if rb.step_minutes == 0 || rb.step_minutes % 5 != 0 {
                return Err(fail(
                    ".step_minutes",
                    format!("must be a positive multiple of 5, got {}", rb.step_minutes),
                ));
            }
            let Some(shortest) = lengths
                .iter()
                .cloned()
                .filter(|&l| rb.applies(l))
                .reduce(f64::min)
            else {
                return Err(fail(
                    ".min_shift_hours",
                    format!(
                        "{} h: no allowed shift length is that long, so the break would never apply",
                        rb.min_shift_hours
                    ),
                ));
            };
            let window_minutes = (rb.latest_end_hours - rb.earliest_start_hours) * 60.0;
            if window_minutes + 1e-9 < rb.minutes as f64 || rb.latest_end_hours > shortest + 1e-9 {
                return Err(fail(
                    "",
                    format!(
                        "the window from {} h to {} h after the shift start must hold a {}-minute break and end within the shortest shift it applies to ({} h)",
                        rb.earliest_start_hours, rb.latest_end_hours, rb.minutes, shortest
                    ),
                ));
            }
            for (other, from, to) in &windows {
                if rb.earliest_start_hours + 1e-9 < *to && *from + 1e-9 < rb.latest_end_hours {
                    return Err(fail(
                        "",
                        format!(
                            "the window from {} h to {} h after the shift start overlaps the window of {other} ({from} h to {to} h); break windows must not overlap, so a shift's breaks never do",
                            rb.earliest_start_hours, rb.latest_end_hours
                        ),
                    ));
                }
            }
            windows.push((field, rb.earliest_start_hours, rb.latest_end_hours));
        }
        Ok(())
    }

    /// The service-level goal of a voice or chat queue.
    pub fn sl_goal(&self, q: &Queue) -> SlGoal {
        let o = &self.objective;
        let per = o.queues.get(&q.id).copied().unwrap_or_default();
        SlGoal {
            target: per.target.or(o.target).unwrap_or(q.service_level.target),
            interval_minimum: per.interval_minimum.or(o.interval_minimum),
        }
    }

    /// Weight of understaffing `queue` in the interval starting at local
    /// `minute` of `date`: the largest covering peak's weight, at least 1.
    pub fn peak_weight(&self, date: NaiveDate, minute: u32, queue: &str) -> f64 {
        self.peaks
            .iter()
            .filter(|p| p.covers(date, minute, queue))
            .map(|p| p.weight)
            .fold(1.0, f64::max)
    }

    /// Agents the `min_staff` floors ask of queue `queue` in the interval
    /// starting at local `minute` of `date` (the largest floor; 0 when none).
    pub fn min_staff_at(&self, queue: &str, date: NaiveDate, minute: u32) -> f64 {
        self.min_staff
            .iter()
            .filter(|m| m.queue == queue && m.covers(date, minute))
            .map(|m| m.agents)
            .fold(0.0, f64::max)
    }

    /// The planned local dates, in order.
    pub fn dates(&self) -> Vec<NaiveDate> {
        (0..self.planning.days)
            .map(|i| self.planning.week_start + chrono::Duration::days(i as i64))
            .collect()
    }

    /// Shrinkage of a queue (its own or the default).
    pub fn shrinkage(&self, q: &Queue) -> f64 {
        q.shrinkage.unwrap_or(self.defaults.shrinkage)
    }

    /// Occupancy cap of a queue (its own or the default).
    pub fn max_occupancy(&self, q: &Queue) -> f64 {
        q.max_occupancy.unwrap_or(self.defaults.max_occupancy)
    }

    /// The product of the given multipliers of events on `date` for `queue`
    /// (events without one are learned by the forecast).
    pub fn event_multiplier(&self, date: NaiveDate, queue: &str) -> f64 {
        self.calendar
            .events
            .iter()
            .filter(|e| e.applies(date, queue))
            .filter_map(|e| e.volume_multiplier)
            .product()
    }

    /// Paid hours of a shift of `length_hours`: its length less the unpaid
    /// meal break and the unpaid rest breaks a shift that long gets.
    pub fn paid_hours(&self, length_hours: f64) -> f64 {
        let mb = &self.rules.meal_break;
        let mut unpaid = if mb.paid { 0 } else { mb.minutes };
        for rb in &self.rules.rest_breaks {
            if !rb.paid && rb.applies(length_hours) {
                unpaid += rb.minutes;
            }
        }
        length_hours - unpaid as f64 / 60.0
    }
}

/// Day-of-week index, Monday = 0.
pub fn weekday_index(d: NaiveDate) -> usize {
    d.weekday().num_days_from_monday() as usize
}

/// Weekday names, Monday first, for reports.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// HiGHS settings, read from `solver-configs/NAME.yaml`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SolverConfig {
    /// Wall-clock limit of one solve, in seconds.
    #[serde(deserialize_with = "de_non_negative")]
    pub time_limit_seconds: f64,
    /// Stop when the relative gap between the incumbent and the best bound is at most this.
    #[serde(deserialize_with = "de_non_negative")]
    pub mip_rel_gap: f64,
    /// Threads HiGHS may use (0 = HiGHS decides).
    #[serde(default)]
    pub threads: u32,
    /// HiGHS random seed: same seed, same model, same roster.
    #[serde(default)]
    pub random_seed: u32,
    /// HiGHS presolve: "on", "off" or "choose".
    #[serde(default = "default_presolve")]
    pub presolve: String,
    /// Hand HiGHS a greedy roster as its first incumbent (so a time-limited
    /// solve always has a roster); `false` lets HiGHS search alone.
    #[serde(default = "default_true")]
    pub warm_start: bool,
    /// Further HiGHS options by their HiGHS name (booleans, numbers or strings),
    /// e.g. `mip_heuristic_effort: 0.3`; see the HiGHS option definitions.
    #[serde(default)]
    pub options: std::collections::BTreeMap<String, HighsValue>,
    /// `agents` solves one model with a binary per agent, day and shift;
    /// `decomposition` solves the tours of interchangeable agents first and
    /// then assigns agents (see docs/benchmarks.md); `auto` decomposes from
    /// `decompose_from_agents` agents on (`decompose_service_level_from_agents`
    /// with the service-level objective).
    #[serde(default)]
    pub method: SolveMethod,
    /// With `method: auto`, the number of agents from which rota decomposes.
    #[serde(default = "default_decompose_from")]
    pub decompose_from_agents: usize,
    /// The same for scenarios with `objective.mode: service_level`, whose
    /// agent model is slower.
    #[serde(default = "default_decompose_sl_from")]
    pub decompose_service_level_from_agents: usize,
}

/// How the optimizer builds the roster.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SolveMethod {
    #[default]
    Auto,
    Agents,
    Decomposition,
}

fn default_decompose_from() -> usize {
    100
}

fn default_decompose_sl_from() -> usize {
    20
}

/// The value of a HiGHS option.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(untagged)]
pub enum HighsValue {
    Bool(bool),
    Int(i32),
    Float(f64),
    Text(String),
}

fn default_true() -> bool {
    true
}

fn default_presolve() -> String {
    "choose".to_string()
}

impl SolverConfig {
    /// Reads a solver configuration file.
    pub fn load(path: &Path) -> Result<SolverConfig> {
        let src = crate::limits::read_text_within(
            path,
            crate::limits::MAX_SCENARIO_BYTES,
            "solver settings",
        )?;
        let cfg: SolverConfig = serde_yaml::from_str(&src).map_err(|e| yaml_error(path, &e))?;
        if !matches!(cfg.presolve.as_str(), "on" | "off" | "choose") {
            return Err(Error::input(
                path,
                find_line(&src, "presolve", 0),
                Some("presolve"),
                format!("must be on, off or choose, got `{}`", cfg.presolve),
            ));
        }
        Ok(cfg)
    }

    /// Finds the file for the scenario's `solver` setting: a path (relative to
    /// the scenario) when it contains a slash or ends in `.yaml`, else a name
    /// looked up as `solver-configs/NAME.yaml` in the scenario's folder and each
    /// folder above it.
    pub fn resolve(scenario_path: &Path, name: &str) -> Result<PathBuf> {
        let dir = scenario_path.parent().unwrap_or(Path::new("."));
        if name.contains('/') || name.ends_with(".yaml") || name.ends_with(".yml") {
            return Ok(dir.join(name));
        }
        let file = format!("{name}.yaml");
        let start = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        for d in abs.ancestors() {
            let candidate = d.join("solver-configs").join(&file);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        Err(Error::input(
            scenario_path,
            None,
            Some("solver"),
            format!("no solver-configs/{file} found beside the scenario or in a folder above it"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times() {
        assert_eq!(ClockTime::parse("08:30").unwrap().minutes(), 510);
        assert_eq!(ClockTime::parse("24:00").unwrap().minutes(), 1440);
        for bad in ["25:00", "24:30", "8", "08:60", "ab:cd", "08:5"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad} accepted");
        }
    }

    const SMALL: &str = r#"
name: s
site: { name: S, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 7 }
history: { file: h.csv }
queues:
  - { id: orders, channel: voice, service_level: { target: 0.8, seconds: 20 } }
  - { id: payments, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A1, name: Ann, AGENT }
rules:
  shift_start: { earliest: "08:00", latest: "12:00" }
  shift_lengths_hours: [8]
  meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 5 }
"#;

    fn with_agent(agent: &str) -> Result<Scenario> {
        Scenario::from_yaml_str(&SMALL.replace("AGENT", agent), Path::new("s.yaml"))
    }

    #[test]
    fn skills_plain_and_rated() {
        let s = with_agent(
            "skills: [orders, { queue: payments, proficiency: 0.8 }], min_hours: 0, max_hours: 40",
        )
        .unwrap();
        let a = &s.agents[0];
        assert_eq!(a.skills, ["orders", "payments"]);
        assert_eq!(a.proficiency("orders"), 1.0);
        assert_eq!(a.proficiency("payments"), 0.8);
        for bad in [
            "skills: [{ queue: refunds, proficiency: 0.8 }]",
            "skills: [{ queue: orders, proficiency: 0 }]",
            "skills: [{ queue: orders, level: 0.5 }]",
        ] {
            let e = with_agent(&format!("{bad}, min_hours: 0, max_hours: 40"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("line 10"), "{bad}: {e}");
        }
    }

    #[test]
    fn preferences() {
        let s = with_agent(
            "skills: [orders], min_hours: 0, max_hours: 40, prefers: [{ days: [sat, 2026-11-11], off: true }, { start_after: \"10:00\", weight: 2 }]",
        )
        .unwrap();
        let p = &s.agents[0].prefers;
        assert_eq!(p[0].weight, 5.0);
        assert_eq!(p[0].to_string(), "day off on sat, 2026-11-11");
        assert!(p[0].applies(NaiveDate::from_ymd_opt(2026, 11, 14).unwrap()));
        assert!(!p[0].applies(NaiveDate::from_ymd_opt(2026, 11, 12).unwrap()));
        assert_eq!(p[1].to_string(), "start at or after 10:00 every day");
        let e = with_agent(
            "skills: [orders], min_hours: 0, max_hours: 40, prefers: [{ off: true, end_before: \"17:00\" }]",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("agents[0].prefers[0]"), "{e}");
        let e = with_agent(
            "skills: [orders], min_hours: 0, max_hours: 40, prefers: [{ days: [someday], off: true }]",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("invalid day `someday`"), "{e}");
    }
}
