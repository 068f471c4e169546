//! Blocking: rules → candidate pairs, each pair emitted once.
//!
//! A rule is a conjunction of key parts (`given+birth_year`). For each rule
//! every record gets one 63-bit key (a hash of its parts' integer codes; none
//! when a part is missing); records are sorted by key and every pair inside a
//! group is a candidate. A pair found by rule k is skipped when the two
//! records also share the key of an earlier rule j < k — that rule already
//! emitted it — so the union over rules is produced without a global set of
//! pairs. Cost per rule: O(n log n) for the sort plus O(Σ |group|²) pairs.
//! Groups larger than `max_block_size` are skipped and counted.

use crate::config::Config;

/// One component of a blocking key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyPart {
    CitizenId,
    IdLast6,
    Dob,
    BirthYear,
    YearMonth,
    Given,
    Family,
    FullName,
    PhoneticName,
    PhoneticGiven,
    Province,
    Sex,
    /// Index into `Config::extra`.
    Extra(usize),
}

impl KeyPart {
    pub fn name(self, config: &Config) -> String {
        match self {
            KeyPart::CitizenId => "citizen_id".into(),
            KeyPart::IdLast6 => "id_last6".into(),
            KeyPart::Dob => "dob".into(),
            KeyPart::BirthYear => "birth_year".into(),
            KeyPart::YearMonth => "year_month".into(),
            KeyPart::Given => "given".into(),
            KeyPart::Family => "family".into(),
            KeyPart::FullName => "full_name".into(),
            KeyPart::PhoneticName => "phonetic_name".into(),
            KeyPart::PhoneticGiven => "phonetic_given".into(),
            KeyPart::Province => "province".into(),
            KeyPart::Sex => "sex".into(),
            KeyPart::Extra(i) => {
                let e = &config.extra[i];
                format!("extra:{}", e.name.as_deref().unwrap_or(&e.column))
            }
        }
    }
}

/// A parsed blocking rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule as written in the config, used in outputs.
    pub name: String,
    pub parts: Vec<KeyPart>,
}

/// Parses `given+birth_year`; the error says what is wrong and what is allowed.
pub fn parse_rule(text: &str, config: &Config) -> Result<Rule, String> {
    let mut parts = Vec::new();
    for raw in text.split('+') {
        let p = raw.trim();
        let part = match p {
            "citizen_id" => KeyPart::CitizenId,
            "id_last6" => KeyPart::IdLast6,
            "dob" => KeyPart::Dob,
            "birth_year" => KeyPart::BirthYear,
            "year_month" => KeyPart::YearMonth,
            "given" => KeyPart::Given,
            "family" => KeyPart::Family,
            "full_name" => KeyPart::FullName,
            "phonetic_name" => KeyPart::PhoneticName,
            "phonetic_given" => KeyPart::PhoneticGiven,
            "province" => KeyPart::Province,
            "sex" => KeyPart::Sex,
            _ => {
                if let Some(name) = p.strip_prefix("extra:") {
                    let i = config
                        .extra
                        .iter()
                        .position(|e| e.name.as_deref().unwrap_or(&e.column) == name)
                        .ok_or_else(|| format!("no [[extra]] field named '{name}'"))?;
                    KeyPart::Extra(i)
                } else {
                    return Err(format!(
                        "unknown key '{p}'; known keys: citizen_id, id_last6, dob, birth_year, \
                         year_month, given, family, full_name, phonetic_name, phonetic_given, \
                         province, sex, extra:NAME"
                    ));
                }
            }
        };
        if parts.contains(&part) {
            return Err(format!("key '{p}' appears twice"));
        }
        parts.push(part);
    }
    Ok(Rule {
        name: text.trim().to_owned(),
        parts,
    })
}
