//! `rota compare`, `rota sweep` and `rota merge`: what-if questions.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rayon::prelude::*;
use rota::export::summary::Summary;
use rota::export::write_files;
use rota::plan::Inputs;
use rota::whatif::{grid, merge, shard_indices, Axis, SweepPoint, SweepResult, SWEEP_SCHEMA};

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
}

/// HiGHS threads for each of `runs` solves running at once on this machine.
fn threads_each(runs: usize) -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    (cores / runs.clamp(1, cores)).max(1) as u32
}

fn summarise(inputs: &Inputs) -> anyhow::Result<serde_json::Value> {
    let outcome = inputs.run()?;
    let out = outcome.output(inputs, chrono::DateTime::UNIX_EPOCH);
    Ok(serde_json::to_value(Summary::new(&out))?)
}

pub fn compare(args: CompareArgs) -> anyhow::Result<i32> {
    let mut all = Vec::new();
    for p in &args.scenarios {
        all.push(Inputs::load(p, args.solver.as_deref())?);
    }
    let parallel = all.len().min(rayon::current_num_threads()).max(1);
    let per = threads_each(parallel);
    for i in &mut all {
        i.solver.threads = per;
    }
    eprintln!(
        "running {} scenarios, {} at a time, {} HiGHS thread(s) each",
        all.len(),
        parallel,
        per
    );
    let results: Vec<Result<serde_json::Value, String>> = all
        .par_iter()
        .map(|i| summarise(i).map_err(|e| format!("{e:#}")))
        .collect();
    let failed = results.iter().filter(|r| r.is_err()).count();
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
        Format::Text => print_table(&args.scenarios, &results),
    }
    Ok(if failed == 0 {
        super::EXIT_OK
    } else {
        super::EXIT_ERROR
    })
}

fn print_table(files: &[PathBuf], results: &[Result<serde_json::Value, String>]) {
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default()
        })
        .collect();
    let width = names
        .iter()
        .map(|n| n.len())
        .max()
        .unwrap_or(10)
        .clamp(12, 28);
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let get =
        |r: &Result<serde_json::Value, String>, f: &dyn Fn(&serde_json::Value) -> String| match r {
            Ok(s) => f(s),
            Err(_) => "error".into(),
        };
    let num = |k: &'static str, digits: usize| {
        move |s: &serde_json::Value| format!("{:.*}", digits, s[k].as_f64().unwrap_or(f64::NAN))
    };
    let add = |rows: &mut Vec<(String, Vec<String>)>,
               label: &str,
               f: &dyn Fn(&serde_json::Value) -> String| {
        rows.push((
            label.to_string(),
            results.iter().map(|r| get(r, f)).collect(),
        ));
    };
    add(&mut rows, "status", &|s| {
        s["status"].as_str().unwrap_or("").to_string()
    });
    add(&mut rows, "gap", &|s| {
        format!("{:.2}%", s["mip_gap"].as_f64().unwrap_or(0.0) * 100.0)
    });
    add(&mut rows, "objective", &num("objective", 1));
    add(&mut rows, "mode", &|s| {
        s["objective_mode"].as_str().unwrap_or("").to_string()
    });
    add(&mut rows, "paid hours (cost)", &num("scheduled_hours", 1));
    add(&mut rows, "weighted paid cost", &num("paid_cost", 1));
    add(&mut rows, "agents used", &|s| {
        format!("{} of {}", s["agents_rostered"], s["agents"])
    });
    add(
        &mut rows,
        "understaffed agent-h",
        &num("understaffed_agent_hours", 1),
    );
    add(
        &mut rows,
        "overstaffed agent-h",
        &num("overstaffed_agent_hours", 1),
    );
    let queues: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|s| s["queues"].as_array().cloned().unwrap_or_default())
        .filter_map(|q| q["queue"].as_str().map(str::to_string))
        .fold(Vec::new(), |mut v, q| {
            if !v.contains(&q) {
                v.push(q);
            }
            v
        });
    for q in &queues {
        let field = |s: &serde_json::Value, k: &str| -> Option<f64> {
            s["queues"]
                .as_array()?
                .iter()
                .find(|x| x["queue"] == q.as_str())?[k]
                .as_f64()
        };
        let pct = |k: &'static str| {
            move |s: &serde_json::Value| {
                field(s, k)
                    .map(|v| format!("{:.1}%", v * 100.0))
                    .unwrap_or("-".into())
            }
        };
        add(&mut rows, &format!("{q} SL"), &pct("service_level"));
        add(
            &mut rows,
            &format!("{q} worst interval"),
            &pct("worst_interval_service_level"),
        );
        add(
            &mut rows,
            &format!("{q} worst day"),
            &pct("worst_day_service_level"),
        );
        add(&mut rows, &format!("{q} below minimum"), &|s| {
            let below = field(s, "intervals_below_minimum");
            let min = field(s, "interval_minimum");
            match (below, min) {
                (Some(b), Some(m)) => format!("{b} < {:.0}%", m * 100.0),
                _ => "-".into(),
            }
        });
        add(&mut rows, &format!("{q} abandoned"), &pct("abandonment"));
        add(&mut rows, &format!("{q} ASA s"), &|s| {
            field(s, "asa_seconds")
                .map(|v| format!("{v:.1}"))
                .unwrap_or("-".into())
        });
        add(&mut rows, &format!("{q} occupancy"), &pct("occupancy"));
    }
    print!("{:<22}", "");
    for n in &names {
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
        if let Err(e) = r {
            println!("{n}: {e}");
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
}

fn parse_shard(args: &SweepArgs) -> anyhow::Result<(usize, usize)> {
    let Some(s) = &args.shard else {
        return Ok((0, 1));
    };
    let (i, n) = if s == "auto" {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
        };
        let i = var("JOB_COMPLETION_INDEX")
            .or_else(|| var("SLURM_ARRAY_TASK_ID"))
            .context("--shard auto needs JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)")?;
        let n = args
            .shards
            .or_else(|| var("SLURM_ARRAY_TASK_COUNT"))
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
    eprintln!(
        "sweep of {} points; shard {}/{} runs {} of them, {} at a time",
        points.len(),
        shard_i,
        shard_n,
        mine.len(),
        parallel
    );
    let results: Vec<SweepPoint> = mine
        .par_iter()
        .map(|&k| {
            let mut sc = base.scenario().clone();
            for (p, v) in &points[k] {
                p.apply(&mut sc, *v);
            }
            let mut inputs = base.with_scenario(sc);
            inputs.solver.threads = per;
            let params = points[k]
                .iter()
                .map(|(p, v)| (format!("{p:?}").to_lowercase(), *v))
                .collect();
            match summarise(&inputs) {
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
        })
        .collect();
    let result = SweepResult {
        schema: SWEEP_SCHEMA.to_string(),
        scenario: base.scenario().name.clone(),
        axes,
        total_points: points.len(),
        shard: (shard_i, shard_n),
        points: results,
    };
    write_sweep(&args.out, &result)
}

/// The files a sweep (or one shard of it) writes into `out`.
fn sweep_outputs(out: &Path, i: usize, n: usize) -> Vec<PathBuf> {
    if n == 1 {
        vec![out.join("sweep.json"), out.join("sweep.html")]
    } else {
        vec![out.join(format!("shard-{i}-of-{n}.json"))]
    }
}

fn write_sweep(out: &Path, r: &SweepResult) -> anyhow::Result<i32> {
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
    eprintln!("wrote {} to {}", names.join(", "), out.display());
    let failed = r.points.iter().filter(|p| p.error.is_some()).count();
    if failed > 0 {
        eprintln!("{failed} points could not be planned; see their `error`");
        return Ok(super::EXIT_FINDINGS);
    }
    Ok(super::EXIT_OK)
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Folders holding shard files (shard-I-of-N.json) of one sweep.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder for sweep.json and sweep.html.
    #[arg(long, default_value = "out/sweep")]
    out: PathBuf,
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
    write_sweep(&args.out, &merged)
}
