//! The `dinhdanh` command: parses flags, calls the library, maps errors to
//! exit codes (0 success, 1 data problem, 2 usage or configuration problem).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dinhdanh::config::Mode;
use dinhdanh::config::{Config, DEFAULT_CONFIG};
use dinhdanh::evaluate::{evaluate_run, EvalOptions};
use dinhdanh::generate::{generate, GenerateConfig, OutputFormat};
use dinhdanh::jobs::update::{update, UpdateOptions};
use dinhdanh::jobs::{dedupe, explain, RunOptions};
use dinhdanh::normalize::date::Date;
use dinhdanh::progress::Progress;
use dinhdanh::{Error, Result};

#[derive(Parser)]
#[command(
    name = "dinhdanh",
    version,
    about = "Find the same person across Vietnamese population records",
    long_about = "dinhdanh normalizes Vietnamese identity fields (names in any encoding, dates, \
                  ID numbers, provinces), finds candidate pairs by blocking, scores them with a \
                  Fellegi-Sunter model trained without labels, and clusters the records of one \
                  person.\n\nStart with `dinhdanh demo`: it generates a synthetic population, \
                  deduplicates it and scores the result against the known truth.",
    after_help = "Examples:\n  dinhdanh demo\n  dinhdanh generate --records 100000 --out data\n  \
                  dinhdanh dedupe data/records.parquet --out run\n  \
                  dinhdanh evaluate --truth data/truth.parquet --clusters run/clusters.parquet"
)]
struct Cli {
    /// Worker threads (0 = one per core).
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
    /// No progress output.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Permission bits (octal) of every file created: outputs, the run
    /// index, temporary files, generated data. Outputs hold personal data:
    /// the default 600 lets only the owner read them; 640 lets the group
    /// read. Directories get search (x) where reading is allowed.
    #[arg(long, global = true, default_value = "600", value_parser = parse_mode)]
    mode: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a synthetic population, deduplicate it and evaluate the result.
    #[command(after_help = "Example:\n  dinhdanh demo --records 1000000 --out demo-run")]
    Demo(DemoArgs),
    /// Write a synthetic Vietnamese population with ground truth.
    #[command(
        after_help = "Examples:\n  dinhdanh generate --records 1000000 --seed 7 --out data\n  \
                            dinhdanh generate --records 500000 --registers 2 --overlap 0.7 --out pair\n\n\
                            Writes DIR/records.parquet (or a.parquet and b.parquet with --registers 2) \
                            and DIR/truth.parquet."
    )]
    Generate(GenerateArgs),
    /// Find the records of one person within one register.
    #[command(
        after_help = "Example:\n  dinhdanh dedupe --config dinhdanh.toml records.parquet --out run\n\n\
                            Writes DIR/pairs.parquet, clusters.parquet, model.json, summary.json."
    )]
    Dedupe(DedupeArgs),
    /// Match the records of two registers (pairs only across A and B).
    #[command(
        after_help = "Example:\n  dinhdanh link --config dinhdanh.toml a.parquet b.parquet --out run"
    )]
    Link(LinkArgs),
    /// Match a new snapshot against a previous dedupe run; stable cluster ids.
    #[command(
        after_help = "Example:\n  dinhdanh update --previous run-monday snapshot-tuesday.parquet --out run-tuesday\n\n\
                            Only added and changed records (by record_id) are normalized, blocked against \
                            the previous run's index and scored. Writes the usual outputs plus \
                            changes.parquet and a new index; the previous run is not modified."
    )]
    Update(UpdateArgs),
    /// Score a clustering against a generator's ground truth.
    #[command(
        after_help = "Example:\n  dinhdanh evaluate --truth data/truth.parquet --clusters run/clusters.parquet"
    )]
    Evaluate(EvaluateArgs),
    /// Normalize values read one per line on stdin; one JSON object per line out.
    #[command(
        after_help = "Examples:\n  echo 'NguyÔn V¨n Hïng' | dinhdanh normalize name\n  \
                            printf '30/02/1960\\n1985\\n' | dinhdanh normalize date"
    )]
    Normalize(NormalizeArgs),
    /// Print the pairs each blocking rule would generate, before any scoring.
    BlockingReport(BlockingReportArgs),
    /// Print the field-by-field levels and weights of two records of a run.
    #[command(after_help = "Example:\n  dinhdanh explain --run run R0000012 R0004711")]
    Explain(ExplainArgs),
    /// Print a commented default configuration.
    #[command(after_help = "Example:\n  dinhdanh init-config > dinhdanh.toml")]
    InitConfig,
}

#[derive(Args)]
struct DemoArgs {
    /// Records to generate.
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Working directory for the generated data and the run.
    #[arg(long, default_value = "demo-run")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Parquet,
    Csv,
}

#[derive(Args)]
struct GenerateArgs {
    /// Records to write (per register with --registers 2).
    #[arg(long)]
    records: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "parquet")]
    format: FormatArg,
    /// 1: one register (records.parquet); 2: two registers for link runs.
    #[arg(long, default_value_t = 1)]
    registers: u8,
    /// Share of people present in both registers (with --registers 2).
    #[arg(long, default_value_t = 0.7)]
    overlap: f64,
    /// Share of people who get 1-4 extra records.
    #[arg(long, default_value_t = 0.10)]
    duplicate_share: f64,
}

#[derive(Args)]
struct RunArgs {
    /// Configuration file (TOML); built-in defaults when omitted.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Reuse a trained model.json instead of training.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Reference date for future-date checks, YYYY-MM-DD (default: today).
    #[arg(long)]
    as_of: Option<String>,
    /// List names, dates of birth and provinces in report.html (default: record ids only).
    #[arg(long)]
    show_values: bool,
}

#[derive(Args)]
struct DedupeArgs {
    /// Input register (.parquet or .csv).
    input: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct UpdateArgs {
    /// The previous run directory (written by dedupe or update).
    #[arg(long)]
    previous: PathBuf,
    /// Configuration file; the previous run's config.toml when omitted.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The model the previous run scored with (default: its model.json).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Reference date for future-date checks, YYYY-MM-DD (default: today).
    #[arg(long)]
    as_of: Option<String>,
    /// The new snapshot (.parquet or .csv).
    snapshot: PathBuf,
    /// Output directory for the new run.
    #[arg(long)]
    out: PathBuf,
    /// List names, dates of birth and provinces in report.html (default: record ids only).
    #[arg(long)]
    show_values: bool,
}

#[derive(Args)]
struct LinkArgs {
    /// Register A (.parquet or .csv).
    a: PathBuf,
    /// Register B (.parquet or .csv).
    b: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct EvaluateArgs {
    /// Truth file written by `dinhdanh generate`.
    #[arg(long)]
    truth: PathBuf,
    /// Clusters (record_id, cluster_id), Parquet or CSV.
    #[arg(long)]
    clusters: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Link runs: count only pairs of records from different registers.
    #[arg(long)]
    cross_source_only: bool,
    /// flags.parquet of the run, for shared_id / id_mismatch precision and
    /// recall (default: flags.parquet beside --clusters, when present).
    #[arg(long)]
    flags: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Name,
    Date,
    Id,
    Province,
}

#[derive(Args)]
struct NormalizeArgs {
    #[arg(value_enum)]
    kind: Kind,
    /// Reference date for future-date checks, YYYY-MM-DD (default: today).
    #[arg(long)]
    as_of: Option<String>,
}

#[derive(Args)]
struct BlockingReportArgs {
    /// Input register(s): one for dedupe, two for link.
    #[arg(required = true, num_args = 1..=2)]
    inputs: Vec<PathBuf>,
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct ExplainArgs {
    /// A run directory written by dedupe or link.
    #[arg(long)]
    run: PathBuf,
    /// First record id (in link runs, of register A; or SOURCE:ID).
    id1: String,
    /// Second record id (in link runs, of register B; or SOURCE:ID).
    id2: String,
}

fn parse_mode(s: &str) -> std::result::Result<u32, String> {
    u32::from_str_radix(s, 8)
        .ok()
        .filter(|m| m & !0o666 == 0 && m & 0o600 == 0o600)
        .ok_or_else(|| {
            format!(
                "'{s}' is not a file mode: give octal read/write bits that include the owner's, \
                 e.g. 600 (owner only, the default), 640 (group may read)"
            )
        })
}

fn parse_as_of(s: &Option<String>) -> Result<Date> {
    match s {
        None => Ok(Date::today()),
        Some(text) => {
            let bad = || Error::usage(format!("--as-of {text}: expected a date YYYY-MM-DD"));
            let mut it = text.split('-');
            let y = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
            let m = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
            let d = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
            Date::new(y, m, d).ok_or_else(bad)
        }
    }
}

fn load_config(path: &Option<PathBuf>) -> Result<Config> {
    match path {
        Some(p) => Config::from_path(p),
        None => Ok(Config::default()),
    }
}

/// glibc keeps memory freed by a stage in its arenas, and raises its mmap
/// threshold as large blocks are freed, so the next stage's allocations come
/// from the heap and a national run's peak carries the previous stage's
/// garbage. A fixed trim threshold (which also fixes the mmap threshold) hands
/// freed memory back: the 100 M peak in docs/BENCHMARKS.md was measured with
/// this setting, which runs used to need `MALLOC_TRIM_THRESHOLD_=1048576` in
/// the environment for. A value the user sets there is left alone.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    if std::env::var_os("MALLOC_TRIM_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; no other thread
        // exists yet.
        unsafe {
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 20);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    // Rust ignores SIGPIPE, so `dinhdanh evaluate | head` would panic in
    // println!; end quietly instead, as other command-line tools do.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("");
        if msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    if let Err(e) = dinhdanh::output::set_file_mode(cli.mode) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let threads = cli.threads;
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
    {
        eprintln!("error: cannot start {threads} worker threads: {e}");
        return ExitCode::from(2);
    }
    let progress = Progress::new(cli.quiet);
    match run(cli.command, &progress) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run(command: Command, progress: &Progress) -> Result<()> {
    match command {
        Command::Demo(a) => demo(a, progress),
        Command::Generate(a) => {
            let cfg = GenerateConfig::new(a.records, a.out)
                .seed(a.seed)
                .format(match a.format {
                    FormatArg::Parquet => OutputFormat::Parquet,
                    FormatArg::Csv => OutputFormat::Csv,
                })
                .registers(a.registers, a.overlap)
                .duplicate_share(a.duplicate_share);
            let st = progress.stage("generate", Some(a.records * u64::from(a.registers)));
            let summary = generate(&cfg, &|n| st.inc(n))?;
            st.finish(&format!("{} records", summary.records));
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).expect("summary serializes")
            );
            Ok(())
        }
        Command::Dedupe(a) => run_pipeline(Mode::Dedupe, vec![a.input], a.run, progress),
        Command::Link(a) => run_pipeline(Mode::Link, vec![a.a, a.b], a.run, progress),
        Command::Update(a) => {
            let config = match &a.config {
                Some(p) => Some(Config::from_path(p)?),
                None => None,
            };
            let opts = UpdateOptions {
                previous: a.previous,
                config,
                model: a.model,
                snapshot: a.snapshot,
                out: a.out,
                as_of: parse_as_of(&a.as_of)?,
                show_values: a.show_values,
            };
            let summary = update(&opts, progress)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).expect("serializes")
            );
            Ok(())
        }
        Command::Evaluate(a) => {
            let beside = a.clusters.with_file_name("flags.parquet");
            let flags = a.flags.or_else(|| beside.is_file().then_some(beside));
            let ev = evaluate_run(
                &a.truth,
                &a.clusters,
                flags.as_deref(),
                &EvalOptions {
                    cross_source_only: a.cross_source_only,
                },
            )?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&ev).expect("serializes"));
            } else {
                print!("{ev}");
            }
            Ok(())
        }
        Command::Normalize(a) => normalize_lines(a),
        Command::BlockingReport(a) => {
            let config = load_config(&a.config)?;
            let report = explain::blocking_report(&config, &a.inputs)?;
            print!("{report}");
            Ok(())
        }
        Command::Explain(a) => {
            let text = explain::explain(&a.run, &a.id1, &a.id2)?;
            print!("{text}");
            Ok(())
        }
        Command::InitConfig => {
            print!("{DEFAULT_CONFIG}");
            Ok(())
        }
    }
}

fn run_pipeline(mode: Mode, inputs: Vec<PathBuf>, a: RunArgs, progress: &Progress) -> Result<()> {
    let config = load_config(&a.config)?;
    let threads = config.run.threads;
    let opts = RunOptions {
        config,
        mode,
        inputs,
        out: a.out,
        model: a.model,
        as_of: parse_as_of(&a.as_of)?,
        show_values: a.show_values,
    };
    // --threads sized the global pool; a config's run.threads gets its own.
    let summary = if threads != 0 && threads != rayon::current_num_threads() {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::usage(format!("config key run.threads: {e}")))?
            .install(|| dedupe::run(&opts, progress))?
    } else {
        dedupe::run(&opts, progress)?
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).expect("serializes")
    );
    Ok(())
}

fn demo(a: DemoArgs, progress: &Progress) -> Result<()> {
    let data = a.out.join("data");
    let run_dir = a.out.join("run");
    let st = progress.stage("generate", Some(a.records));
    let cfg = GenerateConfig::new(a.records, &data).seed(a.seed);
    let gen = generate(&cfg, &|n| st.inc(n))?;
    let gen_secs = st.finish(&format!("{} records in {}", gen.records, data.display()));
    let opts = RunOptions {
        config: Config::default(),
        mode: Mode::Dedupe,
        inputs: vec![data.join("records.parquet")],
        out: run_dir.clone(),
        model: None,
        as_of: Date::today(),
        show_values: false,
    };
    let summary = dedupe::run(&opts, progress)?;
    let ev = evaluate_run(
        &data.join("truth.parquet"),
        &run_dir.join("clusters.parquet"),
        Some(&run_dir.join("flags.parquet")),
        &EvalOptions::default(),
    )?;
    println!(
        "dinhdanh demo: {} synthetic records (seed {})\n",
        gen.records, a.seed
    );
    println!("generate      {gen_secs:8.2} s");
    for (stage, secs) in &summary.stage_seconds {
        println!("{stage:<13} {secs:8.2} s");
    }
    println!("dedupe total  {:8.2} s", summary.total_seconds);
    if let Some(rss) = summary.peak_rss_bytes {
        println!("peak memory   {:8.0} MiB", rss as f64 / (1024.0 * 1024.0));
    }
    println!(
        "\ncandidate pairs {}, matching pairs {}, clusters {}\n",
        summary.candidate_pairs, summary.matching_pairs, summary.clusters
    );
    print!("{ev}");
    println!(
        "\noutputs: {} (run), {} (data)",
        run_dir.display(),
        data.display()
    );
    Ok(())
}

fn normalize_lines(a: NormalizeArgs) -> Result<()> {
    use dinhdanh::normalize::{citizen_id, date, name, province};
    let today = parse_as_of(&a.as_of)?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io("<stdin>", e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        let json = match std::str::from_utf8(&buf) {
            Err(_) => serde_json::json!({
                "line": line_no,
                "error": "invalid UTF-8: the line is not valid UTF-8 text; convert the file to UTF-8 first",
            }),
            Ok(text) => match a.kind {
                Kind::Name => serde_json::to_value(name::normalize_name(text)),
                Kind::Date => serde_json::to_value(date::parse_date(text, today)).map(|mut v| {
                    v["input"] = text.into();
                    v
                }),
                Kind::Id => serde_json::to_value(citizen_id::parse_id(text)).map(|mut v| {
                    v["input"] = text.into();
                    v
                }),
                Kind::Province => serde_json::to_value(province::lookup(text)).map(|mut v| {
                    v["input"] = text.into();
                    v
                }),
            }
            .expect("normalization results serialize"),
        };
        serde_json::to_writer(&mut out, &json).expect("JSON writes to a buffer");
        out.write_all(b"\n").map_err(|e| Error::io("<stdout>", e))?;
    }
    out.flush().map_err(|e| Error::io("<stdout>", e))?;
    Ok(())
}
