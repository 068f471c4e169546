//! The crate's shape (ARCHITECTURE.md, "Modules"): data flows one way.
//!
//! Each top-level module of `src/` may name (`crate::…`) only modules below it
//! in [`LAYERS`], and no file of a folder may reach a sibling file that
//! reaches it back. The check reads the source as text: `crate::m` paths and
//! `use crate::{m, …}` lists outside comments and outside the `#[cfg(test)]`
//! module at a file's end (tests may use anything).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top: a module may use only the ones before it.
const LAYERS: &[&str] = &[
    "error",
    "intern",
    "output",
    "progress",
    "config",
    "normalize",
    "store",
    "hash",
    "load",
    "block",
    "score",
    "cluster",
    "flags",
    "write",
    "index",
    "jobs",
    "generate",
    "evaluate",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without comments and without its trailing test module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `crate::` paths a file names, as module paths of up to `depth` parts
/// (`crate::score::scorer::Scorer` → `score` at depth 1, `score::scorer` at 2).
fn named_modules(code: &str, depth: usize) -> BTreeSet<String> {
    named_after(code, "crate::", depth)
}

/// The paths after each `marker` (`crate::` or `super::`), as in
/// [`named_modules`].
fn named_after(code: &str, marker: &str, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut push = |path: &str| {
        let parts: Vec<&str> = path
            .split("::")
            .take_while(|p| p.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .take(depth)
            .collect();
        if !parts.is_empty() {
            out.insert(parts.join("::"));
        }
    };
    let mut rest = code;
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        if let Some(list) = rest.strip_prefix('{') {
            // `use crate::{a::b, c};` — each top item of the list.
            let end = list.find("};").unwrap_or(list.len());
            let mut level = 0;
            let mut item = String::new();
            for ch in list[..end].chars() {
                match ch {
                    '{' => level += 1,
                    '}' => level -= 1,
                    ',' if level == 0 => {
                        push(item.trim());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(ch);
            }
            push(item.trim());
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            push(&rest[..end]);
        }
    }
    out
}

fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src/");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn sources() -> (PathBuf, Vec<(Vec<String>, String)>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let parsed = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("a source file");
            (module_of(&src, f), code(&text))
        })
        .collect();
    (src, parsed)
}

#[test]
fn every_top_level_module_is_in_a_layer() {
    let (_, files) = sources();
    for (module, _) in &files {
        let top = &module[0];
        if top == "lib" || top == "main" {
            continue;
        }
        assert!(
            LAYERS.contains(&top.as_str()),
            "src/{top}: add it to LAYERS in tests/layout.rs and to ARCHITECTURE.md"
        );
    }
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let (_, files) = sources();
    let rank = |m: &str| LAYERS.iter().position(|&l| l == m);
    let mut wrong = Vec::new();
    for (module, code) in &files {
        let Some(own) = rank(&module[0]) else {
            continue;
        };
        for used in named_modules(code, 1) {
            match rank(&used) {
                Some(r) if r > own => wrong.push(format!("{} uses {used}", module.join("::"))),
                None => wrong.push(format!("{} uses unknown module {used}", module.join("::"))),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
}

#[test]
fn no_circle_among_the_files_of_a_folder() {
    let (_, files) = sources();
    // Edges between sibling files (same parent module), by the paths named.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let names: BTreeSet<String> = files.iter().map(|(m, _)| m.join("::")).collect();
    for (module, code) in &files {
        if module.len() < 2 {
            continue;
        }
        let me = module.join("::");
        let parent = module[..module.len() - 1].join("::");
        // `super::x` in a file of folder `parent` names `parent::x`.
        let through_super = named_after(code, "super::", 1)
            .into_iter()
            .map(|x| format!("{parent}::{x}"));
        for used in named_modules(code, module.len())
            .into_iter()
            .chain(through_super)
        {
            if used != me && used.starts_with(&format!("{parent}::")) && names.contains(&used) {
                edges.entry(me.clone()).or_default().insert(used);
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut circle = path[i..].to_vec();
            circle.push(n.to_owned());
            return Some(circle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_owned());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        let circle = visit(n, &edges, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "import circle: {}",
            circle.unwrap().join(" -> ")
        );
    }
}

#[test]
fn the_checker_sees_paths_and_lists() {
    // The text scanner itself, on a hand-written snippet.
    let snippet = "use crate::score::scorer::{Scorer, weight_of};\n\
                   use crate::{config::Config, store};\n\
                   // crate::jobs in a comment does not count\n\
                   fn f() { crate::cluster::cluster_pairs(); }\n";
    let code = code(snippet);
    let top: Vec<String> = named_modules(&code, 1).into_iter().collect();
    assert_eq!(top, ["cluster", "config", "score", "store"]);
    let two: Vec<String> = named_modules(&code, 2).into_iter().collect();
    assert_eq!(
        two,
        // A path stops at its first capitalised part (a type): `config`.
        ["cluster::cluster_pairs", "config", "score::scorer", "store"]
    );
}

/// Every file's text under `dir` (recursively), `.rs` only.
fn all_code(dir: &Path) -> String {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    files
        .iter()
        .map(|f| code(&std::fs::read_to_string(f).expect("a source file")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` names crate `name` (`-` spelled `_`) as a path root.
fn names_crate(code: &str, name: &str) -> bool {
    let ident = name.replace('-', "_");
    code.match_indices(&ident).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = &code[i + ident.len()..];
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            && (after.starts_with("::") || after.starts_with(';') || after.starts_with(" as "))
    })
}

#[test]
fn every_dependency_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("Cargo.toml parses");
    let src = all_code(&root.join("src"));
    let dev = [
        all_code(&root.join("tests")),
        all_code(&root.join("benches")),
    ]
    .join("\n");
    let mut declared: Vec<(String, bool)> = Vec::new();
    let mut add = |table: Option<&toml::Value>, is_dev: bool| {
        for name in table
            .and_then(|t| t.as_table())
            .into_iter()
            .flat_map(|t| t.keys())
        {
            declared.push((name.clone(), is_dev));
        }
    };
    add(manifest.get("dependencies"), false);
    add(manifest.get("dev-dependencies"), true);
    for target in manifest
        .get("target")
        .and_then(|t| t.as_table())
        .into_iter()
        .flat_map(|t| t.values())
    {
        add(target.get("dependencies"), false);
    }
    assert!(declared.len() > 10, "the manifest was read: {declared:?}");
    let unused: Vec<&str> = declared
        .iter()
        .filter(|(name, is_dev)| !(names_crate(&src, name) || *is_dev && names_crate(&dev, name)))
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        unused.is_empty(),
        "declared in Cargo.toml and named nowhere in the code: {unused:?}"
    );
}

#[test]
fn the_dependency_check_sees_paths_not_words() {
    assert!(names_crate("use rayon::prelude::*;", "rayon"));
    assert!(names_crate("let x = serde_json::to_vec(&y);", "serde_json"));
    assert!(names_crate(
        "extern crate unicode_normalization;",
        "unicode-normalization"
    ));
    assert!(!names_crate("let csv_rows = 3; // csv", "csv"));
    assert!(!names_crate("use dinhdanh::load::csv::Reader;", "csv"));
}
