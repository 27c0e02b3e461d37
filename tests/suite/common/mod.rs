//! Helpers shared by the optimizer tests on tiny instances.
#![allow(dead_code)]

use assert_cmd::Command;
use rota::scenario::SolverConfig;
use rota::staffing::{IntervalRequirement, QueueRequirements};

/// Solver settings that prove small instances optimal.
pub fn exact() -> SolverConfig {
    SolverConfig {
        time_limit_seconds: 60.0,
        mip_rel_gap: 0.0,
        threads: 1,
        random_seed: 1,
        presolve: "choose".into(),
        warm_start: true,
        options: Default::default(),
        method: rota::scenario::SolveMethod::Agents,
        decompose_from_agents: 100,
        decompose_service_level_from_agents: 20,
        column_generation_from_agents: usize::MAX,
        column_generation_service_level_from_agents: usize::MAX,
    }
}

/// Requirements of `intervals` intervals: `(interval, scheduled agents)`.
pub fn req(intervals: usize, needs: &[(usize, u32)]) -> QueueRequirements {
    let mut rows = vec![
        IntervalRequirement {
            aht_seconds: 180.0,
            ..IntervalRequirement::none()
        };
        intervals
    ];
    for &(t, n) in needs {
        rows[t].scheduled = n;
    }
    QueueRequirements {
        queue: String::new(),
        intervals: rows,
    }
}

/// An agent's day of a 4-hour shift with a one-hour break, on an hourly
/// grid: off, or (start hour, break hour) for each start in `starts` and the
/// break one or two hours in.
pub fn day_options(starts: &[usize]) -> Vec<Option<(usize, usize)>> {
    let mut v = vec![None];
    for &s in starts {
        for b in [s + 1, s + 2] {
            v.push(Some((s, b)));
        }
    }
    v
}

/// Whether the agent of `day_options` is on duty in hour `h` (1 or 0).
pub fn on_duty(o: Option<(usize, usize)>, h: usize) -> f64 {
    match o {
        Some((s, b)) if h >= s && h < s + 4 && h != b => 1.0,
        _ => 0.0,
    }
}

/// Cost of staff `s` against a need of `n` in one hour of the tiny
/// instances (weights understaffing 100, overstaffing 5).
pub fn gap_cost(s: f64, n: u32) -> f64 {
    let d = n as f64 - s;
    if d > 0.0 {
        100.0 * d
    } else {
        -5.0 * d
    }
}

/// Runs `rota validate` on `dir/scenario.yaml` with `dir/good.csv` (which
/// must pass) and `dir/bad.csv` (which must fail); returns the violations of the bad one.
pub fn validate_good_and_bad(dir: &str) -> String {
    Command::cargo_bin("rota")
        .unwrap()
        .args(["validate", &format!("{dir}/scenario.yaml")])
        .arg(format!("{dir}/good.csv"))
        .assert()
        .code(0);
    let out = Command::cargo_bin("rota")
        .unwrap()
        .args(["validate", &format!("{dir}/scenario.yaml")])
        .arg(format!("{dir}/bad.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `rota` with `args`, expects exit code 0 and returns what it printed
/// as JSON (the arguments ask for `--format json`).
pub fn rota_json<I, S>(args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::cargo_bin("rota")
        .expect("binary built")
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("json on stdout")
}

/// Runs `rota` with `args` (strings and paths alike), expects exit code 0
/// and returns what it printed on standard output.
pub fn rota_ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<u8> {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    for a in args {
        c.arg(a.as_ref());
    }
    c.assert().code(0).get_output().stdout.clone()
}

/// Runs `rota plan --quiet --out OUT SCENARIO` and expects exit 0 or 1 (a
/// roster, with or without every target met).
pub fn plan_quietly(scenario: &std::path::Path, out: &std::path::Path) {
    let code = Command::cargo_bin("rota")
        .expect("binary built")
        .args(["plan", "--quiet", "--out"])
        .arg(out)
        .arg(scenario)
        .output()
        .unwrap()
        .status
        .code();
    assert!(matches!(code, Some(0 | 1)), "plan failed: {code:?}");
}

/// Removes every `solve_seconds` (the one value that differs between runs)
/// from a summary or plan document, at any depth.
pub fn strip_times(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("solve_seconds");
            m.values_mut().for_each(strip_times);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

/// Writes the small test scenario with `edit` applied to its text into
/// `dir`, its history and solver settings named by absolute paths.
pub fn small(dir: &std::path::Path, edit: &dyn Fn(String) -> String) -> std::path::PathBuf {
    let abs = |p: &str| {
        std::path::Path::new(p)
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    };
    let text = std::fs::read_to_string("tests/data/small/scenario.yaml")
        .unwrap()
        .replace(
            "file: history.csv",
            &format!("file: {}", abs("tests/data/small/history.csv")),
        )
        .replace("../solver-test.yaml", &abs("tests/data/solver-test.yaml"));
    let scenario = dir.join("scenario.yaml");
    std::fs::write(&scenario, edit(text)).unwrap();
    scenario
}

/// Writes the demo scenario with `edit` applied to its text into `dir` as
/// `hangzhou.yaml`, its history named by an absolute path.
pub fn demo(dir: &std::path::Path, edit: &dyn Fn(String) -> String) -> std::path::PathBuf {
    let history = std::path::Path::new("scenarios/data/hangzhou-history.csv")
        .canonicalize()
        .unwrap();
    let text = std::fs::read_to_string("scenarios/hangzhou-ecommerce.yaml")
        .unwrap()
        .replace(
            "file: data/hangzhou-history.csv",
            &format!("file: {}", history.display()),
        );
    let scenario = dir.join("hangzhou.yaml");
    std::fs::write(&scenario, edit(text)).unwrap();
    scenario
}

/// The program `name` as `scripts/setup.sh --test` found it: its absolute
/// path in `test-tools.env` of the build folder (beside the test binary's
/// profile folder). Panics when the set-up has not recorded it, never
/// falling back to a PATH lookup, so a test can only run what the set-up
/// installs on a fresh machine.
pub fn tool(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let file = exe
        .ancestors()
        .map(|d| d.join("test-tools.env"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no test-tools.env above {}: run `scripts/setup.sh --test` (or `make test`), \
                 which installs the programs the tests run and records their paths",
                exe.display()
            )
        });
    let text = std::fs::read_to_string(&file).expect("test-tools.env readable");
    let path = text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| {
            panic!(
                "{}: no `{name}=` line; run `scripts/setup.sh --test` again",
                file.display()
            )
        });
    let path = std::path::PathBuf::from(path);
    assert!(
        path.is_absolute() && path.is_file(),
        "{}: `{name}` is recorded as {}, which is not a file; run `scripts/setup.sh --test` again",
        file.display(),
        path.display()
    );
    path
}

/// The Python that runs tests/ics_check.py: the virtual environment with
/// the three iCalendar parsers that `scripts/setup.sh --test` makes inside
/// the build folder (`test-venv`), never the system's Python.
pub fn python() -> std::path::PathBuf {
    tool("python3")
}

/// Runs tests/ics_check.py with `args` by [`python`]; what it printed
/// (stdout, then stderr) and whether it succeeded.
pub fn ics_check<I, S>(args: I) -> (bool, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = std::process::Command::new(python())
        .arg("tests/ics_check.py")
        .args(args)
        .output()
        .expect("the set-up's python3 runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}
