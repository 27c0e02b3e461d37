//! Data flows one way through the library (ARCHITECTURE.md, "Layers"):
//! every `crate::MODULE` a module of `src/` names outside its tests and
//! comments must be of a lower layer than its own. The layers are written
//! here, not read from the code, so a new import across them fails until
//! the architecture says it may.

use std::collections::BTreeMap;
use std::path::Path;

/// The library's top-level modules, lowest layer first. Modules of one
/// layer may not name each other.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["limits", "csv_cell"],
    &["scenario"],
    &["horizon", "history", "whatif"],
    &["forecast"],
    &["staffing"],
    &["lp"],
    &["coverage"],
    &["roster"],
    // The optimizer and the judge (evaluate) stand side by side on the
    // coverage arithmetic and the roster; neither names the other.
    &["solve", "report"],
    &["explain", "simulate", "store", "drill"],
    &["replan"],
    &["request"],
    &["export"],
    &["plan", "instance"],
    &["hindsight"],
];

fn layer_of(module: &str) -> Option<usize> {
    // `crate::Error` and `crate::Result`: error's, re-exported by lib.rs.
    let module = match module {
        "Error" | "Result" => "error",
        m => m,
    };
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file of `src/` belongs to.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix("src").unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The modules named as `crate::NAME` in `text`, outside comments and
/// `#[cfg(test)]` modules, with the line of their first mention.
fn named(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.entry(name).or_insert(i + 1);
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_names_a_module_of_its_own_or_a_higher_layer() {
    let mut all = Vec::new();
    files(Path::new("src"), &mut all);
    all.sort();
    let mut wrong = Vec::new();
    let mut seen = 0;
    for path in &all {
        let module = module_of(path);
        if module == "main" || module == "cli" || module == "lib" {
            continue; // the binary stands on everything
        }
        let Some(mine) = layer_of(&module) else {
            wrong.push(format!(
                "{}: module `{module}` is in no layer of tests/suite/layers.rs",
                path.display()
            ));
            continue;
        };
        seen += 1;
        let text = std::fs::read_to_string(path).unwrap();
        for (other, line) in named(&text) {
            if other == module {
                continue;
            }
            match layer_of(&other) {
                Some(l) if l < mine => {}
                Some(_) => wrong.push(format!(
                    "{}:{line}: `{module}` names `crate::{other}`, which is not below it",
                    path.display()
                )),
                None => wrong.push(format!(
                    "{}:{line}: `crate::{other}` is in no layer of tests/suite/layers.rs",
                    path.display()
                )),
            }
        }
    }
    assert!(seen > 50, "only {seen} files read");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    let text = "use crate::roster::model::Roster;\n// crate::plan in a comment\nlet x = crate::replan::Facts::default();\n#[cfg(test)]\nuse crate::plan;\n";
    let got: Vec<String> = named(text).into_keys().collect();
    assert_eq!(got, ["replan", "roster"]);
    assert!(layer_of("replan") > layer_of("roster"));
    assert_eq!(layer_of("solve"), layer_of("report"));
}
