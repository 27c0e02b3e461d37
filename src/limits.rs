//! The largest inputs rota accepts, and reading files within them.
//!
//! Past a limit rota stops with a clear error before it reads the file or
//! builds a model, rather than running out of memory or time. The numbers
//! are documented in `docs/limits.md`; they are sized so that the largest
//! accepted input fits comfortably in a few GiB and plans in bounded time.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Short escaped excerpts of input for messages live with the errors that
/// quote them (`error.rs`, which depends on nothing); their limit is one of
/// rota's limits all the same.
pub use crate::error::{excerpt, safe_message, MAX_EXCERPT_CHARS};

/// Largest scenario or solver-settings YAML file.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// Largest history CSV file (a year of 15-minute intervals for 100 queues is about 250 MiB).
pub const MAX_HISTORY_BYTES: u64 = 512 << 20;
/// Largest roster CSV file.
pub const MAX_ROSTER_BYTES: u64 = 64 << 20;
/// Largest sweep shard file (`rota merge`).
pub const MAX_SHARD_BYTES: u64 = 256 << 20;
/// Most agents in a scenario.
pub const MAX_AGENTS: usize = 5000;
/// Most queues in a scenario.
pub const MAX_QUEUES: usize = 100;
/// Planned days in a scenario (six weeks).
pub const MAX_PLANNED_DAYS: u32 = 42;
/// Deepest nesting of YAML collections (a scenario needs about 6).
pub const MAX_YAML_DEPTH: usize = 64;
/// Most YAML nodes in a file once its aliases (`*name`) are expanded.
pub const MAX_YAML_NODES: usize = 2_000_000;
/// Longest chain of variants (`extend:` of `extend:` ...).
pub const MAX_EXTEND_CHAIN: usize = 16;
/// Most HiGHS threads a solver setting may ask for.
pub const MAX_THREADS: u32 = 64;
/// Longest solver time limit, seconds (one week).
pub const MAX_TIME_LIMIT_SECONDS: f64 = 7.0 * 24.0 * 3600.0;
/// Largest volume or handle-time multiplier (events, adjustments, sweeps).
pub const MAX_MULTIPLIER: f64 = 100.0;
/// Largest offered load of one queue in one interval, in Erlangs (twice
/// the most agents a scenario may have): past it no roster could serve the
/// queue, and Erlang's recursions would run for minutes.
pub const MAX_LOAD_ERLANGS: f64 = 10_000.0;
/// Most servers `rota staff --agents` evaluates.
pub const MAX_SERVERS: u32 = 100_000;
/// Largest relative cost of an agent's hour (`hourly_cost`).
pub const MAX_HOURLY_COST: f64 = 1000.0;
/// Largest cost factor of a site (`sites[].cost_factor`).
pub const MAX_COST_FACTOR: f64 = 100.0;
/// Largest weight of any soft term (weights, objective, peaks, preferences).
pub const MAX_WEIGHT: f64 = 1.0e6;
/// Largest number of contacts in one history row.
pub const MAX_OFFERED: f64 = 1.0e6;
/// Longest handle time, service-level threshold or patience, seconds (a day).
pub const MAX_SECONDS: f64 = 86_400.0;
/// Most points in a sweep grid (the product of its axes).
pub const MAX_SWEEP_POINTS: usize = 10_000;

fn human(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

/// A reader that fails once more than its limit has been read: files whose
/// size the metadata does not tell (those of /proc) cannot grow past it.
#[derive(Debug)]
pub struct Bounded<R> {
    inner: std::io::Take<R>,
    max: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.inner.limit() == 0 {
            // The one byte past the limit was read: the file is too large.
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "file is larger than {}, the most rota reads (see docs/limits.md)",
                    human(self.max)
                ),
            ));
        }
        Ok(n)
    }
}

/// Opens a regular file after checking that it is no larger than `max`
/// bytes, and reads it through a reader that stops past `max`. Devices,
/// pipes and folders are refused: their size is not known in advance.
pub fn open_within(path: &Path, max: u64, what: &str) -> Result<Bounded<File>> {
    // The kind is checked before opening (opening a pipe waits for a
    // writer) and again on the open file.
    let before = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let file = if before.is_file() {
        File::open(path).map_err(|e| Error::io(path, e))?
    } else {
        return Err(not_regular(path, &before, what));
    };
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta, what));
    }
    let len = meta.len();
    if len > max {
        return Err(Error::input(
            path,
            None,
            None,
            format!(
                "{what} file is {} but rota reads at most {} (see docs/limits.md)",
                human(len.max(1 << 20)),
                human(max)
            ),
        ));
    }
    Ok(Bounded {
        // One byte more than allowed, to tell "exactly max" from "more".
        inner: file.take(max + 1),
        max,
    })
}

fn not_regular(path: &Path, meta: &std::fs::Metadata, what: &str) -> Error {
    let kind = if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file (a device, pipe or socket)"
    };
    Error::input(
        path,
        None,
        None,
        format!("{what} file is {kind}: rota reads only regular files"),
    )
}

/// Reads a whole text file of at most `max` bytes; invalid UTF-8 is an
/// error naming the line where it starts. A UTF-8 byte-order mark is dropped.
pub fn read_text_within(path: &Path, max: u64, what: &str) -> Result<String> {
    let mut bytes = Vec::new();
    open_within(path, max, what)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::input(path, Some(line), None, "file is not valid UTF-8")
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Checks a YAML text before it is parsed: nesting no deeper than
/// [`MAX_YAML_DEPTH`] (the parser's time grows with the square of the
/// depth, so this is measured by a scan of the text first), and no more
/// than [`MAX_YAML_NODES`] nodes once aliases are expanded (a "billion
/// laughs" alias bomb is refused after that many nodes, without building
/// anything).
pub fn check_yaml(src: &str, path: &Path) -> Result<()> {
    check_yaml_within(src, path, MAX_YAML_NODES)
}

fn check_yaml_within(src: &str, path: &Path, max_nodes: usize) -> Result<()> {
    if let Some((line, depth)) = yaml_depth_past(src, MAX_YAML_DEPTH) {
        return Err(Error::input(
            path,
            Some(line),
            None,
            format!(
                "YAML nested {depth} levels deep: rota reads at most {MAX_YAML_DEPTH} levels of lists and mappings inside each other (see docs/limits.md)"
            ),
        ));
    }
    let nodes = std::cell::Cell::new(0usize);
    let counted = serde::de::DeserializeSeed::deserialize(
        NodeCount(&nodes, max_nodes),
        serde_yaml::Deserializer::from_str(src),
    );
    match counted {
        Err(e) if nodes.get() > max_nodes || e.to_string().contains("repetition limit") => Err(Error::input(
            path,
            e.location().map(|l| l.line()),
            None,
            format!(
                "too many YAML nodes once its aliases (`*name`) are expanded: rota reads at most {max_nodes}, and expands aliases at most 100 times the size of the file (an alias bomb? see docs/limits.md)"
            ),
        )),
        // Syntax and other errors are reported by the parse that follows,
        // with the field they concern.
        _ => Ok(()),
    }
}

/// The first line where the nesting of YAML collections passes `max`, and
/// the depth there. A scan of the text, not a parse: block mappings and
/// sequences by indentation and `- ` markers, flow collections by their
/// brackets outside quotes and comments, block scalars skipped.
fn yaml_depth_past(src: &str, max: usize) -> Option<(usize, usize)> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    let mut block_scalar: Option<usize> = None;
    for (i, line) in src.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if let Some(opened_at) = block_scalar {
            if body.trim().is_empty() || indent > opened_at {
                continue;
            }
            block_scalar = None;
        }
        let mut dashes = 0;
        if quote.is_none() && flow == 0 {
            let trimmed = body.trim_end();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            while indents.last().is_some_and(|&t| t >= indent) {
                indents.pop();
            }
            indents.push(indent);
            let mut rest = body;
            while let Some(r) = rest.strip_prefix('-') {
                if !(r.is_empty() || r.starts_with(' ')) {
                    break;
                }
                dashes += 1;
                rest = r.trim_start_matches(' ');
            }
            if indents.len() + dashes > max {
                return Some((i + 1, indents.len() + dashes));
            }
        }
        // Flow brackets and quotes, outside comments.
        let mut last_token: Option<char> = None;
        let mut prev: Option<char> = None;
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some('\'') => {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    }
                }
                Some(_) => {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        quote = None;
                    }
                }
                None => match c {
                    '#' if prev.is_none_or(char::is_whitespace) => break,
                    '\'' | '"'
                        if prev.is_none_or(|p| p.is_whitespace() || "[{,".contains(p))
                            && last_token.is_none_or(|t| ":-[{,?".contains(t)) =>
                    {
                        quote = Some(c)
                    }
                    '[' | '{' => {
                        flow += 1;
                        if indents.len() + dashes + flow > max {
                            return Some((i + 1, indents.len() + dashes + flow));
                        }
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            if !c.is_whitespace() {
                last_token = Some(c);
            }
            prev = Some(c);
        }
        if quote.is_none() && flow == 0 {
            let code = body.split(" #").next().unwrap_or("").trim_end();
            let tail = code.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
            if tail.ends_with('|') || tail.ends_with('>') {
                block_scalar = Some(indent);
            }
        }
    }
    None
}

/// Counts the nodes of a YAML document as the deserializer visits them
/// (aliases expanded), and stops past its limit; builds nothing.
#[derive(Clone, Copy)]
struct NodeCount<'a>(&'a std::cell::Cell<usize>, usize);

impl<'de> serde::de::DeserializeSeed<'de> for NodeCount<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        self.0.set(self.0.get() + 1);
        if self.0.get() > self.1 {
            return Err(serde::de::Error::custom("too many YAML nodes"));
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for NodeCount<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML")
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i128<E>(self, _: i128) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u128<E>(self, _: u128) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        serde::de::DeserializeSeed::deserialize(self, d)
    }
    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<(), D::Error> {
        serde::de::DeserializeSeed::deserialize(self, d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut a: A,
    ) -> std::result::Result<(), A::Error> {
        while a.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut a: A,
    ) -> std::result::Result<(), A::Error> {
        while a.next_key_seed(self)?.is_some() {
            a.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, a: A) -> std::result::Result<(), A::Error> {
        use serde::de::VariantAccess;
        let ((), v) = a.variant_seed(self)?;
        v.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.csv");
        // A sparse 1 GiB file: no disk is used, and nothing is read.
        let f = File::create(&p).unwrap();
        f.set_len(1 << 30).unwrap();
        let e = open_within(&p, MAX_HISTORY_BYTES, "history")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("huge.csv") && e.contains("1024 MiB") && e.contains("512 MiB"),
            "{e}"
        );
    }

    #[test]
    fn devices_pipes_and_folders_are_refused_and_reading_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        for (p, kind) in [
            (Path::new("/dev/zero"), "not a regular file"),
            (dir.path(), "a folder"),
        ] {
            let e = open_within(p, 1024, "history").unwrap_err().to_string();
            assert!(e.contains(kind), "{e}");
        }
        #[cfg(unix)]
        {
            // Opening a pipe would wait for a writer: it is refused first.
            let fifo = dir.path().join("fifo.csv");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let e = open_within(&fifo, 1024, "history").unwrap_err().to_string();
                assert!(e.contains("not a regular file"), "{e}");
            }
        }
        // A file that grows past the limit after its size was read (the
        // size of /proc files is 0) stops at the limit.
        let p = dir.path().join("grows.csv");
        std::fs::write(&p, "x").unwrap();
        let mut r = open_within(&p, 10, "history").unwrap();
        std::fs::write(&p, "y".repeat(100)).unwrap();
        let mut buf = Vec::new();
        let e = r.read_to_end(&mut buf).unwrap_err().to_string();
        assert!(buf.len() <= 11 && e.contains("larger than"), "{e}");
        // Exactly at the limit is fine.
        std::fs::write(&p, "z".repeat(10)).unwrap();
        let mut buf = Vec::new();
        open_within(&p, 10, "history")
            .unwrap()
            .read_to_end(&mut buf)
            .unwrap();
        assert_eq!(buf.len(), 10);
    }

    #[test]
    fn invalid_utf8_names_its_line_and_a_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.yaml");
        std::fs::write(&p, b"name: a\nsite: b\xff\n").unwrap();
        let e = read_text_within(&p, 1024, "scenario")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("UTF-8"), "{e}");
        std::fs::write(&p, b"\xef\xbb\xbfname: a\n").unwrap();
        assert_eq!(read_text_within(&p, 1024, "scenario").unwrap(), "name: a\n");
    }

    #[test]
    fn deep_yaml_is_refused_by_a_scan_before_parsing() {
        let p = Path::new("deep.yaml");
        let flow = format!("name: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let block: String = (0..100)
            .map(|i| format!("{}a{i}:\n", " ".repeat(i)))
            .collect();
        let seq = format!("x:\n  {}1\n", "- ".repeat(100));
        for text in [&flow, &block, &seq] {
            let e = check_yaml(text, p).unwrap_err().to_string();
            assert!(e.contains("levels deep") && e.contains("at most 64"), "{e}");
        }
        // Brackets in quotes, comments and block text are not nesting.
        let fine = format!(
            "a: \"{}\"\nb: '{}' # {}\nc: |\n  {}\nd: [[1], {{e: [2]}}]\n",
            "[".repeat(100),
            "{".repeat(100),
            "[".repeat(100),
            "[".repeat(100)
        );
        check_yaml(&fine, p).unwrap();
        let ok: String = (0..60)
            .map(|i| format!("{}a{i}:\n", " ".repeat(i)))
            .collect();
        check_yaml(&ok, p).unwrap();
    }

    #[test]
    fn an_alias_bomb_is_refused_without_building_it() {
        // Each alias expands to 100 items: 300 aliases make 30,000 nodes,
        // from 400 in the text.
        let mut text = format!("a: &a [{}]\nb:\n", vec!["x"; 100].join(", "));
        for _ in 0..300 {
            text.push_str("  - *a\n");
        }
        let e = check_yaml_within(&text, Path::new("bomb.yaml"), 20_000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("alias") && e.contains("20000"), "{e}");
        check_yaml_within(&text, Path::new("bomb.yaml"), 40_000).unwrap();
        // The classic bomb: nine of nine of nine ... (9^9 nodes).
        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = format!("*l{}", i - 1);
            bomb.push_str(&format!("l{i}: &l{i} [{}]\n", [p.as_str(); 9].join(", ")));
        }
        assert!(check_yaml(&bomb, Path::new("bomb.yaml")).is_err());
        // A few aliases are fine.
        check_yaml("a: &a [1, 2]\nb: *a\nc: *a\n", Path::new("ok.yaml")).unwrap();
    }

    #[test]
    fn messages_quote_short_escaped_excerpts() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n".repeat(100);
        let m = safe_message(&format!(
            "invalid type: string \"{passwd}\", expected struct"
        ));
        assert!(m.len() < 200, "{m}");
        assert!(
            m.contains("root:x:0:0") && m.contains('…') && !m.contains('\n'),
            "{m}"
        );
        assert_eq!(safe_message("a `b\u{1b}[31m` c"), "a `b\\u{1b}[31m` c");
        assert_eq!(excerpt("tab\there"), "tab\\there");
    }
}
