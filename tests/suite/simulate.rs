//! The discrete-event simulation against Erlang C and Erlang A, pooling,
//! determinism and bad input (docs/simulation.md).

use assert_cmd::Command;
use rota::simulate::{run, Model, SimAgent, SimQueue, Summary};
use rota::staffing::{erlang, erlang_a};

const SMALL: &str = "tests/data/small/scenario.yaml";
const ROSTER: &str = "tests/data/rosters/good.csv";

/// `queues` queues with `load` Erlangs each (AHT 180 s, threshold 20 s) over
/// `hours` hours of 30-minute intervals; `pools` lists (queues served, agents).
fn model(
    queues: usize,
    load: f64,
    pools: &[(Vec<usize>, usize)],
    hours: usize,
    patience: Option<f64>,
) -> Model {
    let nt = hours * 2;
    let aht = 180.0;
    Model {
        interval_seconds: 1800.0,
        intervals: nt,
        queues: (0..queues)
            .map(|q| SimQueue {
                id: format!("q{q}"),
                threshold_seconds: 20.0,
                patience_seconds: patience,
                concurrency: 1,
                rate: vec![load / aht; nt],
                aht_seconds: vec![aht; nt],
            })
            .collect(),
        agents: pools
            .iter()
            .flat_map(|(qs, n)| {
                (0..*n).map(move |_| SimAgent {
                    queues: qs.clone(),
                    proficiency: Vec::new(),
                    periods: vec![(0.0, nt as f64 * 1800.0)],
                })
            })
            .collect(),
        aht_cv: None,
    }
}

fn within(value: f64, s: &rota::simulate::Estimate) -> bool {
    s.low.unwrap() <= value && value <= s.high.unwrap()
}

#[test]
fn agrees_with_erlang_c_single_skill_no_abandonment() {
    // A = 10, n = 14, AHT 180 s: SL(20 s) = 0.8884, ASA = 7.84 s (DOMAIN.md).
    let m = model(1, 10.0, &[(vec![0], 14)], 24, None);
    let s = run(&m, 40, 7);
    let q = &s.queues[0].overall;
    let sl = q.service_level.unwrap();
    let asa = q.asa_seconds.unwrap();
    let e_sl = erlang::service_level(14, 10.0, 180.0, 20.0);
    let e_asa = erlang::asa(14, 10.0, 180.0);
    assert!((e_sl - 0.8884).abs() < 1e-4 && (e_asa - 7.84).abs() < 0.01);
    eprintln!("SL {sl:?} ASA {asa:?}");
    assert!(within(e_sl, &sl), "SL {sl:?} vs Erlang C {e_sl}");
    assert!(within(e_asa, &asa), "ASA {asa:?} vs Erlang C {e_asa}");
    // The interval is narrow enough to tell SL 0.8884 from its neighbours.
    assert!(sl.high.unwrap() - sl.low.unwrap() < 0.02, "{sl:?}");
    assert!(!within(erlang::service_level(13, 10.0, 180.0, 20.0), &sl));
    assert!(!within(erlang::service_level(15, 10.0, 180.0, 20.0), &sl));
    assert_eq!(q.abandon_rate.unwrap().mean, 0.0);
}

#[test]
fn agrees_with_erlang_a_with_patience() {
    // A = 10, n = 11, mean patience 120 s: a busy queue where callers hang up.
    let m = model(1, 10.0, &[(vec![0], 11)], 24, Some(120.0));
    let s = run(&m, 40, 11);
    let q = &s.queues[0].overall;
    let e = erlang_a::evaluate(11, 10.0, 180.0, 120.0, 20.0);
    let ab = q.abandon_rate.unwrap();
    let sl = q.service_level.unwrap();
    eprintln!("abandon {ab:?} SL {sl:?} Erlang A {e:?}");
    assert!(e.abandon_rate > 0.05, "{e:?}");
    assert!(
        within(e.abandon_rate, &ab),
        "abandon {ab:?} vs Erlang A {e:?}"
    );
    assert!(within(e.service_level, &sl), "SL {sl:?} vs Erlang A {e:?}");
}

#[test]
fn pooling_multi_skilled_agents_raises_service_level() {
    // Two queues of 5 Erlangs: 7 + 7 dedicated agents against 14 serving both.
    let split = model(2, 5.0, &[(vec![0], 7), (vec![1], 7)], 24, None);
    let pooled = model(2, 5.0, &[(vec![0, 1], 14)], 24, None);
    let sl = |s: &Summary| {
        let a = s.queues[0].overall.service_level.unwrap();
        let b = s.queues[1].overall.service_level.unwrap();
        (a.mean + b.mean) / 2.0
    };
    let (s1, s2) = (run(&split, 20, 3), run(&pooled, 20, 3));
    let (sl_split, sl_pooled) = (sl(&s1), sl(&s2));
    eprintln!("split {sl_split} pooled {sl_pooled}");
    // Erlang C of each queue alone (7 agents, 5 Erlangs) describes the split case ...
    let e_split = erlang::service_level(7, 5.0, 180.0, 20.0);
    assert!(within(
        e_split,
        &s1.queues[0].overall.service_level.unwrap()
    ));
    // ... and the pooled case is one queue of 10 Erlangs with 14 agents: better.
    assert!(
        sl_pooled > sl_split + 0.05,
        "split {sl_split} pooled {sl_pooled}"
    );
    let e_pooled = erlang::service_level(14, 10.0, 180.0, 20.0);
    assert!(
        (sl_pooled - e_pooled).abs() < 0.02,
        "{sl_pooled} vs {e_pooled}"
    );
}

#[test]
fn replications_do_not_depend_on_threads_and_seeds_matter() {
    let m = model(2, 5.0, &[(vec![0], 6), (vec![0, 1], 8)], 4, Some(90.0));
    let a = run(&m, 6, 42);
    let b = run(&m, 6, 42);
    assert_eq!(a, b);
    let c = run(&m, 6, 43);
    assert_ne!(a, c);
}

fn rota() -> Command {
    Command::cargo_bin("rota").unwrap()
}

#[test]
fn cli_same_seed_same_output_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "simulate",
        SMALL,
        ROSTER,
        "--replications",
        "5",
        "--seed",
        "9",
        "--format",
        "json",
    ];
    let one = rota()
        .args(args)
        .args(["--out", dir.path().to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let two = rota()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(one, two);
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["replications"], 5);
    assert!(v["contacts"].as_u64().unwrap() > 0);
    assert!(v["queues"][0]["erlang_service_level"].is_number());
    let csv = std::fs::read_to_string(dir.path().join("simulation.csv")).unwrap();
    assert!(csv.starts_with("queue,interval_start,arrivals,service_level,"));
    let text = rota()
        .args(["simulate", SMALL, ROSTER, "--replications", "3"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("hotline") && text.contains("Erlang"),
        "{text}"
    );
}

#[test]
fn cli_bad_input_exits_2() {
    let cases: [(&[&str], &str); 4] = [
        (&["--replications", "0"], "--replications"),
        (&["--patience", "-5"], "--patience"),
        (&["--aht-cv", "nan"], "--aht-cv"),
        (&[], "roster"),
    ];
    for (extra, msg) in cases {
        let roster = if extra.is_empty() {
            "tests/data/missing.csv"
        } else {
            ROSTER
        };
        let out = rota()
            .args(["simulate", SMALL, roster])
            .args(extra)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(out).unwrap();
        assert!(err.contains(msg) || err.contains("missing.csv"), "{err}");
    }
    rota()
        .args(["simulate", "tests/data/nope.yaml", ROSTER])
        .assert()
        .code(2);
}

#[test]
fn chat_agents_with_two_sessions_are_two_servers_each() {
    // 7 agents holding up to 2 chats each on 10 Erlangs of sessions: Erlang C with 14 servers.
    let mut m = model(1, 10.0, &[(vec![0], 7)], 24, None);
    m.queues[0].concurrency = 2;
    let s = run(&m, 20, 5);
    let sl = s.queues[0].overall.service_level.unwrap();
    let e = erlang::service_level(14, 10.0, 180.0, 20.0);
    assert!(within(e, &sl), "SL {sl:?} vs Erlang C with 14 servers {e}");
    assert!(!within(erlang::service_level(13, 10.0, 180.0, 20.0), &sl));
}

#[test]
fn less_variable_handle_times_shorten_waits() {
    // Log-normal handle times with CV 0.3 (instead of exponential, CV 1): the
    // same load waits less (Allen–Cunneen: waits scale with (1 + CV²) / 2).
    let exp = model(1, 10.0, &[(vec![0], 12)], 24, None);
    let mut ln = exp.clone();
    ln.aht_cv = Some(0.3);
    let (a, b) = (run(&exp, 20, 2), run(&ln, 20, 2));
    let asa_exp = a.queues[0].overall.asa_seconds.unwrap();
    let asa_ln = b.queues[0].overall.asa_seconds.unwrap();
    eprintln!("ASA exponential {asa_exp:?}, log-normal CV 0.3 {asa_ln:?}");
    assert!(asa_ln.high.unwrap() < asa_exp.low.unwrap());
    // Roughly (1 + 0.09) / 2 of the exponential wait.
    let ratio = asa_ln.mean / asa_exp.mean;
    assert!((0.4..0.75).contains(&ratio), "ratio {ratio}");
}
