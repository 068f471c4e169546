//! report.html checked in a real headless browser.
//!
//! The real binary deduplicates a small generated population; Chromium loads
//! the report and dumps the DOM it built. Every expected figure (bins of the
//! weight histogram, clusters per size, the largest clusters and their
//! members) is recomputed here from pairs.parquet and clusters.parquet, not
//! taken from the report. Chromium's console log must stay empty: a script
//! error, or a fetch the page's Content Security Policy blocks, shows there.
//!
//! Chromium must be installed (`.ci/run` installs Debian's `chromium`); the
//! tests fail, not skip, without it.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use arrow::array::{Array, Float64Array, StringArray, UInt32Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn dinhdanh(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_dinhdanh"))
        .arg("--quiet")
        .args(args)
        .output()
        .expect("the dinhdanh binary runs");
    assert!(
        out.status.success(),
        "dinhdanh {args:?}: exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

fn small_u() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/engine/small-u.toml")
}

/// The chromium binary on PATH; panics with how to install it.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "chromium is not on PATH: the report test needs a real headless browser. \
                 Install Debian's chromium (apt-get update && apt-get install -y chromium); \
                 .ci/run does this"
            )
        })
}

/// The DOM Chromium built from `page`, and the console lines it logged.
fn browse(page: &Path) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "file://{}",
        page.canonicalize().expect("page exists").display()
    );
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium exit {:?}\n{stderr}",
        out.status.code()
    );
    // Console messages of the page (log, warning, error, uncaught
    // exceptions, CSP violations) are logged as "...:CONSOLE:<line>] ...".
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

struct Run {
    _dir: tempfile::TempDir,
    data: PathBuf,
    run: PathBuf,
}

/// 3 000 generated records deduplicated once for all tests.
fn run() -> &'static Run {
    static R: OnceLock<Run> = OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("gen");
        let run = dir.path().join("run");
        dinhdanh(&[
            "generate",
            "--records",
            "3000",
            "--seed",
            "11",
            "--out",
            s(&data),
        ]);
        dinhdanh(&[
            "--threads",
            "2",
            "dedupe",
            "--config",
            s(&small_u()),
            s(&data.join("records.parquet")),
            "--out",
            s(&run),
        ]);
        Run {
            _dir: dir,
            data,
            run,
        }
    })
}

fn batches(path: &Path) -> Vec<arrow::record_batch::RecordBatch> {
    let f = File::open(path).expect("output opens");
    ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("parquet reads")
        .build()
        .expect("reader builds")
        .map(|b| b.expect("batch reads"))
        .collect()
}

fn weights(run: &Path) -> Vec<f64> {
    let mut w = Vec::new();
    for b in batches(&run.join("pairs.parquet")) {
        let c = b
            .column_by_name("match_weight")
            .expect("match_weight column");
        let c = c
            .as_any()
            .downcast_ref::<Float64Array>()
            .expect("match_weight is Float64");
        w.extend(c.values().iter().copied());
    }
    w
}

/// cluster_id → (size column, member record ids).
fn clusters(run: &Path) -> BTreeMap<String, (u32, Vec<String>)> {
    let mut m: BTreeMap<String, (u32, Vec<String>)> = BTreeMap::new();
    for b in batches(&run.join("clusters.parquet")) {
        let col = |n: &str| b.column_by_name(n).expect("column exists").clone();
        let rid = col("record_id");
        let rid = rid.as_any().downcast_ref::<StringArray>().expect("utf8");
        let cid = col("cluster_id");
        let cid = cid.as_any().downcast_ref::<StringArray>().expect("utf8");
        let size = col("cluster_size");
        let size = size.as_any().downcast_ref::<UInt32Array>().expect("u32");
        for i in 0..b.num_rows() {
            let e = m.entry(cid.value(i).to_owned()).or_default();
            e.0 = size.value(i);
            e.1.push(rid.value(i).to_owned());
        }
    }
    m
}

fn summary(run: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(run.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json parses")
}

/// The markup of the element with `id` up to the end of its svg.
fn svg<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!(r#"<svg id="{id}""#))
        .unwrap_or_else(|| panic!("no <svg id=\"{id}\"> in the DOM"));
    let end = dom[start..].find("</svg>").expect("svg closes");
    &dom[start..start + end]
}

/// Values of attribute `name` on every element of `markup`, in order.
fn attrs(markup: &str, name: &str) -> Vec<String> {
    let key = format!(r#" {name}=""#);
    markup
        .match_indices(&key)
        .map(|(i, _)| {
            let rest = &markup[i + key.len()..];
            rest[..rest.find('"').expect("attribute closes")].to_owned()
        })
        .collect()
}

#[test]
fn report_renders_in_chromium_with_the_runs_figures() {
    let r = run();
    let page = r.run.join("report.html");
    let (dom, console) = browse(&page);
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    assert!(dom.contains("dinhdanh dedupe report"), "{dom}");
    // Self-contained: nothing to fetch.
    for bad in ["http://", "https://", "<script", "<link", "<img", "<iframe"] {
        assert!(!dom.contains(bad), "the report contains {bad}");
    }

    // Weight histogram: bins of 0.5 from the lowest to the highest of the
    // written weights and the threshold's weight.
    let sum = summary(&r.run);
    let p = sum["threshold"].as_f64().expect("threshold");
    let tw = (p / (1.0 - p)).log2();
    let w = weights(&r.run);
    assert!(w.len() > 100, "the fixture wrote {} pairs", w.len());
    let bin = |x: f64| (x / 0.5).floor() as i64;
    let lo = w
        .iter()
        .copied()
        .map(bin)
        .min()
        .expect("pairs")
        .min(bin(tw));
    let hi = w
        .iter()
        .copied()
        .map(bin)
        .max()
        .expect("pairs")
        .max(bin(tw));
    assert!(hi - lo < 160, "the fixture's weights need wider bins");
    let mut expected: BTreeMap<i64, u64> = (lo..=hi).map(|k| (k, 0)).collect();
    for &x in &w {
        *expected.get_mut(&bin(x)).expect("in range") += 1;
    }
    let chart = svg(&dom, "chart-weights");
    let xs = attrs(chart, "data-x");
    let values = attrs(chart, "data-value");
    assert_eq!(xs.len(), expected.len(), "one bar per bin");
    for ((k, n), (x, v)) in expected.iter().zip(xs.iter().zip(&values)) {
        assert_eq!(x.parse::<f64>().expect("number"), *k as f64 * 0.5);
        assert_eq!(v, &n.to_string(), "pairs in the bin at {x}");
    }
    assert_eq!(chart.matches(r#"class="threshold""#).count(), 1);

    // Cluster sizes: clusters per size, from clusters.parquet.
    let cl = clusters(&r.run);
    let mut per_size: BTreeMap<u64, u64> = BTreeMap::new();
    for (id, (size, members)) in &cl {
        assert_eq!(*size as usize, members.len(), "cluster {id}");
        *per_size.entry(members.len() as u64).or_default() += 1;
    }
    let chart = svg(&dom, "chart-sizes");
    let got: Vec<(u64, u64)> = attrs(chart, "data-x")
        .iter()
        .zip(attrs(chart, "data-value"))
        .map(|(x, v)| (x.parse().expect("size"), v.parse().expect("count")))
        .collect();
    assert_eq!(got, per_size.into_iter().collect::<Vec<_>>());
    assert!(got.len() >= 3, "the fixture has clusters of several sizes");

    // One bar per blocking rule and per timed stage.
    let rules = sum["blocking"].as_array().expect("blocking");
    let chart = svg(&dom, "chart-rules");
    assert_eq!(chart.matches(r#"<g class="bar""#).count(), rules.len());
    for rule in rules {
        let name = rule["rule"].as_str().expect("rule name");
        let n = rule["new_pairs"].as_u64().expect("new_pairs");
        assert!(
            chart.contains(&format!(r#"data-label="{name}" data-value="{n}""#)),
            "rule {name}"
        );
    }
    let stages = sum["stage_seconds"].as_array().expect("stages").len();
    let chart = svg(&dom, "chart-timings");
    assert_eq!(chart.matches(r#"<g class="bar""#).count(), stages);

    // Flags: a chart, or a plain "none" until the run raises flags.
    let flags = &dom[dom.find(r#"<section id="flags">"#).expect("flags section")..];
    let flags = &flags[..flags.find("</section>").expect("section closes")];
    assert!(flags.contains(r#"<svg id="chart-flags""#) || flags.contains(r#"class="none""#));

    // Largest clusters: the 20 largest (ties by id), all members listed.
    let mut multi: Vec<(&String, &Vec<String>)> = cl
        .iter()
        .filter(|(_, (n, _))| *n > 1)
        .map(|(id, (_, m))| (id, m))
        .collect();
    multi.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    multi.truncate(20);
    let table = &dom[dom.find(r#"<table id="largest-table""#).expect("table")..];
    let table = &table[..table.find("</table>").expect("table closes")];
    let rows: Vec<&str> = table.split("<tr data-cluster=").skip(1).collect();
    assert_eq!(rows.len(), multi.len());
    for (row, (id, members)) in rows.iter().zip(&multi) {
        assert!(row.starts_with(&format!(r#""{id}""#)), "row {row}");
        let mut listed: Vec<String> = row
            .split(r#"<li class="id">"#)
            .skip(1)
            .map(|x| x[..x.find('<').expect("li closes")].to_owned())
            .collect();
        let mut want = (*members).clone();
        listed.sort();
        want.sort();
        assert_eq!(listed, want, "members of cluster {id}");
    }
    // Ids only by default.
    assert!(!dom.contains(r#"class="vals""#));
}

#[test]
fn console_errors_are_caught() {
    // The check above must be able to fail: a page with a script error and
    // a blocked fetch produces console lines.
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>\
         <img src=\"https://example.invalid/x.png\"><script>null.f();</script></body></html>",
    )
    .expect("page writes");
    let (_, console) = browse(&page);
    assert!(
        console.iter().any(|l| l.contains("Uncaught")),
        "{console:?}"
    );
    assert!(
        console
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "{console:?}"
    );
}

/// The report without its `#timings` section, which measures the run.
fn without_timings(html: &str) -> String {
    let start = html
        .find(r#"<section id="timings">"#)
        .expect("timings section");
    let end = start + html[start..].find("</section>").expect("section closes");
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn one_thread_writes_the_same_report_and_values_only_on_request() {
    let r = run();
    let dir = tempfile::tempdir().expect("temp dir");
    let one = dir.path().join("one");
    dinhdanh(&[
        "--threads",
        "1",
        "dedupe",
        "--config",
        s(&small_u()),
        s(&r.data.join("records.parquet")),
        "--out",
        s(&one),
        "--show-values",
    ]);
    let a = std::fs::read_to_string(r.run.join("report.html")).expect("report");
    let b = std::fs::read_to_string(one.join("report.html")).expect("report");
    // --show-values adds the values: take them out before comparing.
    let strip_values = |h: &str| {
        let mut out = String::new();
        let mut rest = h;
        while let Some(i) = rest.find(r#"<ul class="vals">"#) {
            out.push_str(&rest[..i]);
            let end = rest[i..].find("</ul>").expect("list closes");
            let ids: Vec<&str> = rest[i..i + end]
                .split(r#"<span class="id">"#)
                .skip(1)
                .map(|x| &x[..x.find('<').expect("span closes")])
                .collect();
            out.push_str(r#"<ul class="ids">"#);
            for id in ids {
                out.push_str(&format!(r#"<li class="id">{id}</li>"#));
            }
            rest = &rest[i + end..];
        }
        out.push_str(rest);
        out
    };
    assert!(
        b.contains(r#"<ul class="vals">"#),
        "--show-values shows values"
    );
    // Every listed record has a value line: "id — name · date · province".
    let lines = b.matches(r#"<li><span class="id">"#).count();
    assert!(lines > 0);
    assert_eq!(b.matches("</span> — ").count(), lines);
    let footer_a = a.rfind("<footer>").expect("footer");
    let footer_b = b.rfind("<footer>").expect("footer");
    assert_eq!(
        without_timings(&a[..footer_a]),
        without_timings(&strip_values(&b[..footer_b])),
        "report.html differs between --threads 1 and 2 outside #timings"
    );
}

#[test]
fn link_report_names_records_with_their_register() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("pair");
    let run = dir.path().join("link");
    dinhdanh(&[
        "generate",
        "--records",
        "3000",
        "--registers",
        "2",
        "--overlap",
        "0.7",
        "--seed",
        "5",
        "--out",
        s(&data),
    ]);
    dinhdanh(&[
        "link",
        "--config",
        s(&small_u()),
        s(&data.join("a.parquet")),
        s(&data.join("b.parquet")),
        "--out",
        s(&run),
    ]);
    let (dom, console) = browse(&run.join("report.html"));
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    assert!(dom.contains("dinhdanh link report"));
    assert!(dom.contains("records in a.parquet") && dom.contains("records in b.parquet"));
    // Cluster ids in clusters.parquet are source:id; the table uses the same.
    let ids: HashMap<String, u32> = clusters(&run)
        .into_iter()
        .map(|(id, (n, _))| (id, n))
        .collect();
    let table = &dom[dom.find(r#"<table id="largest-table""#).expect("table")..];
    let listed = attrs(table, "data-cluster");
    assert!(!listed.is_empty());
    for id in listed {
        assert!(ids.get(&id).is_some_and(|&n| n > 1), "cluster {id}");
    }
    svg(&dom, "chart-weights");
    svg(&dom, "chart-sizes");
}
