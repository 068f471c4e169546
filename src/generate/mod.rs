//! Synthetic Vietnamese population with ground truth.
//!
//! [`generate`] writes a records file (or two registers for linkage runs) and
//! a truth file saying which person each record belongs to, its role
//! (original, duplicate, twin, namesake) and every corruption applied.
//!
//! How it scales: every person is a pure function of (seed, person index)
//! and every record of (seed, register, person, copy), each drawn from its
//! own ChaCha8 stream. A cheap sequential pass fixes how many records each
//! person has; the output order is a keyed permutation of the record indices
//! (a Feistel network), so position → record is O(log people) with no
//! shuffle buffer. Records are generated in parallel one row group at a time,
//! and the bytes written do not depend on the number of threads.

mod corrupt;
mod layout;
mod person;
mod rng;
mod tables;
mod writer;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

pub use corrupt::Corruption;

use crate::error::{Error, Result};
use corrupt::{make_record, Ids, RecordRow};
use layout::Layout;
use person::Kind;
use rng::{domain, stream_rng};
use writer::{TableWriter, TruthRow};

/// File format of the generated tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    #[default]
    Parquet,
    Csv,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
        }
    }
}

impl FromStr for OutputFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<OutputFormat> {
        match s {
            "parquet" => Ok(OutputFormat::Parquet),
            "csv" => Ok(OutputFormat::Csv),
            other => Err(Error::usage(format!(
                "unknown format '{other}': use parquet or csv"
            ))),
        }
    }
}

/// Settings of one generator run. Start from [`GenerateConfig::new`] and
/// adjust with the chained setters; [`generate`] validates.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateConfig {
    /// Output records in total; per register in two-register mode.
    pub records: u64,
    pub seed: u64,
    /// Output directory, created if missing.
    pub out: PathBuf,
    pub format: OutputFormat,
    /// 1 (`records.*`) or 2 (`a.*`, `b.*` for linkage runs).
    pub registers: u8,
    /// Two-register mode: share of each register's people also in the other.
    pub overlap: f64,
    /// Share of people with 1–4 extra, corrupted records (per register).
    pub duplicate_share: f64,
    /// Share of records that carry another person's ID (`id_borrowed`).
    pub borrowed_id_share: f64,
    /// Rows per Parquet row group, and per generation batch.
    pub row_group_size: usize,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        GenerateConfig {
            records: 1_000_000,
            seed: 0,
            out: PathBuf::from("."),
            format: OutputFormat::Parquet,
            registers: 1,
            overlap: 0.7,
            duplicate_share: 0.10,
            borrowed_id_share: 0.002,
            row_group_size: 1 << 18,
        }
    }
}

impl GenerateConfig {
    pub fn new(records: u64, out: impl Into<PathBuf>) -> GenerateConfig {
        GenerateConfig {
            records,
            out: out.into(),
            ..GenerateConfig::default()
        }
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn format(mut self, format: OutputFormat) -> Self {
        self.format = format;
        self
    }

    /// Two registers sharing `overlap` of their people; `registers(1, _)`
    /// goes back to one register.
    pub fn registers(mut self, registers: u8, overlap: f64) -> Self {
        self.registers = registers;
        self.overlap = overlap;
        self
    }

    pub fn duplicate_share(mut self, share: f64) -> Self {
        self.duplicate_share = share;
        self
    }

    pub fn borrowed_id_share(mut self, share: f64) -> Self {
        self.borrowed_id_share = share;
        self
    }

    pub fn row_group_size(mut self, rows: usize) -> Self {
        self.row_group_size = rows;
        self
    }

    /// Checks every setting; errors are [`Error::Usage`] naming the flag.
    pub fn validate(&self) -> Result<()> {
        let share = |v: f64| (0.0..=1.0).contains(&v);
        if self.records == 0 {
            return Err(Error::usage("--records must be at least 1"));
        }
        if self.records > MAX_RECORDS {
            return Err(Error::usage(format!(
                "--records must be at most {MAX_RECORDS}"
            )));
        }
        if !(1..=2).contains(&self.registers) {
            return Err(Error::usage("--registers must be 1 or 2"));
        }
        if !share(self.overlap) {
            return Err(Error::usage("--overlap must be between 0 and 1"));
        }
        if !share(self.duplicate_share) {
            return Err(Error::usage("duplicate share must be between 0 and 1"));
        }
        if !share(self.borrowed_id_share) {
            return Err(Error::usage("borrowed-ID share must be between 0 and 1"));
        }
        if self.row_group_size == 0 {
            return Err(Error::usage("row group size must be at least 1"));
        }
        Ok(())
    }
}

/// Beyond this the per-person tables would outgrow a 24 GB machine.
const MAX_RECORDS: u64 = 2_000_000_000;

/// What a run wrote.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GenerateSummary {
    /// Records written, all registers together.
    pub records: u64,
    /// Distinct people with at least one record.
    pub people: u64,
    /// Records with role `duplicate`.
    pub duplicates: u64,
    /// People made as a twin of another (role `twin`).
    pub twins: u64,
    /// People made as a namesake of another (role `namesake`).
    pub namesakes: u64,
    /// Records carrying another person's ID (`id_borrowed`).
    pub borrowed_ids: u64,
    /// People present in both registers (two-register mode).
    pub people_in_both: u64,
    pub seed: u64,
    pub registers: u8,
    pub files: Vec<PathBuf>,
    /// Records per corruption tag.
    pub corruption_counts: BTreeMap<String, u64>,
}

fn person_id(index: u64) -> String {
    format!("P{index:010}")
}

struct Run<'a> {
    cfg: &'a GenerateConfig,
    layout: Layout,
}

impl Run<'_> {
    /// The record at output position `pos` of register `reg`, and its truth.
    fn record(&self, reg: usize, pos: u64) -> (String, RecordRow, TruthRow) {
        let seed = self.cfg.seed;
        let layout = &self.layout;
        let (p, copy) = layout.registers[reg].at(pos);
        let person = person::person(seed, p);
        // In register B a person already in A is a further record of them.
        let seen_before = reg == 1 && layout.registers[0].count(p) > 0;
        let first = copy == 0 && !seen_before;
        let role = match (first, person.kind) {
            (false, _) => "duplicate",
            (true, Kind::Ordinary) => "original",
            (true, Kind::Twin) => "twin",
            (true, Kind::Namesake) => "namesake",
        };
        let mut rng = stream_rng(seed, domain::RECORD + reg as u64, p * 8 + u64::from(copy));
        let rank = layout.ranks[p as usize];
        let borrowed = if layout.people > 1 && rng.random_bool(self.cfg.borrowed_id_share) {
            let mut other = rng.random_range(0..layout.people - 1);
            if other >= p {
                other += 1;
            }
            let c = person::core(seed, other);
            Some(person::citizen_id(seed, &c, layout.ranks[other as usize]))
        } else {
            None
        };
        let ids = Ids {
            citizen_id: person::citizen_id(seed, &person.core, rank),
            cmnd: person
                .has_cmnd
                .then(|| person::cmnd(seed, &person.core, rank)),
            borrowed,
        };
        let (row, corruptions) = make_record(&person, &ids, !first, &mut rng);
        let prefix = match (self.cfg.registers, reg) {
            (1, _) => 'R',
            (_, 0) => 'A',
            _ => 'B',
        };
        let record_id = format!("{prefix}{pos:010}");
        let truth = TruthRow {
            record_id: record_id.clone(),
            person_id: person_id(p),
            role,
            related_person_id: (person.kind != Kind::Ordinary).then(|| person_id(p - 1)),
            corruptions,
            source: (self.cfg.registers == 2).then_some(if reg == 0 { "a" } else { "b" }),
        };
        (record_id, row, truth)
    }
}

/// Generates the synthetic population described by `cfg` into `cfg.out`.
/// `progress` is called after each row group with the records written so far.
///
/// Errors: [`Error::Usage`] for bad settings or an unwritable directory; no
/// partial file is left behind on any error.
pub fn generate(cfg: &GenerateConfig, progress: &dyn Fn(u64)) -> Result<GenerateSummary> {
    cfg.validate()?;
    crate::output::prepare_dir(&cfg.out)?;
    let layout = Layout::build(
        cfg.seed,
        cfg.records,
        cfg.registers,
        cfg.overlap,
        cfg.duplicate_share,
    )?;
    let ext = cfg.format.extension();
    let names: &[&str] = if cfg.registers == 2 {
        &["a", "b"]
    } else {
        &["records"]
    };
    let mut record_writers = names
        .iter()
        .map(|n| {
            TableWriter::records(
                cfg.out.join(format!("{n}.{ext}")),
                cfg.format,
                cfg.row_group_size,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let mut truth = TableWriter::truth(
        cfg.out.join(format!("truth.{ext}")),
        cfg.format,
        cfg.row_group_size,
        cfg.registers == 2,
    )?;

    let mut summary = GenerateSummary {
        seed: cfg.seed,
        registers: cfg.registers,
        ..GenerateSummary::default()
    };
    let regs = &layout.registers;
    summary.people = (0..layout.people)
        .into_par_iter()
        .filter(|&p| regs.iter().any(|r| r.count(p) > 0))
        .count() as u64;
    if cfg.registers == 2 {
        summary.people_in_both = (0..layout.people)
            .into_par_iter()
            .filter(|&p| regs[0].count(p) > 0 && regs[1].count(p) > 0)
            .count() as u64;
    }
    let run = Run { cfg, layout };
    let mut counts: BTreeMap<Corruption, u64> = BTreeMap::new();
    for (reg, w) in record_writers.iter_mut().enumerate() {
        let total = run.layout.registers[reg].total;
        let mut start = 0u64;
        while start < total {
            let len = (total - start).min(cfg.row_group_size as u64) as usize;
            let rows: Vec<(String, RecordRow, TruthRow)> = (0..len)
                .into_par_iter()
                .with_min_len(512)
                .map(|k| run.record(reg, start + k as u64))
                .collect();
            let mut ids = Vec::with_capacity(len);
            let mut records = Vec::with_capacity(len);
            let mut truths = Vec::with_capacity(len);
            for (id, r, t) in rows {
                match t.role {
                    "duplicate" => summary.duplicates += 1,
                    "twin" => summary.twins += 1,
                    "namesake" => summary.namesakes += 1,
                    _ => {}
                }
                for c in &t.corruptions {
                    *counts.entry(*c).or_default() += 1;
                }
                ids.push(id);
                records.push(r);
                truths.push(t);
            }
            w.write_records(&ids, &records)?;
            truth.write_truth(&truths)?;
            start += len as u64;
            summary.records += len as u64;
            progress(summary.records);
        }
    }
    summary.borrowed_ids = counts.get(&Corruption::IdBorrowed).copied().unwrap_or(0);
    summary.corruption_counts = counts
        .into_iter()
        .map(|(c, n)| (c.as_str().to_owned(), n))
        .collect();
    for w in record_writers {
        summary.files.push(w.path().to_path_buf());
        w.finish()?;
    }
    summary.files.push(truth.path().to_path_buf());
    truth.finish()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_rejects_bad_settings() {
        let ok = GenerateConfig::new(10, "x");
        assert!(ok.validate().is_ok());
        for bad in [
            GenerateConfig::new(0, "x"),
            ok.clone().registers(3, 0.5),
            ok.clone().registers(2, 1.5),
            ok.clone().registers(2, f64::NAN),
            ok.clone().duplicate_share(-0.1),
            ok.clone().row_group_size(0),
        ] {
            let e = bad.validate().unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
        }
    }

    #[test]
    fn format_parses() {
        assert_eq!("csv".parse::<OutputFormat>().unwrap(), OutputFormat::Csv);
        assert!("xlsx".parse::<OutputFormat>().is_err());
    }
}
