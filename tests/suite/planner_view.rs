//! What a new planner meets (issue 19): a scenario copied into any folder
//! plans, warnings that matter come before the solve, outcomes are marked
//! and exit 1 in every command, and `--quiet` silences progress.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SMALL: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

/// The small scenario and its history copied into an empty folder, with
/// `edit` applied to the scenario text; returns the scenario's path.
fn copy_small(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(SMALL).unwrap();
    let text = text
        .lines()
        .filter(|l| !l.starts_with("solver:"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::copy("tests/data/small/history.csv", dir.join("history.csv")).unwrap();
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, edit(text + "\n")).unwrap();
    path
}

fn output(c: &mut Command) -> (Option<i32>, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_scenario_in_an_empty_folder_plans_with_the_built_in_settings() {
    let dir = tempfile::tempdir().unwrap();
    // No solver-configs/ in the folder or above it (the temporary folder).
    assert!(dir
        .path()
        .ancestors()
        .all(|d| !d.join("solver-configs").exists()));
    let sc = copy_small(dir.path(), |t| t);
    let (code, stdout, stderr) =
        output(
            rota()
                .current_dir(dir.path())
                .args(["plan", "scenario.yaml", "--out", "out"]),
        );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // The built-in default: 60 s and a 1 % gap, as solver-configs/default.yaml.
    assert!(
        stdout.contains("(limit 60 s, built-in default settings)"),
        "{stdout}"
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["time_limit_seconds"], 60.0);
    assert_eq!(s["mip_rel_gap_target"], 0.01);

    // A file of the same name beside the scenario overrides the built-in one.
    std::fs::create_dir(dir.path().join("solver-configs")).unwrap();
    std::fs::write(
        dir.path().join("solver-configs/fast.yaml"),
        "time_limit_seconds: 7\nmip_rel_gap: 0.0\nthreads: 1\n",
    )
    .unwrap();
    let (code, stdout, _) = output(
        rota()
            .args(["plan", "--solver", "fast", "--out"])
            .arg(dir.path().join("out2"))
            .arg(&sc),
    );
    assert_eq!(code, Some(0));
    assert!(stdout.contains("(limit 7 s, "), "{stdout}");
    assert!(stdout.contains("solver-configs/fast.yaml)"), "{stdout}");

    // A name that is neither a file nor built in is named with the choices.
    let (code, _, stderr) = output(
        rota()
            .args(["plan", "--solver", "quick", "--out"])
            .arg(dir.path().join("out3"))
            .arg(&sc),
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("field `solver`")
            && stderr.contains("`quick` is not a built-in setting (fast, default, thorough)"),
        "{stderr}"
    );
    assert!(!dir.path().join("out3").exists());
}

#[test]
fn a_queue_no_agent_can_serve_is_warned_about_and_shows_no_asa() {
    let dir = tempfile::tempdir().unwrap();
    // Nobody keeps the chat skill.
    let sc = copy_small(dir.path(), |t| {
        t.replace("skills: [chat]", "skills: [hotline]")
            .replace("skills: [hotline, chat]", "skills: [hotline]")
            .replace("min_hours: 8, max_hours: 24", "min_hours: 0, max_hours: 24")
    });
    let (code, stdout, stderr) = output(
        rota()
            .args(["plan", "--solver"])
            .arg(std::fs::canonicalize("tests/data/solver-test.yaml").unwrap())
            .arg("--out")
            .arg(dir.path().join("out"))
            .arg(&sc),
    );
    // Its contacts go unanswered: the target is missed.
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("warning: queue `chat`: no agent has it among their skills"),
        "{stderr}"
    );
    let chat = stdout
        .lines()
        .find(|l| l.starts_with("chat "))
        .unwrap_or_else(|| panic!("{stdout}"));
    // 0 % predicted, and no ASA or occupancy as a number.
    assert!(
        chat.contains("0.0%") && chat.contains("no answer"),
        "{chat}"
    );
    assert!(chat.trim_end().ends_with('—'), "{chat}");
    assert!(!chat.contains("0.0 s"), "{chat}");
    assert!(stdout.contains("target missed: chat"), "{stdout}");
    let report = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(report.contains("no answer"));
    assert!(report.contains("no agent has it among their skills"));
}

#[test]
fn compare_marks_missed_targets_and_exits_1_and_quiet_is_silent() {
    let (code, stdout, stderr) =
        output(rota().args(["compare", SMALL, "tests/data/whatif/target.yaml", "--quiet"]));
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_eq!(stderr, "", "--quiet prints nothing on standard error");
    let targets = stdout
        .lines()
        .find(|l| l.starts_with("targets "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let cells: Vec<&str> = targets.split_whitespace().collect();
    assert_eq!(cells[1], "met", "{targets}");
    assert_eq!(cells[2..], ["MISSED", "hotline"], "{targets}");
    // The JSON summary of the variant names the queue and its shortfall.
    let json = rota()
        .args([
            "compare",
            "tests/data/whatif/target.yaml",
            "--format",
            "json",
            "--quiet",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let s = &v[0]["summary"];
    assert_eq!(s["targets_missed"], serde_json::json!(["hotline"]));
    let hotline = &s["queues"][0];
    assert!(
        hotline["service_level"].as_f64().unwrap() < 0.9,
        "{hotline}"
    );
    assert!(
        stdout.contains("target: target missed: hotline delivers"),
        "{stdout}"
    );
}

#[test]
fn runs_stopped_above_their_gap_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    // No branch-and-bound node: the solve stops before it proves anything.
    let solver = dir.path().join("no-nodes.yaml");
    std::fs::write(
        &solver,
        "time_limit_seconds: 60\nmip_rel_gap: 0.0\nthreads: 1\nrandom_seed: 1\npresolve: \"off\"\noptions: { mip_max_nodes: 0 }\n",
    )
    .unwrap();
    let (code, stdout, stderr) = output(rota().args(["compare", SMALL, "--solver"]).arg(&solver));
    assert!(matches!(code, Some(0 | 1)), "{stdout}{stderr}");
    let gap = stdout
        .lines()
        .find(|l| l.starts_with("gap "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(gap.contains("> 0%"), "{gap}");
    assert!(
        stderr.contains("warning: scenario stopped (other_limit) at a gap of")
            && stderr.contains("above the configured 0.00%"),
        "{stderr}"
    );
}

/// The attributes of every element of `html` that has `attr`, as maps.
fn elements_with(html: &str, attr: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    html.split('<')
        .filter(|tag| tag.contains(&format!(" {attr}=\"")))
        .map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            tag.split('"')
                .collect::<Vec<_>>()
                .chunks(2)
                .filter_map(|kv| {
                    let key = kv[0].trim().strip_suffix('=')?.rsplit(' ').next()?;
                    Some((key.to_string(), kv.get(1)?.to_string()))
                })
                .collect()
        })
        .collect()
}

#[test]
fn sweeps_mark_missed_targets_exit_1_and_draw_every_series_visibly() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = output(
        rota()
            .args([
                "sweep",
                SMALL,
                "--vary",
                "volume=0.9,1",
                "--vary",
                "target=0.8,0.97",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(code, Some(1), "{stderr}");
    // Points run volume-major: 1 and 3 ask for 97 %.
    for p in [
        "point 1 (target 0.97, volume 0.9): ",
        "point 3 (target 0.97, volume 1): ",
    ] {
        assert!(stderr.contains(&format!("target missed: {p}")), "{stderr}");
    }
    assert!(
        !stderr.contains("point 0 ") && !stderr.contains("point 2 "),
        "{stderr}"
    );
    let sweep: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        sweep["points"][0]["summary"]["targets_missed"],
        serde_json::json!([])
    );
    let html = std::fs::read_to_string(dir.path().join("sweep.html")).unwrap();
    assert_eq!(
        html.matches("<tr class=\"miss\">").count(),
        2,
        "missed rows marked"
    );

    // One colour per measure in every chart; the series of one measure (one
    // per target) are drawn at different widths, so coinciding ones stay
    // visible; each queue's service level and the targets are drawn.
    let series = elements_with(&html, "data-series");
    let mut colour_of: std::collections::BTreeMap<String, String> = Default::default();
    for e in &series {
        let label = &e["data-series"];
        // The targets (80 %, 97 %) are one measure.
        let measure = match label.split(" (").next().unwrap() {
            t if t.starts_with("target ") => "target".to_string(),
            m => m.to_string(),
        };
        let colour = e["stroke"].clone();
        assert_eq!(
            colour_of.entry(measure).or_insert(colour.clone()),
            &colour,
            "{label}"
        );
    }
    for measure in [
        "hotline service level",
        "chat service level",
        "paid hours",
        "understaffed agent-hours",
        "agents rostered",
    ] {
        let widths: std::collections::BTreeSet<&str> = series
            .iter()
            .filter(|e| e["data-series"].starts_with(&format!("{measure} (")))
            .map(|e| e["stroke-width"].as_str())
            .collect();
        assert_eq!(widths.len(), 2, "{measure}: {widths:?}");
    }
    let colours: std::collections::BTreeSet<&String> = colour_of.values().collect();
    assert_eq!(
        colours.len(),
        colour_of.len(),
        "distinct measures, distinct colours: {colour_of:?}"
    );
    for target in ["target 80.0%", "target 97.0%"] {
        assert!(
            series.iter().any(|e| e["data-series"] == target),
            "{target}"
        );
    }
    assert!(html.contains("id=\"sweep-headcount\""));
    // Round ticks: the y labels of the hours chart step evenly by 1, 2, 2.5 or 5 × 10^k.
    let hours = &html[html.find("id=\"sweep-hours\"").unwrap()..];
    let y_axis =
        &hours[hours.find("class=\"y-axis\"").unwrap()..hours.find("class=\"x-axis\"").unwrap()];
    let ticks: Vec<f64> = y_axis
        .split("</text>")
        .filter_map(|t| t.rsplit('>').next()?.trim().parse().ok())
        .collect();
    assert!(ticks.len() >= 3, "{ticks:?}");
    let step = ticks[1] - ticks[0];
    let mantissa = step / 10f64.powf(step.log10().floor());
    assert!(
        [1.0, 2.0, 2.5, 5.0]
            .iter()
            .any(|m| (m - mantissa).abs() < 1e-9),
        "{ticks:?}"
    );
    assert!(
        ticks.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9),
        "{ticks:?}"
    );
}

#[test]
fn calendar_events_name_the_queues_planned_and_the_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let ics = dir.path().join("roster.ics");
    let roster = "tests/data/rosters/good.csv";
    rota()
        .args([
            "export",
            roster,
            "--scenario",
            SMALL,
            "--format",
            "ics",
            "--out",
        ])
        .arg(&ics)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&ics).unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
    let events: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(roster)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(events.len(), rows.len());
    let unescape = |v: &str| {
        v.replace("\\n", "\n")
            .replace("\\,", ",")
            .replace("\\;", ";")
    };
    for row in &rows {
        let uid = format!("{}-{}", &row[0], row[2].replace('-', ""));
        let ev = events
            .iter()
            .find(|e| {
                e.properties
                    .iter()
                    .any(|p| p.name == "UID" && p.val.as_str().starts_with(&format!("{uid}@")))
            })
            .unwrap_or_else(|| panic!("no event {uid}"));
        let prop = |n: &str| {
            unescape(
                ev.properties
                    .iter()
                    .find(|p| p.name == n)
                    .map(|p| p.val.as_str())
                    .unwrap(),
            )
        };
        let (summary, description) = (prop("SUMMARY"), prop("DESCRIPTION"));
        // The queues of the roster row, not the agent's skills.
        let queues = row[11].replace(';', ", ");
        assert!(
            summary.contains(&format!(" on {queues} (")),
            "{summary} / {queues}"
        );
        assert!(
            description.starts_with(&format!("Planned on: {queues}\n")),
            "{description}"
        );
        // And the break times.
        assert!(summary.contains(&row[10]), "{summary} / {}", &row[10]);
        assert!(description.contains(&row[10]), "{description}");
    }
    // Huang Tao has both skills but is planned on chat only that day.
    let t08 = events
        .iter()
        .flat_map(|e| e.properties.iter())
        .find(|p| p.name == "SUMMARY" && p.val.as_str().contains("Huang Tao"))
        .unwrap();
    assert_eq!(
        t08.val.as_str(),
        "Shift: Huang Tao on chat (meal 15:00-15:30)"
    );
}
