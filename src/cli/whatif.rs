//! `rota compare`, `rota sweep` and `rota merge`: what-if questions.

use std::path::{Path, PathBuf};

use std::collections::BTreeSet;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rota::export::summary::Summary;
use rota::export::words::{asa_text, occupancy_text, pct};
use rota::export::write_files;
use rota::plan::Inputs;
use rota::report::QueueKpi;
use rota::whatif::{
    above_gap, grid, merge, shard_indices, Axis, SweepPoint, SweepResult, SWEEP_SCHEMA,
};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The base scenario and its variants (files with `extend:`), or any scenarios.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Solver settings for every run, instead of each scenario's own.
    #[arg(long)]
    solver: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// No progress bar and no warnings on standard error; the table (or JSON) only.
    #[arg(long, short)]
    quiet: bool,
}

/// HiGHS threads for each of `runs` solves running at once on this machine.
fn threads_each(runs: usize) -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    (cores / runs.clamp(1, cores)).max(1) as u32
}

/// A progress bar over `n` scenarios on standard error (drawn only on a
/// terminal), hidden with `--quiet`.
fn progress(n: usize, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n as u64);
    pb.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} scenarios planned {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

fn summarise(inputs: &Inputs) -> anyhow::Result<Summary> {
    let outcome = inputs.run()?;
    let out = outcome.output(inputs, chrono::DateTime::UNIX_EPOCH);
    Ok(Summary::new(&out))
}

/// The warning for a run that stopped above the gap its settings ask for,
/// or `None`: differences smaller than its gap may be solver noise.
fn gap_warning(name: &str, mip_gap: f64, target: f64, status: &str) -> Option<String> {
    above_gap(mip_gap, target).then(|| {
        format!(
            "warning: {name} stopped ({status}) at a gap of {:.2}%, above the configured {:.2}%: differences from the other runs smaller than that may be solver noise (give it more time, e.g. --solver thorough)",
            mip_gap * 100.0,
            target * 100.0
        )
    })
}

fn status_text(s: &Summary) -> String {
    serde_json::to_value(s.solve.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn compare(args: CompareArgs) -> anyhow::Result<i32> {
    let mut all = Vec::new();
    for p in &args.scenarios {
        all.push(Inputs::load(p, args.solver.as_deref())?);
    }
    let names: Vec<String> = args
        .scenarios
        .iter()
        .map(|p| {
            p.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default()
        })
        .collect();
    let parallel = all.len().min(rayon::current_num_threads()).max(1);
    let per = threads_each(parallel);
    for i in &mut all {
        i.solver.threads = per;
    }
    if !args.quiet {
        for (n, i) in names.iter().zip(&all) {
            for w in super::plan::unserved_warnings(i.scenario()) {
                eprintln!("{n}: {w}");
            }
        }
        eprintln!(
            "running {} scenarios, {} at a time, {} HiGHS thread(s) each",
            all.len(),
            parallel,
            per
        );
    }
    let pb = progress(all.len(), args.quiet);
    let results: Vec<Result<Summary, String>> = all
        .par_iter()
        .zip(&names)
        .map(|(i, n)| {
            let r = summarise(i).map_err(|e| format!("{e:#}"));
            pb.inc(1);
            pb.set_message(format!("(last: {n})"));
            r
        })
        .collect();
    pb.finish_and_clear();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let missed = results
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|s| !s.targets_missed.is_empty()))
        .count();
    match args.format {
        Format::Json => {
            let doc: Vec<serde_json::Value> = args
                .scenarios
                .iter()
                .zip(&results)
                .map(|(p, r)| match r {
                    Ok(s) => serde_json::json!({ "file": p.display().to_string(), "summary": s }),
                    Err(e) => serde_json::json!({ "file": p.display().to_string(), "error": e }),
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Text => {
            let deferred: BTreeSet<&str> = all
                .iter()
                .flat_map(|i| i.scenario().queues.iter())
                .filter(|q| q.channel.is_deferred())
                .map(|q| q.id.as_str())
                .collect();
            print_table(&names, &results, &deferred)
        }
    }
    if !args.quiet {
        for (n, r) in names.iter().zip(&results) {
            if let Ok(s) = r {
                let w = gap_warning(
                    n,
                    s.solve.mip_gap,
                    s.solve.mip_rel_gap_target,
                    &status_text(s),
                );
                if let Some(w) = w {
                    eprintln!("{w}");
                }
            }
        }
    }
    Ok(if failed > 0 {
        super::EXIT_ERROR
    } else if missed > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    })
}

/// The value `f` gives of queue `q` in a summary, `-` when it has no such queue.
fn queue_cell(s: &Summary, q: &str, f: &dyn Fn(&QueueKpi) -> String) -> String {
    s.queues
        .iter()
        .find(|x| x.queue == q)
        .map_or("-".to_string(), f)
}

fn print_table(names: &[String], results: &[Result<Summary, String>], deferred: &BTreeSet<&str>) {
    let width = names
        .iter()
        .map(|n| n.len())
        .max()
        .unwrap_or(10)
        .clamp(13, 28);
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let add =
        |rows: &mut Vec<(String, Vec<String>)>, label: &str, f: &dyn Fn(&Summary) -> String| {
            rows.push((
                label.to_string(),
                results
                    .iter()
                    .map(|r| r.as_ref().map_or("error".to_string(), f))
                    .collect(),
            ));
        };
    add(&mut rows, "status", &status_text);
    add(&mut rows, "gap", &|s| {
        let g = format!("{:.2}%", s.solve.mip_gap * 100.0);
        if above_gap(s.solve.mip_gap, s.solve.mip_rel_gap_target) {
            format!("{g} > {}%", s.solve.mip_rel_gap_target * 100.0)
        } else {
            g
        }
    });
    add(&mut rows, "targets", &|s| {
        if s.targets_missed.is_empty() {
            "met".into()
        } else {
            format!("MISSED {}", s.targets_missed.join(","))
        }
    });
    add(&mut rows, "objective", &|s| {
        format!("{:.1}", s.solve.objective)
    });
    add(&mut rows, "mode", &|s| {
        serde_json::to_value(s.objective_mode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    });
    add(&mut rows, "paid hours (cost)", &|s| {
        format!("{:.1}", s.scheduled_hours)
    });
    add(&mut rows, "weighted paid cost", &|s| {
        format!("{:.1}", s.paid_cost)
    });
    add(&mut rows, "agents used", &|s| {
        format!("{} of {}", s.agents_rostered, s.agents)
    });
    add(&mut rows, "understaffed agent-h", &|s| {
        format!("{:.1}", s.understaffed_agent_hours)
    });
    add(&mut rows, "overstaffed agent-h", &|s| {
        format!("{:.1}", s.overstaffed_agent_hours)
    });
    let mut queues: Vec<&str> = Vec::new();
    for s in results.iter().filter_map(|r| r.as_ref().ok()) {
        for q in &s.queues {
            if !queues.contains(&q.queue.as_str()) {
                queues.push(&q.queue);
            }
        }
    }
    for q in &queues {
        let is_deferred = deferred.contains(q);
        add(&mut rows, &format!("{q} SL"), &|s| {
            queue_cell(s, q, &|k| {
                let missed = k.unmet();
                format!("{}{}", pct(k.service_level), if missed { " *" } else { "" })
            })
        });
        add(&mut rows, &format!("{q} worst interval"), &|s| {
            queue_cell(s, q, &|k| pct(k.worst_interval_service_level))
        });
        add(&mut rows, &format!("{q} worst day"), &|s| {
            queue_cell(s, q, &|k| pct(k.worst_day_service_level))
        });
        add(&mut rows, &format!("{q} below minimum"), &|s| {
            queue_cell(s, q, &|k| match k.interval_minimum {
                Some(m) => format!("{} < {:.0}%", k.intervals_below_minimum, m * 100.0),
                None => "-".into(),
            })
        });
        add(&mut rows, &format!("{q} abandoned"), &|s| {
            queue_cell(s, q, &|k| k.abandonment.map_or("-".into(), pct))
        });
        add(&mut rows, &format!("{q} ASA"), &|s| {
            queue_cell(s, q, &|k| asa_text(k, is_deferred))
        });
        add(&mut rows, &format!("{q} occupancy"), &|s| {
            queue_cell(s, q, &occupancy_text)
        });
    }
    print!("{:<22}", "");
    for n in names {
        print!(" {:>width$}", n, width = width);
    }
    println!();
    for (label, vals) in rows {
        print!("{label:<22}");
        for v in vals {
            print!(" {v:>width$}", width = width);
        }
        println!();
    }
    for (n, r) in names.iter().zip(results) {
        match r {
            Err(e) => println!("{n}: {e}"),
            Ok(s) => {
                for q in s.queues.iter().filter(|q| q.unmet()) {
                    for line in rota::export::words::missed_lines(q) {
                        println!("{n}: {line}");
                    }
                }
            }
        }
    }
}

#[derive(clap::Args)]
pub struct SweepArgs {
    /// The base scenario.
    scenario: PathBuf,
    /// A parameter and its values: volume|aht (multipliers), shrinkage, target;
    /// `NAME=FROM..TO:STEP` or `NAME=V1,V2,...`. Repeat for a grid.
    #[arg(long, required = true)]
    vary: Vec<String>,
    /// Run only shard I of N (`I/N`, from 0), or `auto`: I from JOB_COMPLETION_INDEX
    /// (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array).
    #[arg(long)]
    shard: Option<String>,
    /// Shard count with `--shard auto` (default: SLURM_ARRAY_TASK_COUNT).
    #[arg(long)]
    shards: Option<usize>,
    /// Output folder.
    #[arg(long, default_value = "out/sweep")]
    out: PathBuf,
    /// Solver settings for every point.
    #[arg(long)]
    solver: Option<String>,
    /// No progress bar and no notes on standard error.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_shard(args: &SweepArgs) -> anyhow::Result<(usize, usize)> {
    let Some(s) = &args.shard else {
        return Ok((0, 1));
    };
    let (i, n) = if s == "auto" {
        let var = |k: &str| env_number(k, std::env::var_os(k));
        let i = match var("JOB_COMPLETION_INDEX")? {
            Some(i) => Some(i),
            None => var("SLURM_ARRAY_TASK_ID")?,
        }
        .context(
            "--shard auto needs JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)",
        )?;
        let n = match args.shards {
            Some(n) => Some(n),
            None => var("SLURM_ARRAY_TASK_COUNT")?,
        }
        .context("--shard auto needs --shards N (or SLURM_ARRAY_TASK_COUNT)")?;
        (i, n)
    } else {
        let (i, n) = s
            .split_once('/')
            .context("--shard takes I/N, e.g. 0/4, or auto")?;
        (
            i.trim().parse().context("--shard I/N: I is not a number")?,
            n.trim().parse().context("--shard I/N: N is not a number")?,
        )
    };
    if n == 0 || i >= n {
        bail!("--shard {i}/{n}: I must be below N");
    }
    Ok((i, n))
}

/// The whole number in the environment variable `name` (whose value is
/// `value`): none when it is unset or empty, an error naming the variable
/// and its value when it is not a number.
fn env_number(name: &str, value: Option<std::ffi::OsString>) -> anyhow::Result<Option<usize>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim().parse::<usize>().map(Some).map_err(|_| {
        anyhow::anyhow!(
            "--shard auto: {name} is `{}`, which is not a number (a shard index or count: 0, 1, 2, ...)",
            rota::limits::excerpt(&text)
        )
    })
}

pub fn sweep(args: SweepArgs) -> anyhow::Result<i32> {
    let axes: Vec<Axis> = args
        .vary
        .iter()
        .map(|v| Axis::parse(v).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()?;
    rota::whatif::check_axes(&axes).map_err(anyhow::Error::msg)?;
    let (shard_i, shard_n) = parse_shard(&args)?;
    rota::export::check_output_folder(&args.out)?;
    let base = Inputs::load(&args.scenario, args.solver.as_deref())?;
    rota::export::check_outputs(&sweep_outputs(&args.out, shard_i, shard_n), &base.files())?;
    let points = grid(&axes);
    let mine = shard_indices(points.len(), shard_i, shard_n);
    let parallel = mine.len().min(rayon::current_num_threads()).max(1);
    let per = threads_each(parallel);
    if !args.quiet {
        for w in super::plan::unserved_warnings(base.scenario()) {
            eprintln!("{w}");
        }
        eprintln!(
            "sweep of {} points; shard {}/{} runs {} of them, {} at a time",
            points.len(),
            shard_i,
            shard_n,
            mine.len(),
            parallel
        );
    }
    let pb = progress(mine.len(), args.quiet);
    let results: Vec<SweepPoint> = mine
        .par_iter()
        .map(|&k| {
            let point = plan_point(&base, &points[k], k, per);
            pb.inc(1);
            point
        })
        .collect();
    pb.finish_and_clear();
    let result = SweepResult {
        schema: SWEEP_SCHEMA.to_string(),
        scenario: base.scenario().name.clone(),
        axes,
        total_points: points.len(),
        shard: (shard_i, shard_n),
        points: results,
    };
    write_sweep(&args.out, &result, args.quiet)
}

/// Plans point `k` of a sweep with `threads` HiGHS threads.
fn plan_point(
    base: &Inputs,
    point: &[(rota::whatif::Param, f64)],
    k: usize,
    threads: u32,
) -> SweepPoint {
    {
        {
            let mut sc = base.scenario().clone();
            for (p, v) in point {
                p.apply(&mut sc, *v);
            }
            let mut inputs = base.with_scenario(sc);
            inputs.solver.threads = threads;
            let params = point
                .iter()
                .map(|(p, v)| (format!("{p:?}").to_lowercase(), *v))
                .collect();
            match summarise(&inputs).and_then(|s| Ok(serde_json::to_value(s)?)) {
                Ok(s) => SweepPoint {
                    index: k,
                    params,
                    summary: Some(s),
                    error: None,
                },
                Err(e) => SweepPoint {
                    index: k,
                    params,
                    summary: None,
                    error: Some(format!("{e:#}")),
                },
            }
        }
    }
}

/// The files a sweep (or one shard of it) writes into `out`.
fn sweep_outputs(out: &Path, i: usize, n: usize) -> Vec<PathBuf> {
    if n == 1 {
        vec![out.join("sweep.json"), out.join("sweep.html")]
    } else {
        vec![out.join(format!("shard-{i}-of-{n}.json"))]
    }
}

/// Writes the sweep (or one shard's file), says which points miss a target
/// or stopped above their gap, and returns the exit code: 2 when a point
/// could not be planned, 1 when one misses a target.
fn write_sweep(out: &Path, r: &SweepResult, quiet: bool) -> anyhow::Result<i32> {
    let mut json = serde_json::to_vec_pretty(r)?;
    json.push(b'\n');
    let files = if r.shard.1 == 1 {
        vec![
            ("sweep.json".to_string(), json),
            (
                "sweep.html".to_string(),
                rota::export::sweep_html::render(r).into_bytes(),
            ),
        ]
    } else {
        vec![(format!("shard-{}-of-{}.json", r.shard.0, r.shard.1), json)]
    };
    write_files(out, &files)?;
    let names: Vec<_> = files.iter().map(|(n, _)| n.as_str()).collect();
    let label = |p: &SweepPoint| {
        let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k} {v}")).collect();
        format!("point {} ({})", p.index, params.join(", "))
    };
    let failed = r.points.iter().filter(|p| p.error.is_some()).count();
    let missed: Vec<&SweepPoint> = r
        .points
        .iter()
        .filter(|p| !p.targets_missed().is_empty())
        .collect();
    if !quiet {
        eprintln!("wrote {} to {}", names.join(", "), out.display());
        for p in r.points.iter().filter(|p| p.above_gap()) {
            let s = p.summary.as_ref().expect("planned");
            if let Some(w) = gap_warning(
                &label(p),
                s["mip_gap"].as_f64().unwrap_or(0.0),
                s["mip_rel_gap_target"].as_f64().unwrap_or(0.0),
                s["status"].as_str().unwrap_or(""),
            ) {
                eprintln!("{w}");
            }
        }
        for p in &missed {
            eprintln!(
                "target missed: {}: {}",
                label(p),
                p.targets_missed().join(", ")
            );
        }
        if failed > 0 {
            eprintln!("{failed} points could not be planned; see their `error`");
        }
    }
    Ok(if failed > 0 {
        super::EXIT_ERROR
    } else if !missed.is_empty() {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    })
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Folders holding shard files (shard-I-of-N.json) of one sweep.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder for sweep.json and sweep.html.
    #[arg(long, default_value = "out/sweep")]
    out: PathBuf,
    /// No notes on standard error.
    #[arg(long, short)]
    quiet: bool,
}

pub fn merge_shards(args: MergeArgs) -> anyhow::Result<i32> {
    rota::export::check_output_folder(&args.out)?;
    let mut shards = Vec::new();
    let mut read = Vec::new();
    for d in &args.dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .with_context(|| format!("cannot read {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("shard-"))
                    && p.extension().is_some_and(|e| e == "json")
            })
            .collect();
        files.sort();
        for f in files {
            let bytes = rota::limits::open_within(&f, rota::limits::MAX_SHARD_BYTES, "shard")
                .and_then(|mut r| {
                    let mut v = Vec::new();
                    std::io::Read::read_to_end(&mut r, &mut v)
                        .map_err(|e| rota::Error::io(&f, e))?;
                    Ok(v)
                })?;
            read.push(f.clone());
            let r: SweepResult = serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: not a rota sweep shard", f.display()))?;
            if r.schema != SWEEP_SCHEMA {
                bail!(
                    "{}: schema `{}`, expected `{SWEEP_SCHEMA}`",
                    f.display(),
                    r.schema
                );
            }
            shards.push(r);
        }
    }
    rota::export::check_outputs(&sweep_outputs(&args.out, 0, 1), &read)?;
    let merged = merge(shards).map_err(anyhow::Error::msg)?;
    write_sweep(&args.out, &merged, args.quiet)
}
