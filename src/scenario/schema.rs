//! The scenario's schema: every field a planner writes, with its default.

use std::fmt;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use super::de::*;
use super::solver::default_true;
use super::*;

/// The whole scenario as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name shown in reports.
    pub name: String,
    /// Free text for planners.
    #[serde(default)]
    pub description: String,
    /// The centre: its name and the reference zone (of `week_start`, local
    /// history timestamps and `replan --from`). With `sites` it may be left
    /// out: the first site's name and zone stand in (`docs/sites.md`).
    #[serde(rename = "site", default)]
    pub site_written: Option<Site>,
    /// The centre as planned: `site_written`, or the first of `sites`
    /// (`Scenario::settle_sites`).
    #[serde(skip)]
    pub site: Site,
    /// The sites whose agents are pooled in one plan; empty when the
    /// scenario has one `site`, which then stands for the only site.
    #[serde(default)]
    pub sites: Vec<SiteSpec>,
    /// Whether the scenario was written with `sites` (else with one `site`).
    #[serde(skip)]
    pub multi_site: bool,
    pub planning: Planning,
    /// Interval history to forecast from; may be left out when
    /// `forecast.file` gives every queue's forecast.
    #[serde(default)]
    pub history: HistorySource,
    /// Agents required per queue and interval, from another tool.
    #[serde(default)]
    pub requirements: Option<RequirementsSource>,
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
    /// Shift patterns that rotate week by week, followed by the agents
    /// that name them (`Agent::rotation`).
    #[serde(default)]
    pub rotations: Vec<Rotation>,
    /// What a re-plan's changes cost and which remedies it may use (`docs/replan.md`).
    #[serde(default)]
    pub replan: ReplanSettings,
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

impl Default for Site {
    fn default() -> Site {
        Site {
            name: String::new(),
            timezone: Tz::UTC,
        }
    }
}

/// One site of a centre planned as one (`sites`, `docs/sites.md`): its
/// zone, hours and closures, the queues it serves, the cost of its hours
/// and the shift rules it has of its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    pub name: String,
    /// IANA time zone: the site's shifts, opening hours, closures and
    /// shift rules are in its local time.
    #[serde(deserialize_with = "de_tz")]
    pub timezone: Tz,
    /// Local opening hours: every shift of the site's agents starts at or
    /// after `from` and ends by `to` of the day it starts; open around the
    /// clock when absent.
    #[serde(default)]
    pub open: Option<Availability>,
    /// Local dates the site is closed (public holidays): no shift starts on them.
    #[serde(default, deserialize_with = "de_dates")]
    pub closed: Vec<NaiveDate>,
    /// Queue ids the site serves; every queue when absent. Its agents'
    /// skills must be among them.
    #[serde(default, deserialize_with = "de_queue_refs")]
    pub queues: Option<Vec<String>>,
    /// Multiplies the `hourly_cost` of each of the site's agents.
    #[serde(default = "one", deserialize_with = "de_cost_factor")]
    pub cost_factor: f64,
    /// Rules of the site's own (shift rules in its local time; rest and
    /// days for its agents), overriding the scenario's `rules` of the same
    /// name.
    #[serde(default)]
    pub rules: SiteRules,
}

/// The rules a site may set for itself (`SiteSpec::rules`), named as in
/// the scenario's `rules`: its shift rules, and the rest and days of its
/// agents.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteRules {
    #[serde(default)]
    pub shift_start: Option<StartWindow>,
    #[serde(default)]
    pub shift_lengths_hours: Option<Vec<f64>>,
    #[serde(default)]
    pub shift_templates: Option<Vec<ShiftTemplate>>,
    #[serde(default, deserialize_with = "de_opt_rest_hours")]
    pub min_rest_hours: Option<f64>,
    #[serde(default)]
    pub max_working_days: Option<u32>,
    #[serde(default)]
    pub max_consecutive_days: Option<u32>,
    #[serde(default)]
    pub consecutive_days_off: Option<u32>,
    /// The site's meal break: absent, the scenario's; `null`, none (as the
    /// scenario's `meal_break` left out); else its own.
    #[serde(default, deserialize_with = "de_site_meal")]
    pub meal_break: Option<Option<MealBreak>>,
    /// The site's rest breaks: absent, the scenario's; `[]`, none; else its own.
    #[serde(default)]
    pub rest_breaks: Option<Vec<RestBreak>>,
}

/// A site's `meal_break`: present (`null` included) means the site's own.
fn de_site_meal<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<MealBreak>>, D::Error> {
    Option::<MealBreak>::deserialize(d).map(Some)
}

impl SiteRules {
    /// Whether the site sets any break of its own (`meal_break`, `rest_breaks`).
    pub fn own_breaks(&self) -> bool {
        self.meal_break.is_some() || self.rest_breaks.is_some()
    }
}

impl SiteSpec {
    /// The only site of a scenario written with one `site`: open around the
    /// clock, every queue, the scenario's rules.
    pub fn whole(site: &Site) -> SiteSpec {
        SiteSpec {
            name: site.name.clone(),
            timezone: site.timezone,
            open: None,
            closed: Vec::new(),
            queues: None,
            cost_factor: 1.0,
            rules: SiteRules::default(),
        }
    }

    /// Whether the site serves queue `q`.
    pub fn serves(&self, q: &str) -> bool {
        self.queues
            .as_ref()
            .is_none_or(|qs| qs.iter().any(|x| x == q))
    }

    /// The scenario's `rules` with the site's own in their place.
    pub fn rules(&self, rules: &Rules) -> Rules {
        let mut r = rules.clone();
        let own = &self.rules;
        if let Some(h) = own.min_rest_hours {
            r.min_rest_hours = h;
        }
        if let Some(d) = own.max_working_days {
            r.max_working_days = d;
        }
        if own.max_consecutive_days.is_some() {
            r.max_consecutive_days = own.max_consecutive_days;
        }
        if own.consecutive_days_off.is_some() {
            r.consecutive_days_off = own.consecutive_days_off;
        }
        if let Some(sw) = &self.rules.shift_start {
            r.shift_start = sw.clone();
        }
        if let Some(l) = &self.rules.shift_lengths_hours {
            r.shift_lengths_hours = l.clone();
        }
        if let Some(t) = &self.rules.shift_templates {
            r.shift_templates = t.clone();
        }
        if let Some(m) = &self.rules.meal_break {
            r.meal_break = m.clone();
        }
        if let Some(b) = &self.rules.rest_breaks {
            r.rest_breaks = b.clone();
        }
        r
    }
}

/// The planning horizon.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Planning {
    /// First local date of the plan.
    #[serde(deserialize_with = "de_date")]
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

/// Where the interval history comes from. A scenario without a `history`
/// section has the default: no file (an empty path).
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

impl Default for HistorySource {
    fn default() -> Self {
        HistorySource {
            file: PathBuf::new(),
            weeks: default_weeks(),
            timezone: None,
            timestamps: TimestampMode::default(),
            columns: None,
            queue: None,
        }
    }
}

/// Where the required agents come from (`requirements:`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementsSource {
    /// CSV file (queue, interval_start, agents), relative to the scenario file.
    pub file: PathBuf,
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
    /// Weekday level × day-of-month factor × intraday profile.
    DayOfMonth,
    /// Exponentially smoothed level × weekday factor × day-of-month factor
    /// × intraday profile.
    SmoothedLevel,
    /// The mean of several methods' forecasts.
    Combined,
    /// Read from `forecast.file` (not a method a scenario can ask for).
    #[serde(skip_deserializing)]
    File,
}

impl ForecastMethod {
    /// The method's name as written in the scenario.
    pub fn name(self) -> &'static str {
        match self {
            ForecastMethod::Auto => "auto",
            ForecastMethod::SeasonalNaive => "seasonal_naive",
            ForecastMethod::Decomposition => "decomposition",
            ForecastMethod::HoltWinters => "holt_winters",
            ForecastMethod::DayOfMonth => "day_of_month",
            ForecastMethod::SmoothedLevel => "smoothed_level",
            ForecastMethod::Combined => "combined",
            ForecastMethod::File => "file",
        }
    }

    /// Parses a method name.
    pub fn parse(s: &str) -> Option<ForecastMethod> {
        [
            ForecastMethod::Auto,
            ForecastMethod::SeasonalNaive,
            ForecastMethod::Decomposition,
            ForecastMethod::HoltWinters,
            ForecastMethod::DayOfMonth,
            ForecastMethod::SmoothedLevel,
            ForecastMethod::Combined,
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
    #[serde(default = "default_outlier", deserialize_with = "de_threshold")]
    pub outlier_threshold: f64,
    /// Lower and upper quantile of the band, e.g. `[0.1, 0.9]`.
    #[serde(default = "default_band")]
    pub band: [f64; 2],
    /// Calibrate the band split-conformally on this many weeks before the
    /// forecast origin (docs/forecasting.md#band); none: the band of the
    /// method's backtest.
    #[serde(default)]
    pub calibration_weeks: Option<u32>,
    /// A forecast made elsewhere (queue, interval_start, volume,
    /// aht_seconds, optional volume_p10 and volume_p90), relative to the
    /// scenario file: the queues it lists are not forecast from history.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings {
            method: ForecastMethod::Auto,
            backtest_weeks: default_backtest_weeks(),
            outlier_threshold: default_outlier(),
            band: default_band(),
            calibration_weeks: None,
            file: None,
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
    #[serde(deserialize_with = "de_date")]
    pub date: NaiveDate,
    /// Last date (inclusive); defaults to `date`.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub until: Option<NaiveDate>,
    /// Volume multiplier (2.5 = two and a half times the usual volume); when
    /// absent, learned from past dates of events of the same name in history.
    #[serde(default, deserialize_with = "de_opt_multiplier")]
    pub volume_multiplier: Option<f64>,
    /// Handle-time multiplier (1.2 = calls 20 % longer); when absent,
    /// learned from past dates of events of the same name in history that
    /// have handle times (1 when there are none).
    #[serde(default, deserialize_with = "de_opt_multiplier")]
    pub aht_multiplier: Option<f64>,
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
    #[serde(deserialize_with = "de_date")]
    pub date: NaiveDate,
    /// Last date (inclusive); defaults to `date`.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub until: Option<NaiveDate>,
    /// Multiplier of forecast volume.
    #[serde(default = "one", deserialize_with = "de_multiplier")]
    pub volume_multiplier: f64,
    /// Multiplier of forecast handle time.
    #[serde(default = "one", deserialize_with = "de_multiplier")]
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
    #[serde(default = "unset_seconds", deserialize_with = "de_seconds")]
    pub seconds: f64,
    /// Optional ceiling on the average speed of answer, in seconds.
    #[serde(default, deserialize_with = "de_opt_seconds")]
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
    #[serde(default, deserialize_with = "de_opt_patience")]
    pub patience_seconds: Option<f64>,
    /// Deadline of deferred work (email, ticket), hours after arrival.
    #[serde(default, deserialize_with = "de_opt_deadline_hours")]
    pub deadline_hours: Option<f64>,
    /// Chat sessions an agent handles at once (chat only).
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Required for voice and chat; for deferred work the share of items
    /// finished within the deadline (all of them when absent).
    #[serde(default = "unset_service_level")]
    pub service_level: ServiceLevel,
    /// Fixed handle time in seconds; when absent it is forecast from history.
    #[serde(default, deserialize_with = "de_opt_seconds")]
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
    /// The id of the rotation (`Scenario::rotations`) the agent follows.
    pub rotation: Option<String>,
    /// Which week of the rotation's cycle the plan's first week is for this
    /// agent (0 when absent).
    pub rotation_week: Option<u32>,
    /// On call in the reserve pool: never rostered by `plan`, called (and
    /// paid) only by a re-plan.
    pub reserve: bool,
    /// The site the agent works at (`Scenario::sites`); after loading, the
    /// only site's name when the scenario has one `site`.
    pub site: Option<String>,
    /// In a week planned on its own by the weeks method (`solve::weeks`):
    /// the most days in a row the agent may end the plan on, so that the
    /// weeks after it keep a plan for them (a run into a week with a day
    /// off of one's own can leave too few days for the contract). Never
    /// read from a scenario file.
    pub end_run_at_most: Option<u32>,
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
    #[serde(deserialize_with = "de_contract_hours")]
    min_hours: f64,
    #[serde(deserialize_with = "de_contract_hours")]
    max_hours: f64,
    #[serde(default, deserialize_with = "de_dates")]
    days_off: Vec<NaiveDate>,
    #[serde(default)]
    available: Option<Availability>,
    #[serde(default)]
    previous: Option<PreviousWeek>,
    #[serde(default = "one", deserialize_with = "de_hourly_cost")]
    hourly_cost: f64,
    #[serde(default)]
    prefers: Vec<Preference>,
    #[serde(default)]
    templates: Option<Vec<String>>,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    rotation_week: Option<u32>,
    #[serde(default)]
    reserve: bool,
    #[serde(default)]
    site: Option<String>,
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
            rotation: a.rotation,
            rotation_week: a.rotation_week,
            reserve: a.reserve,
            end_run_at_most: None,
            site: a.site,
        }
    }
}

/// A skill: a queue id, or a queue with a proficiency.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum SkillSpec {
    Plain(String),
    Rated(RatedSkill),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RatedSkill {
    pub(super) queue: String,
    pub(super) proficiency: f64,
}

impl SkillSpec {
    pub(super) fn queue(&self) -> &str {
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
        parse_str(d, |s| {
            if let Some(w) = parse_weekday(s) {
                return Ok(DaySpec::Weekday(w));
            }
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(DaySpec::Date)
                .map_err(|_| {
                    format!(
                        "invalid day `{}`: expected a weekday (mon, tue, wed, thu, fri, sat, sun) or a date YYYY-MM-DD",
                        crate::limits::excerpt(s)
                    )
                })
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
    #[serde(default = "default_preference_weight", deserialize_with = "de_weight")]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    parse_str(d, |s| {
        chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
            .map(Some)
            .map_err(|_| {
                format!(
                    "invalid local time `{}`: expected YYYY-MM-DD HH:MM",
                    crate::limits::excerpt(s)
                )
            })
    })
}

/// A peak period: understaffing there weighs more.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peak {
    #[serde(default)]
    pub name: String,
    #[serde(deserialize_with = "de_date")]
    pub date: NaiveDate,
    #[serde(default, deserialize_with = "de_opt_date")]
    pub until: Option<NaiveDate>,
    /// Daily start of the peak (default 00:00).
    #[serde(default = "default_open")]
    pub from: ClockTime,
    /// Daily end of the peak (default 24:00).
    #[serde(default = "default_close")]
    pub to: ClockTime,
    /// Multiplier of the understaffing weight in the peak.
    #[serde(deserialize_with = "de_weight")]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

/// The meal break: one per shift of at least `min_shift_hours`, inside a
/// window relative to the shift start.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MealBreak {
    pub minutes: u32,
    /// The break starts at least this many hours after the shift starts.
    #[serde(deserialize_with = "de_shift_hours")]
    pub earliest_start_hours: f64,
    /// The break ends at most this many hours after the shift starts.
    #[serde(deserialize_with = "de_shift_hours")]
    pub latest_end_hours: f64,
    /// Whether the break is paid working time.
    #[serde(default)]
    pub paid: bool,
    /// Break start times fall on this grid from the window's start (minutes).
    #[serde(default = "default_break_step")]
    pub step_minutes: u32,
    /// Only shifts at least this long (hours, start to end) get a meal break.
    #[serde(default, deserialize_with = "de_shift_hours")]
    pub min_shift_hours: f64,
}

fn default_break_step() -> u32 {
    15
}

/// A rest break: one per shift of at least `min_shift_hours`, inside a window
/// relative to the shift start. The windows of the meal break and of every
/// rest break are disjoint, so a shift's breaks never overlap.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestBreak {
    pub minutes: u32,
    /// The break starts at least this many hours after the shift starts.
    #[serde(deserialize_with = "de_shift_hours")]
    pub earliest_start_hours: f64,
    /// The break ends at most this many hours after the shift starts.
    #[serde(deserialize_with = "de_shift_hours")]
    pub latest_end_hours: f64,
    /// Whether the break is paid working time (rest breaks usually are).
    #[serde(default = "default_true")]
    pub paid: bool,
    /// Break start times fall on this grid from the window's start (minutes).
    #[serde(default = "default_break_step")]
    pub step_minutes: u32,
    /// Only shifts at least this long (hours, start to end) get this break.
    #[serde(default, deserialize_with = "de_shift_hours")]
    pub min_shift_hours: f64,
}

impl RestBreak {
    /// Whether a shift of `length_hours` gets this break.
    pub fn applies(&self, length_hours: f64) -> bool {
        length_hours + 1e-9 >= self.min_shift_hours
    }
}

/// One kind of break as every part of rota sees it: the meal break or one of
/// the rest breaks, with the shifts it applies to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakRule {
    /// "meal" or "rest", as written in the roster.
    pub kind: &'static str,
    /// Where it is configured, for messages: `rules.meal_break` or `rules.rest_breaks[i]`.
    pub index: Option<usize>,
    pub minutes: u32,
    pub earliest_start_hours: f64,
    pub latest_end_hours: f64,
    pub paid: bool,
    pub step_minutes: u32,
    pub min_shift_hours: f64,
}

impl BreakRule {
    /// Whether a shift of `length_hours` (start to end) gets this break.
    pub fn applies(&self, length_hours: f64) -> bool {
        length_hours + 1e-9 >= self.min_shift_hours
    }

    /// The field that configures it.
    pub fn field(&self) -> String {
        match self.index {
            None => "rules.meal_break".to_string(),
            Some(i) => format!("rules.rest_breaks[{i}]"),
        }
    }
}

/// The name of the template made of `rules.shift_start` and `rules.shift_lengths_hours`.
pub const DEFAULT_TEMPLATE: &str = "default";

/// A named shift template: start times and lengths, on some days only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    #[serde(default, deserialize_with = "de_dates")]
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

/// A rotation: a cycle of weekly shift patterns. Agent `a` following it
/// works week `w` of the plan (`Scenario::weeks`) by entry
/// `(a.rotation_week + w) mod weeks.len()` of the cycle.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// Name agents give in their `rotation`.
    pub id: String,
    /// The cycle, one entry per week.
    #[serde(default)]
    pub weeks: Vec<RotationWeek>,
    /// Soft: the cost of each shift worked off the pattern. Hard (a shift off
    /// the pattern may not be worked) when absent.
    #[serde(default, deserialize_with = "de_opt_weight")]
    pub weight: Option<f64>,
}

/// One week of a rotation's cycle.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationWeek {
    /// The shift templates worked this week; any of the agent's when absent.
    #[serde(default)]
    pub templates: Option<Vec<String>>,
    /// Weekdays off this week.
    #[serde(default)]
    pub days_off: Vec<Weekday>,
}

impl RotationWeek {
    /// Whether the week's pattern lets a shift of template `name` be worked
    /// on a day of weekday `day`.
    pub fn allows(&self, day: Weekday, name: &str) -> bool {
        !self.days_off.contains(&day)
            && self
                .templates
                .as_ref()
                .is_none_or(|ts| ts.iter().any(|t| t == name))
    }
}

impl fmt::Display for RotationWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.templates {
            Some(ts) => write!(f, "templates {}", ts.join(", "))?,
            None => write!(f, "any template")?,
        }
        if !self.days_off.is_empty() {
            let days: Vec<&str> = self.days_off.iter().map(|d| weekday_name(*d)).collect();
            write!(f, ", off on {}", days.join(", "))?;
        }
        Ok(())
    }
}

/// Hard rules every shift and every agent's week must meet.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub shift_start: StartWindow,
    /// Allowed shift lengths in hours, start to end, meal break included.
    pub shift_lengths_hours: Vec<f64>,
    /// More shift templates besides the default one (`shift_start` with
    /// `shift_lengths_hours`, every day), for some days or some agents.
    #[serde(default)]
    pub shift_templates: Vec<ShiftTemplate>,
    /// The meal break; none when absent.
    #[serde(default)]
    pub meal_break: Option<MealBreak>,
    /// Rest breaks, each with its own window; none when absent.
    #[serde(default)]
    pub rest_breaks: Vec<RestBreak>,
    /// Minimum rest between the end of one shift and the start of the next.
    #[serde(default = "default_rest", deserialize_with = "de_rest_hours")]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fairness {
    /// A shift is late when it ends after this local time of its day (or on a later day).
    #[serde(default = "default_late_after")]
    pub late_after: ClockTime,
    /// Weekdays that are the weekend.
    #[serde(default = "default_weekend")]
    pub weekend: Vec<DaySpec>,
}

impl Default for Fairness {
    fn default() -> Self {
        Fairness {
            late_after: default_late_after(),
            weekend: default_weekend(),
        }
    }
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

    /// The configured breaks: the meal break (if any), then the rest breaks
    /// in the order written.
    pub fn break_rules(&self) -> Vec<BreakRule> {
        let meal = self.meal_break.iter().map(|m| BreakRule {
            kind: "meal",
            index: None,
            minutes: m.minutes,
            earliest_start_hours: m.earliest_start_hours,
            latest_end_hours: m.latest_end_hours,
            paid: m.paid,
            step_minutes: m.step_minutes,
            min_shift_hours: m.min_shift_hours,
        });
        let rest = self.rest_breaks.iter().enumerate().map(|(i, r)| BreakRule {
            kind: "rest",
            index: Some(i),
            minutes: r.minutes,
            earliest_start_hours: r.earliest_start_hours,
            latest_end_hours: r.latest_end_hours,
            paid: r.paid,
            step_minutes: r.step_minutes,
            min_shift_hours: r.min_shift_hours,
        });
        meal.chain(rest).collect()
    }

    /// Paid hours of a shift of `length_hours` under these rules: its length
    /// less the unpaid breaks a shift that long gets.
    pub fn paid_hours(&self, length_hours: f64) -> f64 {
        let unpaid: u32 = self
            .break_rules()
            .iter()
            .filter(|b| !b.paid && b.applies(length_hours))
            .map(|b| b.minutes)
            .sum();
        length_hours - unpaid as f64 / 60.0
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
    #[serde(default = "default_under", deserialize_with = "de_weight")]
    pub understaffing: f64,
    /// Penalty per agent-hour above the requirement.
    #[serde(default = "default_over", deserialize_with = "de_weight")]
    pub overstaffing: f64,
    /// Cost per paid hour.
    #[serde(default = "default_paid", deserialize_with = "de_weight")]
    pub paid_hour: f64,
    /// Multiplier of every preference's own weight, per day it is not honoured.
    #[serde(default = "one", deserialize_with = "de_weight")]
    pub preference: f64,
    /// Penalty per weekend day of the busiest agent (scaled by contract), with `rules.fairness`.
    #[serde(default = "default_weekend_fairness", deserialize_with = "de_weight")]
    pub weekend_fairness: f64,
    /// Penalty per late shift of the agent with the most (scaled by contract), with `rules.fairness`.
    #[serde(default = "default_late_fairness", deserialize_with = "de_weight")]
    pub late_fairness: f64,
    /// Penalty per agent-hour below a `min_staff` floor.
    #[serde(default = "default_min_staff_weight", deserialize_with = "de_weight")]
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
    /// Plan for the odds (docs/risk.md): each day of a voice or chat queue
    /// is staffed by Erlang for its forecast raised by the smallest share
    /// with which the day meets its target with this probability over the
    /// forecast's residual days (`forecast.calibration_weeks`); without
    /// them, each interval for this quantile of its volume (the forecast
    /// band). None when absent.
    #[serde(default, deserialize_with = "de_opt_sl_target")]
    pub risk: Option<f64>,
    /// Lowest service level of any interval with contacts; none when absent.
    #[serde(default, deserialize_with = "de_opt_sl_target")]
    pub interval_minimum: Option<f64>,
    /// Penalty per contact the period falls short of its target.
    #[serde(default = "default_shortfall_weight", deserialize_with = "de_weight")]
    pub shortfall_weight: f64,
    /// Penalty per contact of an interval times the service level it lacks
    /// to reach `interval_minimum` (times the peak weight).
    #[serde(default = "default_minimum_weight", deserialize_with = "de_weight")]
    pub minimum_weight: f64,
    /// Value of each contact answered within the threshold, beyond the targets
    /// (a small tie-break towards better service at equal cost).
    #[serde(default = "default_answered_value", deserialize_with = "de_weight")]
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
            risk: None,
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
    #[serde(deserialize_with = "de_staff")]
    pub agents: f64,
    /// Daily start (default 00:00).
    #[serde(default = "default_open")]
    pub from: ClockTime,
    /// Daily end (default 24:00).
    #[serde(default = "default_close")]
    pub to: ClockTime,
    /// First date; every planned day when absent.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub date: Option<NaiveDate>,
    /// Last date (inclusive); `date` when absent.
    #[serde(default, deserialize_with = "de_opt_date")]
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
    parse_str(d, |q| {
        KNOWN_QUEUES.with(|k| match k.borrow().as_ref() {
            Some(known) if !known.contains(q) => Err(format!(
                "unknown queue `{q}`: not among the scenario's queues"
            )),
            _ => Ok(q.to_string()),
        })
    })
}

/// The service-level goal of a voice or chat queue (`objective:` with its
/// per-queue overrides, else the queue's own target).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlGoal {
    pub target: f64,
    pub interval_minimum: Option<f64>,
}

/// A remedy a re-plan may use when the published roster falls short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Moving the breaks of shifts that are otherwise kept.
    Breaks,
    /// Extending shifts at their end, paid at the overtime premium.
    Overtime,
    /// Calling agents of the reserve pool (`reserve: true`).
    Reserve,
    /// Giving an agent a shift on a day the published roster gave off.
    DaysOff,
}

impl Remedy {
    /// The remedy's name as written in the scenario.
    pub fn name(self) -> &'static str {
        match self {
            Remedy::Breaks => "breaks",
            Remedy::Overtime => "overtime",
            Remedy::Reserve => "reserve",
            Remedy::DaysOff => "days_off",
        }
    }
}

/// Overtime a re-plan may add by extending shifts.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Overtime {
    /// Most overtime hours per agent over the planned days.
    #[serde(
        default = "default_overtime_hours",
        deserialize_with = "de_contract_hours"
    )]
    pub max_hours: f64,
    /// Most minutes one shift may run past its regular length.
    #[serde(default = "default_overtime_minutes")]
    pub max_minutes_per_shift: u32,
    /// Extensions come in steps of this many minutes.
    #[serde(default = "default_overtime_step")]
    pub step_minutes: u32,
    /// Pay of an overtime hour as a multiple of the agent's hourly cost.
    #[serde(default = "default_premium", deserialize_with = "de_multiplier")]
    pub premium: f64,
}

impl Default for Overtime {
    fn default() -> Self {
        Overtime {
            max_hours: default_overtime_hours(),
            max_minutes_per_shift: default_overtime_minutes(),
            step_minutes: default_overtime_step(),
            premium: default_premium(),
        }
    }
}

fn default_overtime_hours() -> f64 {
    4.0
}
fn default_overtime_minutes() -> u32 {
    120
}
fn default_overtime_step() -> u32 {
    30
}
fn default_premium() -> f64 {
    1.5
}

/// The intraday re-forecast from actuals (`rota replan --actuals`).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reforecast {
    /// Share of the gap between actual and forecast so far carried into the
    /// rest of the day (1: the whole ratio, 0: none).
    #[serde(default = "one", deserialize_with = "de_share")]
    pub weight: f64,
    /// Factor the carried share is multiplied by for each later day.
    #[serde(default = "default_decay", deserialize_with = "de_share")]
    pub decay_per_day: f64,
}

impl Default for Reforecast {
    fn default() -> Self {
        Reforecast {
            weight: 1.0,
            decay_per_day: default_decay(),
        }
    }
}

fn default_decay() -> f64 {
    0.5
}

/// The `replan:` section (`docs/replan.md`).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplanSettings {
    /// Cost of a shift moved to another start or length on its day.
    #[serde(default = "default_change_weight", deserialize_with = "de_weight")]
    pub changed_shift: f64,
    /// Cost of a published shift cancelled (absences' shifts excepted).
    #[serde(default = "default_change_weight", deserialize_with = "de_weight")]
    pub cancelled_shift: f64,
    /// Cost of a shift added on a day the agent had none.
    #[serde(default = "default_change_weight", deserialize_with = "de_weight")]
    pub added_shift: f64,
    /// The remedies in order of preference; one left out is not used.
    #[serde(default = "default_remedies")]
    pub remedies: Vec<Remedy>,
    /// Cost of one use of the first remedy; the remedy in position i
    /// (counted from 1) costs i times this.
    #[serde(default = "default_remedy_weight", deserialize_with = "de_weight")]
    pub remedy_weight: f64,
    #[serde(default)]
    pub overtime: Overtime,
    #[serde(default)]
    pub reforecast: Reforecast,
}

impl Default for ReplanSettings {
    fn default() -> Self {
        ReplanSettings {
            changed_shift: default_change_weight(),
            cancelled_shift: default_change_weight(),
            added_shift: default_change_weight(),
            remedies: default_remedies(),
            remedy_weight: default_remedy_weight(),
            overtime: Overtime::default(),
            reforecast: Reforecast::default(),
        }
    }
}

impl ReplanSettings {
    /// Cost of one use of `remedy`; `None` when the scenario does not allow it.
    pub fn remedy_cost(&self, remedy: Remedy) -> Option<f64> {
        self.remedies
            .iter()
            .position(|r| *r == remedy)
            .map(|i| self.remedy_weight * (i + 1) as f64)
    }
}

fn default_change_weight() -> f64 {
    50.0
}
fn default_remedy_weight() -> f64 {
    10.0
}
fn default_remedies() -> Vec<Remedy> {
    vec![
        Remedy::Breaks,
        Remedy::Overtime,
        Remedy::Reserve,
        Remedy::DaysOff,
    ]
}
