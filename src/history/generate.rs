//! Seeded generator of realistic synthetic interval history (contact arrivals
//! and handle times) for demos and tests.
//!
//! # Model
//!
//! For each queue, each local date `d` in `[start_date, end_date]` and each
//! interval slot inside the queue's open hours (site-local time, IANA zone):
//!
//! * Slots are the real instants stepped by `interval_minutes` from the local
//!   open time to the local close time (`"24:00"` = next local midnight). On a
//!   spring-forward day the nonexistent local times are skipped; on a fall-back
//!   day the repeated hour is generated twice (it is real time). An open/close
//!   time that falls in a DST gap moves to the first existing minute after it;
//!   an ambiguous one uses the earlier instant.
//! * Expected arrivals in slot `s`:
//!   `λ = daily_volume × weekday_factor[wd] × trend_per_week^w × event(d) × G_d × p(s)`
//!   where `w` is the number of whole weeks since `start_date`, `event(d)` is the
//!   product of the multipliers of all events covering `d` and this queue,
//!   `G_d ~ Gamma(k = 1/cv², rate = 1/cv²)` is day-level noise with mean 1 and
//!   coefficient of variation `day_noise_cv` (1 when the CV is 0), and `p(s)` is
//!   the intraday share: `floor + Σ weight·exp(-½((h−center)/width_hours)²)`
//!   evaluated at the local clock hour `h` of the slot midpoint, normalised so
//!   the shares of one day's slots sum to 1. Saturday and Sunday use
//!   `weekend_profile` when given.
//! * Offered contacts `n ~ Poisson(λ)`. The Gamma-Poisson mixture makes daily
//!   totals over-dispersed (variance ≈ mean + cv²·mean²), as in real centres.
//! * Mean handle time of the slot, when `n > 0`:
//!   `aht_seconds × (1 + aht_intraday_amplitude × cos(2π(h − aht_peak)/24)) × L`
//!   where `L` is log-normal with mean 1 and CV `aht_noise_cv / √n` (the CV of
//!   a mean of `n` handle times with individual CV `aht_noise_cv`), rounded to
//!   0.1 s. Empty when `n = 0`.
//!
//! Queue `i` draws from `ChaCha8Rng::seed_from_u64(seed)` on stream `i`, so the
//! output is reproducible across platforms and adding a queue at the end does
//! not change the history of the others.

use std::collections::HashSet;
use std::f64::consts::PI;

use chrono::{DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, SecondsFormat, TimeDelta};
use chrono::{TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use rand::distr::Distribution;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use statrs::distribution::{Gamma, LogNormal, Poisson};

/// Errors from parsing a spec, generating history or writing CSV.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The YAML is malformed, has an unknown field or a field of the wrong type.
    #[error("cannot parse history spec: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// A field has an invalid value; `field` is its path, e.g. `queues[0].daily_volume`.
    #[error("invalid history spec field `{field}`: {message}")]
    Spec {
        /// Path of the offending field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Writing the CSV failed.
    #[error("cannot write history CSV: {0}")]
    Csv(#[from] csv::Error),
}

fn spec_err(field: impl Into<String>, message: impl Into<String>) -> GenerateError {
    GenerateError::Spec {
        field: field.into(),
        message: message.into(),
    }
}

/// Top-level generator spec (see GENERATOR.md for every field, unit and default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySpec {
    /// RNG seed; same spec and seed give byte-identical output.
    pub seed: u64,
    /// IANA time zone of the site, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// Interval length in minutes; must divide 1440. Default 15.
    #[serde(default = "default_interval")]
    pub interval_minutes: u32,
    /// First local date generated (inclusive).
    pub start_date: NaiveDate,
    /// Last local date generated (inclusive).
    pub end_date: NaiveDate,
    /// Queues to generate, at least one.
    pub queues: Vec<QueueSpec>,
    /// Dated volume multipliers. Default none.
    #[serde(default)]
    pub events: Vec<EventSpec>,
}

/// One queue's arrival and handle-time model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Queue name as written in the CSV.
    pub name: String,
    /// Local opening time `"HH:MM"`. Default `"00:00"`.
    #[serde(default = "default_open")]
    pub open: String,
    /// Local closing time `"HH:MM"`, `"24:00"` allowed. Default `"24:00"`.
    #[serde(default = "default_close")]
    pub close: String,
    /// Expected contacts per day before weekday, trend, event and noise factors.
    pub daily_volume: f64,
    /// Relative volume per weekday. Default all 1.0.
    #[serde(default)]
    pub weekday_factors: WeekdayFactors,
    /// Volume growth factor per whole week since `start_date`. Default 1.0.
    #[serde(default = "one")]
    pub trend_per_week: f64,
    /// Coefficient of variation of the day-level Gamma noise. Default 0.
    #[serde(default)]
    pub day_noise_cv: f64,
    /// Intraday profile. Default flat.
    #[serde(default = "flat_profile")]
    pub profile: ProfileSpec,
    /// Intraday profile for Saturday and Sunday. Default: same as `profile`.
    #[serde(default)]
    pub weekend_profile: Option<ProfileSpec>,
    /// Mean handle time in seconds.
    pub aht_seconds: f64,
    /// Relative amplitude of the daily AHT cosine, in [0, 1). Default 0.
    #[serde(default)]
    pub aht_intraday_amplitude: f64,
    /// Local time `"HH:MM"` at which AHT peaks. Default `"14:00"`.
    #[serde(default = "default_aht_peak")]
    pub aht_peak_time: String,
    /// CV of an individual contact's handle time. Default 0.
    #[serde(default)]
    pub aht_noise_cv: f64,
}

/// Relative volume per weekday (multiplies `daily_volume`). Each defaults to 1.0.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct WeekdayFactors {
    pub mon: f64,
    pub tue: f64,
    pub wed: f64,
    pub thu: f64,
    pub fri: f64,
    pub sat: f64,
    pub sun: f64,
}

impl Default for WeekdayFactors {
    fn default() -> Self {
        Self {
            mon: 1.0,
            tue: 1.0,
            wed: 1.0,
            thu: 1.0,
            fri: 1.0,
            sat: 1.0,
            sun: 1.0,
        }
    }
}

impl WeekdayFactors {
    fn all(&self) -> [(&'static str, f64); 7] {
        let (mon, tue, wed, thu) = (self.mon, self.tue, self.wed, self.thu);
        let (fri, sat, sun) = (self.fri, self.sat, self.sun);
        [
            ("mon", mon),
            ("tue", tue),
            ("wed", wed),
            ("thu", thu),
            ("fri", fri),
            ("sat", sat),
            ("sun", sun),
        ]
    }

    fn get(&self, wd: Weekday) -> f64 {
        self.all()[wd.num_days_from_monday() as usize].1
    }
}

/// Intraday shape: a floor plus Gaussian bumps, normalised per day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// Constant added to the bumps (relative weight per hour). Default 0.
    #[serde(default)]
    pub floor: f64,
    /// Gaussian bumps. Default none.
    #[serde(default)]
    pub bumps: Vec<BumpSpec>,
}

/// One Gaussian bump of the intraday profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BumpSpec {
    /// Local time `"HH:MM"` of the peak.
    pub center: String,
    /// Standard deviation in hours (> 0).
    pub width_hours: f64,
    /// Height relative to `floor` and the other bumps (≥ 0).
    pub weight: f64,
}

/// A dated volume multiplier (holiday < 1, promotion > 1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// Label, for humans.
    pub name: String,
    /// First local date (inclusive).
    pub start: NaiveDate,
    /// Last local date (inclusive). Default: `start`.
    #[serde(default)]
    pub end: Option<NaiveDate>,
    /// Volume multiplier (≥ 0); overlapping events multiply.
    pub multiplier: f64,
    /// Queue names it applies to. Default (empty): all queues.
    #[serde(default)]
    pub queues: Vec<String>,
}

fn default_interval() -> u32 {
    15
}
fn default_open() -> String {
    "00:00".into()
}
fn default_close() -> String {
    "24:00".into()
}
fn default_aht_peak() -> String {
    "14:00".into()
}
fn one() -> f64 {
    1.0
}
fn flat_profile() -> ProfileSpec {
    ProfileSpec {
        floor: 1.0,
        bumps: Vec::new(),
    }
}

/// One generated interval of one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// Interval start with the site's UTC offset at that instant.
    pub interval_start: DateTime<FixedOffset>,
    /// Queue name.
    pub queue: String,
    /// Contacts offered in the interval.
    pub offered: u32,
    /// Mean handle time of the interval's contacts (0.1 s resolution); `None` when `offered == 0`.
    pub aht_seconds: Option<f64>,
}

impl HistoryRow {
    /// The row as a history record in the site zone `tz`.
    pub fn to_record(&self, tz: chrono_tz::Tz) -> crate::history::Record {
        crate::history::Record {
            start: self.interval_start.with_timezone(&tz),
            queue: self.queue.clone(),
            offered: self.offered as f64,
            aht_seconds: self.aht_seconds,
        }
    }
}

impl HistorySpec {
    /// Parses and validates a YAML spec. Unknown fields and invalid values are
    /// errors naming the field.
    pub fn from_yaml_str(yaml: &str) -> Result<Self, GenerateError> {
        let spec: HistorySpec = serde_yaml::from_str(yaml)?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every field; returns the first problem found.
    pub fn validate(&self) -> Result<(), GenerateError> {
        self.compile().map(|_| ())
    }

    fn compile(&self) -> Result<(Tz, Vec<Queue<'_>>), GenerateError> {
        let tz: Tz = self
            .timezone
            .parse()
            .map_err(|_| spec_err("timezone", format!("unknown IANA zone {:?}", self.timezone)))?;
        let step = self.interval_minutes;
        ensure(
            step > 0 && 1440 % step == 0,
            "interval_minutes",
            "must divide 1440",
        )?;
        ensure(
            self.end_date >= self.start_date,
            "end_date",
            "is before start_date",
        )?;
        ensure(
            !self.queues.is_empty(),
            "queues",
            "at least one queue is required",
        )?;
        let mut names = HashSet::new();
        let mut queues = Vec::new();
        for (i, q) in self.queues.iter().enumerate() {
            let f = |name: &str| format!("queues[{i}].{name}");
            let unique = !q.name.is_empty() && names.insert(q.name.as_str());
            ensure(unique, f("name"), "must be non-empty and unique")?;
            let open = parse_hhmm(&q.open, &f("open"), false)?;
            let close = parse_hhmm(&q.close, &f("close"), true)?;
            ensure(
                close > open,
                f("close"),
                "must be after open (no overnight queues)",
            )?;
            let on_grid = format!("must be a multiple of {step} minutes");
            ensure(open % step == 0, f("open"), &on_grid)?;
            ensure(close % step == 0, f("close"), &on_grid)?;
            non_negative(q.daily_volume, &f("daily_volume"))?;
            ensure(
                q.daily_volume <= 1e8,
                f("daily_volume"),
                "must be at most 1e8",
            )?;
            for (day, v) in q.weekday_factors.all() {
                non_negative(v, &f(&format!("weekday_factors.{day}")))?;
            }
            positive(q.trend_per_week, &f("trend_per_week"))?;
            non_negative(q.day_noise_cv, &f("day_noise_cv"))?;
            positive(q.aht_seconds, &f("aht_seconds"))?;
            let amp_ok = (0.0..1.0).contains(&q.aht_intraday_amplitude);
            ensure(amp_ok, f("aht_intraday_amplitude"), "must be in [0, 1)")?;
            non_negative(q.aht_noise_cv, &f("aht_noise_cv"))?;
            let profile = Profile::compile(&q.profile, &f("profile"))?;
            let weekend_profile = match &q.weekend_profile {
                Some(p) => Some(Profile::compile(p, &f("weekend_profile"))?),
                None => None,
            };
            let aht_peak_h = f64::from(parse_hhmm(&q.aht_peak_time, &f("aht_peak_time"), true)?);
            let noise = match q.day_noise_cv {
                cv if cv > 0.0 => Some(
                    Gamma::new(cv.powi(-2), cv.powi(-2))
                        .map_err(|e| spec_err(f("day_noise_cv"), e.to_string()))?,
                ),
                _ => None,
            };
            queues.push(Queue {
                spec: q,
                open,
                close,
                profile,
                weekend_profile,
                aht_peak_h: aht_peak_h / 60.0,
                noise,
            });
        }
        for (i, e) in self.events.iter().enumerate() {
            non_negative(e.multiplier, &format!("events[{i}].multiplier"))?;
            let ordered = e.end.is_none_or(|end| end >= e.start);
            ensure(ordered, format!("events[{i}].end"), "is before start")?;
            if let Some(bad) = e.queues.iter().find(|n| !names.contains(n.as_str())) {
                let msg = format!("unknown queue {bad:?}");
                return Err(spec_err(format!("events[{i}].queues"), msg));
            }
        }
        Ok((tz, queues))
    }

    fn event_multiplier(&self, date: NaiveDate, queue: &str) -> f64 {
        self.events
            .iter()
            .filter(|e| e.start <= date && date <= e.end.unwrap_or(e.start))
            .filter(|e| e.queues.is_empty() || e.queues.iter().any(|q| q == queue))
            .map(|e| e.multiplier)
            .product()
    }
}

fn ensure(ok: bool, field: impl Into<String>, msg: &str) -> Result<(), GenerateError> {
    if ok {
        Ok(())
    } else {
        Err(spec_err(field, msg))
    }
}

fn non_negative(v: f64, field: &str) -> Result<(), GenerateError> {
    ensure(
        v.is_finite() && v >= 0.0,
        field,
        &format!("must be finite and >= 0, got {v}"),
    )
}

fn positive(v: f64, field: &str) -> Result<(), GenerateError> {
    ensure(
        v.is_finite() && v > 0.0,
        field,
        &format!("must be finite and > 0, got {v}"),
    )
}

/// Parses `"HH:MM"` into minutes after midnight; `"24:00"` only if `allow_24`.
fn parse_hhmm(s: &str, field: &str, allow_24: bool) -> Result<u32, GenerateError> {
    let bad = || spec_err(field, format!("expected \"HH:MM\", got {s:?}"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (0..=23, 0..=59) => Ok(h * 60 + m),
        (24, 0) if allow_24 => Ok(1440),
        _ => Err(bad()),
    }
}

struct Profile {
    floor: f64,
    bumps: Vec<(f64, f64, f64)>, // (center hour, width hours, weight)
}

impl Profile {
    fn compile(p: &ProfileSpec, field: &str) -> Result<Self, GenerateError> {
        non_negative(p.floor, &format!("{field}.floor"))?;
        let mut bumps = Vec::new();
        for (j, b) in p.bumps.iter().enumerate() {
            let bf = format!("{field}.bumps[{j}]");
            let c = f64::from(parse_hhmm(&b.center, &format!("{bf}.center"), true)?) / 60.0;
            positive(b.width_hours, &format!("{bf}.width_hours"))?;
            non_negative(b.weight, &format!("{bf}.weight"))?;
            bumps.push((c, b.width_hours, b.weight));
        }
        let some = p.floor > 0.0 || bumps.iter().any(|b| b.2 > 0.0);
        ensure(some, field, "floor and all bump weights are zero")?;
        Ok(Self {
            floor: p.floor,
            bumps,
        })
    }

    fn weight(&self, h: f64) -> f64 {
        let bumps: f64 = self
            .bumps
            .iter()
            .map(|&(c, w, a)| a * (-0.5 * ((h - c) / w).powi(2)).exp())
            .sum();
        self.floor + bumps
    }
}

struct Queue<'a> {
    spec: &'a QueueSpec,
    open: u32,
    close: u32,
    profile: Profile,
    weekend_profile: Option<Profile>,
    aht_peak_h: f64,
    noise: Option<Gamma>,
}

/// First real instant at or after local `date` + `minutes` (earlier one if ambiguous).
fn local_instant(tz: &Tz, date: NaiveDate, minutes: u32) -> Option<DateTime<Tz>> {
    let mut t = date
        .and_hms_opt(0, 0, 0)?
        .checked_add_signed(TimeDelta::minutes(i64::from(minutes)))?;
    for _ in 0..=24 * 60 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => return Some(x),
            LocalResult::None => t = t.checked_add_signed(TimeDelta::minutes(1))?,
        }
    }
    None
}

/// Generates the interval history described by `spec` (validated first).
/// Rows are sorted by (interval_start, queue).
pub fn generate(spec: &HistorySpec) -> Result<Vec<HistoryRow>, GenerateError> {
    let (tz, queues) = spec.compile()?;
    let step = TimeDelta::minutes(i64::from(spec.interval_minutes));
    let mut rows = Vec::new();
    for (qi, q) in queues.iter().enumerate() {
        let qs = q.spec;
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        rng.set_stream(qi as u64);
        let mut date = spec.start_date;
        while date <= spec.end_date {
            let wd = date.weekday();
            let weeks = (date - spec.start_date).num_days() / 7;
            let trend = qs
                .trend_per_week
                .powi(i32::try_from(weeks).unwrap_or(i32::MAX));
            let noise = q.noise.as_ref().map_or(1.0, |g| g.sample(&mut rng));
            let day_lambda = qs.daily_volume
                * qs.weekday_factors.get(wd)
                * trend
                * spec.event_multiplier(date, &qs.name)
                * noise;
            let profile = match (&q.weekend_profile, wd) {
                (Some(p), Weekday::Sat | Weekday::Sun) => p,
                _ => &q.profile,
            };
            // Real instants from local open to local close, with the local clock hour of each midpoint.
            let mut slots = Vec::new();
            if let (Some(mut t), Some(close)) = (
                local_instant(&tz, date, q.open),
                local_instant(&tz, date, q.close),
            ) {
                while t < close {
                    let mid = (t + step / 2).naive_local();
                    let mut h = f64::from(mid.num_seconds_from_midnight()) / 3600.0;
                    if mid.date() > date {
                        h += 24.0;
                    }
                    slots.push((t, h, profile.weight(h)));
                    t += step;
                }
            }
            let total_w: f64 = slots.iter().map(|s| s.2).sum();
            let field = || format!("queues[{qi}]");
            ensure(
                slots.is_empty() || total_w > 0.0,
                field(),
                "profile is zero all day",
            )?;
            for (t, h, w) in slots {
                let lambda = day_lambda * w / total_w;
                let msg = "over 1e9 expected contacts per interval (volume, trend, events)";
                ensure(lambda <= 1e9, field(), msg)?; // also rejects NaN
                let offered: u64 = match Poisson::new(lambda) {
                    Ok(p) => p.sample(&mut rng),
                    Err(_) => 0, // λ == 0
                };
                let offered = u32::try_from(offered).unwrap_or(u32::MAX);
                let aht_seconds = (offered > 0).then(|| {
                    let base = qs.aht_seconds
                        * (1.0
                            + qs.aht_intraday_amplitude
                                * (2.0 * PI * (h - q.aht_peak_h) / 24.0).cos());
                    let cv = qs.aht_noise_cv / f64::from(offered).sqrt();
                    let sigma = (1.0 + cv * cv).ln().sqrt();
                    let factor = match LogNormal::new(-0.5 * sigma * sigma, sigma) {
                        Ok(ln) => ln.sample(&mut rng),
                        Err(_) => 1.0, // cv == 0
                    };
                    (base * factor * 10.0).round() / 10.0
                });
                rows.push(HistoryRow {
                    interval_start: t.fixed_offset(),
                    queue: qs.name.clone(),
                    offered,
                    aht_seconds,
                });
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
    }
    rows.sort_by(|a, b| {
        a.interval_start
            .cmp(&b.interval_start)
            .then_with(|| a.queue.cmp(&b.queue))
    });
    Ok(rows)
}

/// Writes rows as CSV with header `interval_start,queue,offered,aht_seconds`;
/// times are RFC 3339 with offset, AHT has one decimal and is empty when `None`.
pub fn write_csv<W: std::io::Write>(rows: &[HistoryRow], w: W) -> Result<(), GenerateError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["interval_start", "queue", "offered", "aht_seconds"])?;
    for r in rows {
        let aht = r.aht_seconds.map(|a| format!("{a:.1}")).unwrap_or_default();
        let start = r.interval_start.to_rfc3339_opts(SecondsFormat::Secs, false);
        out.write_record([
            start.as_str(),
            r.queue.as_str(),
            &r.offered.to_string(),
            &aht,
        ])?;
    }
    out.flush().map_err(csv::Error::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const BASE: &str = r#"
seed: 7
timezone: Asia/Shanghai
interval_minutes: 15
start_date: 2026-09-07
end_date: 2026-11-01
queues:
  - name: q
    open: "08:00"
    close: "24:00"
    daily_volume: 20000
    weekday_factors: {mon: 1.2, tue: 1.1, wed: 1.0, thu: 1.0, fri: 0.9, sat: 0.7, sun: 0.6}
    profile: {floor: 0.2, bumps: [{center: "10:00", width_hours: 1.5, weight: 1.0}]}
    aht_seconds: 300
    aht_intraday_amplitude: 0.1
    aht_noise_cv: 0.6
"#;

    fn base() -> HistorySpec {
        HistorySpec::from_yaml_str(BASE).unwrap()
    }

    fn csv_bytes(spec: &HistorySpec) -> Vec<u8> {
        let mut out = Vec::new();
        write_csv(&generate(spec).unwrap(), &mut out).unwrap();
        out
    }

    /// (local date) -> (row count, total offered)
    fn per_day(rows: &[HistoryRow]) -> BTreeMap<NaiveDate, (usize, u64)> {
        let mut m = BTreeMap::new();
        for r in rows {
            let e = m.entry(r.interval_start.date_naive()).or_insert((0, 0));
            e.0 += 1;
            e.1 += u64::from(r.offered);
        }
        m
    }

    fn totals_on(rows: &[HistoryRow], wd: Weekday) -> Vec<f64> {
        per_day(rows)
            .iter()
            .filter(|(d, _)| d.weekday() == wd)
            .map(|(_, v)| v.1 as f64)
            .collect()
    }

    fn mean_var(x: &[f64]) -> (f64, f64) {
        let (n, m) = (x.len() as f64, x.iter().sum::<f64>() / x.len() as f64);
        (
            m,
            x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0),
        )
    }

    #[test]
    fn deterministic_and_seed_sensitive() {
        let mut s = base();
        s.queues[0].daily_volume = 500.0;
        s.queues[0].day_noise_cv = 0.1;
        let a = csv_bytes(&s);
        assert_eq!(a, csv_bytes(&s));
        let text = String::from_utf8(a.clone()).unwrap();
        assert!(text
            .starts_with("interval_start,queue,offered,aht_seconds\n2026-09-07T08:00:00+08:00,q,"));
        // AHT is empty exactly when offered is 0.
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f[2] == "0", f[3].is_empty(), "{line}");
        }
        s.seed = 8;
        assert_ne!(a, csv_bytes(&s));
    }

    #[test]
    fn recovers_weekday_means() {
        let s = base(); // no day noise, trend 1.0, 8 weeks
        let rows = generate(&s).unwrap();
        for (i, (_, factor)) in s.queues[0].weekday_factors.all().into_iter().enumerate() {
            let wd = Weekday::try_from(i as u8).unwrap();
            let totals = totals_on(&rows, wd);
            assert_eq!(totals.len(), 8);
            let expected = 20000.0 * factor;
            let (mean, _) = mean_var(&totals);
            assert!(
                (mean / expected - 1.0).abs() < 0.03,
                "{wd}: mean {mean} vs {expected}"
            );
        }
    }

    #[test]
    fn day_noise_over_disperses() {
        let mut s = base();
        s.end_date = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(); // 12 weeks
        let dispersion = |s: &HistorySpec| {
            let (m, v) = mean_var(&totals_on(&generate(s).unwrap(), Weekday::Wed));
            v / m
        };
        let poisson_only = dispersion(&s);
        s.queues[0].day_noise_cv = 0.1;
        let noisy = dispersion(&s);
        // Gamma(cv 0.1) on 20000/day: variance/mean ~ 1 + 0.01 * 20000 = 201.
        assert!(poisson_only < 4.0, "poisson-only ratio {poisson_only}");
        assert!(noisy > 20.0, "noisy ratio {noisy}");
    }

    #[test]
    fn respects_open_hours() {
        let rows = generate(&base()).unwrap();
        assert!(per_day(&rows).values().all(|v| v.0 == 64));
        assert!(rows.iter().all(|r| r.interval_start.hour() >= 8));
        let mut s = base();
        s.queues[0].open = "09:00".into();
        s.queues[0].close = "17:30".into();
        let rows = generate(&s).unwrap();
        assert!(per_day(&rows).values().all(|v| v.0 == 34));
        for r in &rows {
            let m = r.interval_start.hour() * 60 + r.interval_start.minute();
            assert!((9 * 60..17 * 60 + 30).contains(&m), "{}", r.interval_start);
        }
    }

    #[test]
    fn events_scale_volume() {
        let s = HistorySpec::from_yaml_str(&format!(
            "{BASE}events:\n  - {{name: x2, start: 2026-09-16, multiplier: 2.0, queues: [q]}}\n"
        ))
        .unwrap();
        let days = per_day(&generate(&s).unwrap());
        let before = days[&NaiveDate::from_ymd_opt(2026, 9, 9).unwrap()].1 as f64;
        let event = days[&NaiveDate::from_ymd_opt(2026, 9, 16).unwrap()].1 as f64;
        let ratio = event / before;
        assert!((ratio - 2.0).abs() < 0.2, "ratio {ratio}");
    }

    #[test]
    fn dst_fall_back_gives_25_hours() {
        let mut s = base();
        s.timezone = "Europe/London".into();
        s.interval_minutes = 60;
        s.start_date = NaiveDate::from_ymd_opt(2026, 10, 24).unwrap();
        s.end_date = NaiveDate::from_ymd_opt(2026, 10, 26).unwrap();
        s.queues[0].open = "00:00".into();
        s.queues[0].close = "24:00".into();
        let rows = generate(&s).unwrap();
        let counts: Vec<usize> = per_day(&rows).values().map(|v| v.0).collect();
        assert_eq!(counts, vec![24, 25, 24]);
        let mut out = Vec::new();
        write_csv(&rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let day: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("2026-10-25"))
            .collect();
        let want = [
            "T00:00:00+01:00",
            "T01:00:00+01:00",
            "T01:00:00+00:00",
            "T02:00:00+00:00",
        ];
        for (line, want) in day.iter().zip(want) {
            assert!(line.starts_with(&format!("2026-10-25{want}")), "{line}");
        }
        assert!(
            day[24].starts_with("2026-10-25T23:00:00+00:00"),
            "{}",
            day[24]
        );
    }

    #[test]
    fn spec_errors_name_the_field() {
        let err =
            HistorySpec::from_yaml_str(&BASE.replace("daily_volume:", "daily_volum:")).unwrap_err();
        assert!(err.to_string().contains("daily_volum"), "{err}");
        let err = HistorySpec::from_yaml_str(&BASE.replace("20000", "-5")).unwrap_err();
        assert!(err.to_string().contains("queues[0].daily_volume"), "{err}");
        let mut s = base();
        s.queues[0].profile.bumps[0].center = "25:00".into();
        let err = generate(&s).unwrap_err().to_string();
        assert!(err.contains("queues[0].profile.bumps[0].center"), "{err}");
        s = base();
        s.timezone = "Mars/Olympus".into();
        assert!(generate(&s).unwrap_err().to_string().contains("timezone"));
    }
}
