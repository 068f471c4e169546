//! Run configuration: TOML → [`Config`] → [`Config::validate`] → checked
//! settings. Unknown keys and impossible values are errors that name the key.
//!
//! `dinhdanh init-config` prints [`DEFAULT_CONFIG`], a commented file whose
//! values equal the built-in defaults (a test checks that they agree).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod rules;
pub use rules::{parse_rule, KeyPart, Rule};

/// Dedupe one register, or link two (pairs only across registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Dedupe,
    Link,
}

/// The commented default configuration printed by `dinhdanh init-config`.
pub const DEFAULT_CONFIG: &str = include_str!("../../datasets/default-config.toml");

/// Which input column plays which role. Every role is optional except
/// `record_id`; a role whose column is absent from the input is an error,
/// unless it was left at its default and the input simply lacks it (then the
/// comparison is skipped with a warning).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    pub record_id: String,
    pub full_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    pub citizen_id: Option<String>,
    pub province: Option<String>,
    pub address: Option<String>,
}

impl Columns {
    /// TOML has no null: an empty string unsets a role (`address = ""`).
    fn unset_empty(&mut self) {
        for role in [
            &mut self.full_name,
            &mut self.family_name,
            &mut self.middle_name,
            &mut self.given_name,
            &mut self.date_of_birth,
            &mut self.sex,
            &mut self.citizen_id,
            &mut self.province,
            &mut self.address,
        ] {
            if role.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *role = None;
            }
        }
    }

    /// (role, column) for every role that is set, in a fixed order.
    pub fn roles(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("record_id", self.record_id.as_str())];
        let optional = [
            ("full_name", &self.full_name),
            ("family_name", &self.family_name),
            ("middle_name", &self.middle_name),
            ("given_name", &self.given_name),
            ("date_of_birth", &self.date_of_birth),
            ("sex", &self.sex),
            ("citizen_id", &self.citizen_id),
            ("province", &self.province),
            ("address", &self.address),
        ];
        for (role, col) in optional {
            if let Some(c) = col {
                out.push((role, c.as_str()));
            }
        }
        out
    }
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            record_id: "record_id".into(),
            full_name: Some("full_name".into()),
            family_name: None,
            middle_name: None,
            given_name: None,
            date_of_birth: Some("date_of_birth".into()),
            sex: Some("sex".into()),
            citizen_id: Some("citizen_id".into()),
            province: Some("province".into()),
            address: Some("address".into()),
        }
    }
}

/// How an extra (non-Vietnamese-preset) column is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtraKind {
    Exact,
    JaroWinkler,
    Levenshtein,
    Date,
    Numeric,
}

/// A generic extra field: `[[extra]] column = "postcode", kind = "exact"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    pub column: String,
    pub kind: ExtraKind,
    /// Name used in outputs; defaults to the column name.
    #[serde(default)]
    pub name: Option<String>,
    /// Apply term-frequency adjustment to exact agreement.
    #[serde(default)]
    pub term_frequency: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Blocking {
    /// Each rule is a `+`-joined list of key names; see [`KeyPart`].
    pub rules: Vec<String>,
    /// Blocks larger than this are skipped (with a warning) and counted.
    pub max_block_size: usize,
}

impl Default for Blocking {
    fn default() -> Blocking {
        Blocking {
            rules: vec![
                "citizen_id".into(),
                "id_last6+birth_year".into(),
                "dob+phonetic_given+province".into(),
                "dob+given+family".into(),
                "dob+family+address".into(),
                "phonetic_name+birth_year+province".into(),
                "given+family+birth_year+address".into(),
                "phonetic_name+month_day+province".into(),
                "id_last6+given".into(),
            ],
            max_block_size: 2000,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelSettings {
    /// Match probability at or above which a pair links two records.
    pub threshold: f64,
    /// Random record pairs drawn to estimate u.
    pub u_sample_pairs: u64,
    /// Blocked pairs used for EM (a deterministic sample when there are more).
    pub em_sample_pairs: u64,
    pub em_max_iterations: u32,
    pub em_tolerance: f64,
    /// Term-frequency adjustment of name agreement.
    pub term_frequency: bool,
    pub seed: u64,
}

impl Default for ModelSettings {
    fn default() -> ModelSettings {
        ModelSettings {
            threshold: 0.9,
            u_sample_pairs: 2_000_000,
            em_sample_pairs: 5_000_000,
            em_max_iterations: 50,
            em_tolerance: 1e-6,
            term_frequency: true,
            seed: 42,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSettings {
    /// Pairs at or above this match probability are written to pairs.parquet.
    pub min_pair_probability: f64,
}

impl Default for OutputSettings {
    fn default() -> OutputSettings {
        OutputSettings {
            min_pair_probability: 0.01,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RunSettings {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// The whole configuration file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub columns: Columns,
    pub extra: Vec<Extra>,
    pub blocking: Blocking,
    pub model: ModelSettings,
    pub output: OutputSettings,
    pub run: RunSettings,
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn from_path(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::usage(format!(
                "cannot read config {}: {e}; `dinhdanh init-config > dinhdanh.toml` writes a default one",
                path.display()
            ))
        })?;
        Config::from_toml(&text).map_err(|e| match e {
            Error::Usage(m) => Error::usage(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::usage(e.to_string()))?;
        config.columns.unset_empty();
        config.validate()?;
        Ok(config)
    }

    /// Checks values that the types alone cannot.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, why: &str| Err(Error::usage(format!("config key {key}: {why}")));
        let m = &self.model;
        if !(m.threshold > 0.0 && m.threshold < 1.0) {
            return bad(
                "model.threshold",
                "must be a probability strictly between 0 and 1",
            );
        }
        if m.u_sample_pairs < 1000 {
            return bad("model.u_sample_pairs", "must be at least 1000");
        }
        if m.em_sample_pairs < 1000 {
            return bad("model.em_sample_pairs", "must be at least 1000");
        }
        if m.em_max_iterations == 0 {
            return bad("model.em_max_iterations", "must be at least 1");
        }
        if m.em_tolerance.is_nan() || m.em_tolerance <= 0.0 {
            return bad("model.em_tolerance", "must be positive");
        }
        let p = self.output.min_pair_probability;
        if !(0.0..=1.0).contains(&p) {
            return bad("output.min_pair_probability", "must be between 0 and 1");
        }
        if self.blocking.rules.is_empty() {
            return bad("blocking.rules", "needs at least one rule");
        }
        if self.blocking.max_block_size < 2 {
            return bad("blocking.max_block_size", "must be at least 2");
        }
        let c = &self.columns;
        if c.record_id.trim().is_empty() {
            return bad("columns.record_id", "must name a column");
        }
        let split = [&c.family_name, &c.middle_name, &c.given_name];
        if c.full_name.is_some() && (c.family_name.is_some() || c.given_name.is_some()) {
            return bad(
                "columns.full_name",
                "set either full_name or family_name/middle_name/given_name, not both",
            );
        }
        if split.iter().any(|s| s.is_some()) && (c.family_name.is_none() || c.given_name.is_none())
        {
            return bad(
                "columns.family_name",
                "split names need both family_name and given_name",
            );
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, e) in self.extra.iter().enumerate() {
            let name = e.name.as_deref().unwrap_or(&e.column);
            if e.column.trim().is_empty() {
                return bad(&format!("extra[{i}].column"), "must name a column");
            }
            if !names.insert(name.to_owned()) {
                return bad(
                    &format!("extra[{i}].name"),
                    "two extra fields share this name",
                );
            }
        }
        for (i, rule) in self.blocking.rules.iter().enumerate() {
            parse_rule(rule, self).map_err(|why| {
                Error::usage(format!("config key blocking.rules[{i}] ('{rule}'): {why}"))
            })?;
        }
        Ok(())
    }

    /// The default configuration as TOML (for `init-config --plain` and tests).
    /// Unset roles are written as `""` (TOML has no null), so that reading
    /// the text back gives this configuration, not the defaults.
    pub fn to_toml(&self) -> String {
        let mut c = self.clone();
        let cols = &mut c.columns;
        for role in [
            &mut cols.full_name,
            &mut cols.family_name,
            &mut cols.middle_name,
            &mut cols.given_name,
            &mut cols.date_of_birth,
            &mut cols.sex,
            &mut cols.citizen_id,
            &mut cols.province,
            &mut cols.address,
        ] {
            role.get_or_insert_with(String::new);
        }
        toml::to_string_pretty(&c).expect("Config always serializes")
    }
}

impl Config {
    /// The blocking rules, parsed (`validate()` already checked them).
    pub fn blocking_rules(&self) -> Result<Vec<Rule>> {
        self.blocking
            .rules
            .iter()
            .map(|r| parse_rule(r, self).map_err(Error::usage))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_default_equals_builtin_default() {
        let parsed = Config::from_toml(DEFAULT_CONFIG).expect("default config is valid");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn to_toml_round_trips_unset_roles() {
        let mut c = Config::default();
        c.columns.full_name = None;
        c.columns.family_name = Some("surname".into());
        c.columns.given_name = Some("first_name".into());
        c.columns.address = None;
        let back = Config::from_toml(&c.to_toml()).expect("written config parses");
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml("[model]\nthreshhold = 0.5\n").unwrap_err();
        assert!(err.to_string().contains("threshhold"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn impossible_threshold_is_named() {
        let err = Config::from_toml("[model]\nthreshold = 1.5\n").unwrap_err();
        assert!(err.to_string().contains("model.threshold"), "{err}");
    }

    #[test]
    fn bad_blocking_rule_is_named() {
        let err = Config::from_toml("[blocking]\nrules = [\"dob+shoe_size\"]\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("blocking.rules[0]") && msg.contains("shoe_size"),
            "{msg}"
        );
    }

    #[test]
    fn split_names_need_full_name_unset() {
        let text = r#"
[columns]
record_id = "id"
family_name = "surname"
given_name = "first_name"
"#;
        let msg = Config::from_toml(text).unwrap_err().to_string();
        assert!(msg.contains("columns.full_name"), "{msg}");
        let text = text.replace("[columns]\n", "[columns]\nfull_name = \"\"\n");
        let c = Config::from_toml(&text).expect("split names with full_name unset");
        assert_eq!(c.columns.full_name, None);
        assert_eq!(c.columns.given_name.as_deref(), Some("first_name"));
    }

    #[test]
    fn extra_field_parses_and_unknown_kind_is_an_error() {
        let ok = "[[extra]]\ncolumn = \"postcode\"\nkind = \"exact\"\n";
        let c = Config::from_toml(ok).expect("valid extra field");
        assert_eq!(c.extra[0].kind, ExtraKind::Exact);
        let bad = ok.replace("exact", "fuzzy");
        let msg = Config::from_toml(&bad).unwrap_err().to_string();
        assert!(msg.contains("fuzzy"), "{msg}");
    }
}
