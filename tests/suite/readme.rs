//! The README shows what the binary does: its console example is run as
//! written (with `cargo run --release --` standing for the binary under
//! test and the output folder moved to a temporary one) and every line it
//! prints must match the README's, with the numbers a time-limited solve
//! changes masked (the solve's status, objective, gap and times, the roster's
//! counts and the predicted KPIs) and the solver's stop-reason line skipped;
//! and the CSV headers the README quotes are the files' headers.

use std::path::Path;

use assert_cmd::Command;

const README: &str = "README.md";

/// The commands of the README's ```console blocks, with the lines printed
/// after each.
fn console_examples(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.starts_with("```console") {
            inside = true;
        } else if line.starts_with("```") {
            inside = false;
        } else if inside {
            if let Some(cmd) = line.strip_prefix("$ ") {
                out.push((cmd.to_string(), Vec::new()));
            } else if let Some((_, lines)) = out.last_mut() {
                if !line.is_empty() {
                    lines.push(line.to_string());
                }
            }
        }
    }
    out
}

/// A line as compared: numbers masked, the solver's status word masked,
/// runs of spaces collapsed; `None` for the stop-reason line (indented),
/// which words the status in full.
fn stable(line: &str) -> Option<String> {
    if line.starts_with(' ') {
        return None;
    }
    let volatile = ["solver:", "roster:", "staffing:", "hotline ", "chat "]
        .iter()
        .any(|p| line.starts_with(p))
        || line.contains(" shifts of ");
    if !volatile {
        return Some(line.to_string());
    }
    let mut s = String::new();
    let mut in_number = false;
    for c in line.chars() {
        if c.is_ascii_digit() || (in_number && c == '.') {
            if !in_number {
                s.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            s.push(c);
        }
    }
    if let Some(rest) = s.strip_prefix("solver:") {
        let rest = rest.trim_start();
        let after = rest.find(';').map_or("", |i| &rest[i..]);
        s = format!("solver: STATUS{after}");
    }
    Some(s.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn readme_console_example_prints_what_the_readme_says() {
    let readme = std::fs::read_to_string(README).unwrap();
    let examples = console_examples(&readme);
    assert!(examples.len() >= 2, "{examples:?}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hangzhou");
    let out_text = out.display().to_string();
    for (cmd, expected) in &examples {
        let args = cmd
            .strip_prefix("cargo run --release -- ")
            .unwrap_or_else(|| panic!("not a rota command: {cmd}"));
        let args: Vec<String> = args
            .split_whitespace()
            .map(|a| a.replace("out/hangzhou", &out_text))
            .collect();
        let run = Command::cargo_bin("rota")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert!(
            run.status.code().is_some_and(|c| c <= 1),
            "{cmd}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let printed = String::from_utf8_lossy(&run.stderr).to_string()
            + &String::from_utf8_lossy(&run.stdout);
        let printed = printed.replace(&out_text, "out/hangzhou");
        let got: Vec<String> = printed.lines().filter_map(stable).collect();
        let want: Vec<String> = expected.iter().filter_map(|l| stable(l)).collect();
        assert_eq!(got, want, "{cmd}\nprinted:\n{printed}");
    }

    // The CSV headers quoted under "What the files hold" are the files' own.
    let text = &readme[readme.find("What the files hold").unwrap()..];
    let block = &text[text.find("```text").unwrap() + 7..];
    let block = &block[..block.find("```").unwrap()];
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut checked = 0;
    for pair in lines.windows(2) {
        let file = pair[0].split_whitespace().next().unwrap();
        if file.ends_with(".csv") {
            let actual = std::fs::read_to_string(out.join(file)).unwrap();
            assert_eq!(actual.lines().next().unwrap(), pair[1], "{file}");
            checked += 1;
        }
    }
    assert_eq!(checked, 3, "roster, requirements and coverage headers");
    assert!(Path::new(&out).join("report.html").exists());
}

#[test]
fn stable_lines_mask_what_a_time_limit_changes() {
    assert_eq!(
        stable("solver:   time_limit; objective 10399.2, best bound 5312.8, gap 48.91%, 60.5 s (limit 60 s, solver-configs/default.yaml)"),
        stable("solver:   gap_limit; objective 5355.5, best bound 5312.8, gap 0.80%, 37.2 s (limit 60 s, solver-configs/default.yaml)"),
    );
    assert_eq!(stable("          stopped at gap 0.80%"), None);
    assert_ne!(stable("warning: a 2"), stable("warning: a 3"));
    assert_ne!(
        stable("hotline      80%/20s      86.2%    16.9% at 2026-11-10 18:30    32.5 s      37.2%"),
        stable("hotline      80%/20s      86.2%    16.9% at 2026-11-10 18:30    no answer      —"),
    );
}
