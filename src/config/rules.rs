//! Blocking rules as written in the config: `given+birth_year` → [`Rule`].
//!
//! The grammar is configuration (validated with the rest of the config); the
//! block stage (`crate::block`) turns parsed rules into keys and pairs.

use super::Config;

/// One component of a blocking key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyPart {
    CitizenId,
    IdLast6,
    Dob,
    BirthYear,
    YearMonth,
    /// Day and month of birth without the year: survives a birth year off by one.
    MonthDay,
    Given,
    Family,
    FullName,
    PhoneticName,
    PhoneticGiven,
    Province,
    Sex,
    /// The accent-free address: two records of one person usually share it,
    /// and few people share an address and a date of birth (twins do).
    Address,
    /// Index into `Config::extra`.
    Extra(usize),
}

impl KeyPart {
    /// True for the parts read from the record's name entry.
    pub fn reads_name(self) -> bool {
        matches!(
            self,
            KeyPart::Given
                | KeyPart::Family
                | KeyPart::FullName
                | KeyPart::PhoneticName
                | KeyPart::PhoneticGiven
        )
    }

    pub fn name(self, config: &Config) -> String {
        match self {
            KeyPart::CitizenId => "citizen_id".into(),
            KeyPart::IdLast6 => "id_last6".into(),
            KeyPart::Dob => "dob".into(),
            KeyPart::BirthYear => "birth_year".into(),
            KeyPart::YearMonth => "year_month".into(),
            KeyPart::MonthDay => "month_day".into(),
            KeyPart::Given => "given".into(),
            KeyPart::Family => "family".into(),
            KeyPart::FullName => "full_name".into(),
            KeyPart::PhoneticName => "phonetic_name".into(),
            KeyPart::PhoneticGiven => "phonetic_given".into(),
            KeyPart::Province => "province".into(),
            KeyPart::Sex => "sex".into(),
            KeyPart::Address => "address".into(),
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
            "month_day" => KeyPart::MonthDay,
            "given" => KeyPart::Given,
            "family" => KeyPart::Family,
            "full_name" => KeyPart::FullName,
            "phonetic_name" => KeyPart::PhoneticName,
            "phonetic_given" => KeyPart::PhoneticGiven,
            "province" => KeyPart::Province,
            "sex" => KeyPart::Sex,
            "address" => KeyPart::Address,
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
                         year_month, month_day, given, family, full_name, phonetic_name, phonetic_given, \
                         province, sex, address, extra:NAME"
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
