//! People: every person is a pure function of (seed, person index).
//!
//! Twins and namesakes are made at odd indices from the person just before
//! them (always an ordinary person), so no lookup ever chains.

use std::sync::OnceLock;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::rng::{domain, hash3, stream_rng, unit, Permutation, Weighted};
use super::tables;

pub(crate) const FIRST_YEAR: u16 = 1930;
pub(crate) const LAST_YEAR: u16 = 2024;
const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// Share of odd-indexed people made as a twin / a namesake of their
/// predecessor: about 1 % of people each, so ~2 % of people are in a marked
/// twin pair (twin births are ~1 % of births).
const TWIN_AT_ODD: f64 = 0.02;
const NAMESAKE_AT_ODD: f64 = 0.02;
/// Share of people whose date of birth is the re-registered form of an
/// impossible date (30/02 → 01/03).
const REREGISTERED: f64 = 0.015;
const MOVED: f64 = 0.25;
const CMND_BEFORE_1990: f64 = 0.6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ordinary,
    Twin,
    Namesake,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    Upper,
    Title,
    Lower,
}

/// The fields that fix a person's ID prefix, cheap to compute for the
/// serial-numbering pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Core {
    pub male: bool,
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// The impossible date this person's date of birth was re-registered
    /// from, as (day, month).
    pub impossible: Option<(u8, u8)>,
    pub birth_prov: u8,
}

impl Core {
    /// Index of the (province, sex, year) group that shares an ID prefix.
    pub(crate) fn prefix_key(&self) -> u16 {
        let sex = u16::from(!self.male);
        (u16::from(self.birth_prov) * 2 + sex) * YEARS as u16 + (self.year - FIRST_YEAR)
    }
}

pub(crate) const PREFIX_KEYS: usize = 63 * 2 * YEARS;

#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub kind: Kind,
    pub core: Core,
    pub family: &'static str,
    pub middle: Vec<&'static str>,
    pub given: &'static str,
    pub cur_prov: u8,
    pub moved: bool,
    /// The province written with its 2025 unit name rather than its own.
    pub prov_as_2025: bool,
    pub address: String,
    pub case: Case,
    pub has_cmnd: bool,
}

pub(crate) struct Tables {
    family: Vec<&'static str>,
    family_w: Weighted,
    middle_m: Weighted,
    middle_f: Weighted,
    /// Middle names that may follow another one: all but Văn and Thị.
    second_m: Vec<&'static str>,
    second_f: Vec<&'static str>,
    given_m: Weighted,
    given_f: Weighted,
    provinces: Weighted,
    years: Weighted,
    /// Position of each province among those sharing its CMND prefixes, and
    /// how many share them.
    cmnd_slot: Vec<(u8, u8)>,
}

pub(crate) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let provs = tables::provinces();
        let cmnd_slot = provs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let same = |q: &&tables::ProvinceRow| q.cmnd_prefixes == p.cmnd_prefixes;
                let slot = provs[..i].iter().filter(same).count() as u8;
                let share = provs.iter().filter(same).count() as u8;
                (slot, share)
            })
            .collect();
        let second = |male: bool| {
            tables::middle_names(male)
                .iter()
                .map(|m| m.0)
                .filter(|m| *m != "Văn" && *m != "Thị")
                .collect()
        };
        let weights = |list: &[(&str, f64)]| Weighted::new(list.iter().map(|n| n.1));
        Tables {
            family: tables::family_names().map(|f| f.0).collect(),
            family_w: Weighted::new(tables::family_names().map(|f| f.1)),
            middle_m: weights(tables::middle_names(true)),
            middle_f: weights(tables::middle_names(false)),
            second_m: second(true),
            second_f: second(false),
            given_m: weights(tables::given_names(true)),
            given_f: weights(tables::given_names(false)),
            provinces: Weighted::new(provs.iter().map(|p| f64::from(p.population))),
            years: Weighted::new((FIRST_YEAR..=LAST_YEAR).map(year_weight)),
            cmnd_slot,
        }
    })
}

/// Relative number of people born in `year`, alive in 2025: a 5-year-band
/// age pyramid shaped like the 2019 census (wide 0–50, thinning after 60).
fn year_weight(year: u16) -> f64 {
    let age = 2025 - i32::from(year);
    const BANDS: [f64; 19] = [
        1.45, 1.60, 1.55, 1.35, 1.30, 1.45, 1.60, 1.55, 1.45, 1.35, 1.25, 1.10, 0.95, 0.75, 0.50,
        0.33, 0.22, 0.12, 0.05,
    ];
    BANDS[((age - 1).max(0) as usize / 5).min(BANDS.len() - 1)]
}

pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(crate) fn kind(seed: u64, index: u64) -> Kind {
    if index % 2 == 0 {
        return Kind::Ordinary;
    }
    let u = unit(hash3(seed, domain::KIND, index));
    if u < TWIN_AT_ODD {
        Kind::Twin
    } else if u < TWIN_AT_ODD + NAMESAKE_AT_ODD {
        Kind::Namesake
    } else {
        Kind::Ordinary
    }
}

/// The first draws of every person's stream: sex, birth date, province.
fn draw_core(rng: &mut ChaCha8Rng) -> Core {
    let t = tables();
    let male = rng.random_bool(0.5);
    let year = FIRST_YEAR + t.years.pick(rng.random::<f64>()) as u16;
    let month = rng.random_range(1..=12u8);
    let day = rng.random_range(1..=days_in_month(i32::from(year), month));
    let rereg = rng.random_bool(REREGISTERED);
    let birth_prov = t.provinces.pick(rng.random::<f64>()) as u8;
    let which: u8 = rng.random_range(0..5);
    let mut core = Core {
        male,
        year,
        month,
        day,
        impossible: None,
        birth_prov,
    };
    if rereg {
        // Dates that old papers wrote impossibly and registries later moved
        // to the next valid day (DOMAIN.md §4).
        let (m, impossible) = match which {
            0 => (
                3,
                if is_leap(i32::from(year)) {
                    (30, 2)
                } else {
                    (29, 2)
                },
            ),
            1 => (3, (30, 2)),
            2 => (5, (31, 4)),
            3 => (7, (31, 6)),
            _ => (10, (31, 9)),
        };
        core.month = m;
        core.day = 1;
        core.impossible = Some(impossible);
    }
    core
}

fn ordinary_core(seed: u64, index: u64) -> Core {
    draw_core(&mut stream_rng(seed, domain::PERSON, index))
}

/// The person's core, following the twin/namesake rules.
pub(crate) fn core(seed: u64, index: u64) -> Core {
    match kind(seed, index) {
        Kind::Ordinary => ordinary_core(seed, index),
        Kind::Twin => {
            let base = ordinary_core(seed, index - 1);
            let own = ordinary_core(seed, index);
            Core {
                male: own.male,
                ..base
            }
        }
        Kind::Namesake => {
            let base = ordinary_core(seed, index - 1);
            let own = ordinary_core(seed, index);
            let day = own.day.min(days_in_month(i32::from(base.year), own.month));
            Core {
                male: base.male,
                year: base.year,
                day,
                impossible: None,
                ..own
            }
        }
    }
}

fn pick_given(rng: &mut ChaCha8Rng, male: bool) -> &'static str {
    let t = tables();
    let w = if male { &t.given_m } else { &t.given_f };
    tables::given_names(male)[w.pick(rng.random::<f64>())].0
}

fn pick_middle(rng: &mut ChaCha8Rng, male: bool) -> Vec<&'static str> {
    let t = tables();
    let (w, seconds) = if male {
        (&t.middle_m, &t.second_m)
    } else {
        (&t.middle_f, &t.second_f)
    };
    let names = tables::middle_names(male);
    let u: f64 = rng.random();
    if u < 0.05 {
        return Vec::new();
    }
    let first = names[w.pick(rng.random::<f64>())].0;
    if u < 0.13 {
        // Two middle names ("Thị Minh"): the second never Văn/Thị again.
        let second = seconds[rng.random_range(0..seconds.len())];
        if second != first {
            return vec![first, second];
        }
    }
    vec![first]
}

pub(crate) fn draw_address(rng: &mut ChaCha8Rng) -> String {
    let places = tables::places();
    let place = |rng: &mut ChaCha8Rng| places[rng.random_range(0..places.len())];
    if rng.random_bool(0.5) {
        let streets = tables::streets();
        let street = streets[rng.random_range(0..streets.len())];
        let n: u16 = rng.random_range(1..=300);
        format!("Số {n} {street}, Phường {}", place(rng))
    } else {
        let hamlet = match rng.random_range(0..4u8) {
            0 => format!("Thôn {}", rng.random_range(1..=15u8)),
            1 => format!("Xóm {}", place(rng)),
            2 => format!("Ấp {}", place(rng)),
            _ => format!("Tổ {}", rng.random_range(1..=30u8)),
        };
        format!("{hamlet}, Xã {}", place(rng))
    }
}

/// A province other than `not`, weighted by population.
pub(crate) fn other_province(rng: &mut ChaCha8Rng, not: u8) -> u8 {
    let t = tables();
    loop {
        let p = t.provinces.pick(rng.random::<f64>()) as u8;
        if p != not {
            return p;
        }
    }
}

fn ordinary(seed: u64, index: u64) -> Person {
    let t = tables();
    let mut rng = stream_rng(seed, domain::PERSON, index);
    let core = draw_core(&mut rng);
    let family = t.family[t.family_w.pick(rng.random::<f64>())];
    let middle = pick_middle(&mut rng, core.male);
    let given = pick_given(&mut rng, core.male);
    let moved = rng.random_bool(MOVED);
    let cur_prov = if moved {
        other_province(&mut rng, core.birth_prov)
    } else {
        core.birth_prov
    };
    let prov_as_2025 = rng.random_bool(0.2);
    let address = draw_address(&mut rng);
    let case = if rng.random_bool(0.55) {
        Case::Upper
    } else {
        Case::Title
    };
    let has_cmnd = core.year < 1990 && rng.random_bool(CMND_BEFORE_1990);
    Person {
        kind: Kind::Ordinary,
        core,
        family,
        middle,
        given,
        cur_prov,
        moved,
        prov_as_2025,
        address,
        case,
        has_cmnd,
    }
}

/// The whole person at `index`.
pub(crate) fn person(seed: u64, index: u64) -> Person {
    let kind = kind(seed, index);
    let own = ordinary(seed, index);
    match kind {
        Kind::Ordinary => own,
        Kind::Twin => {
            let base = ordinary(seed, index - 1);
            let male = own.core.male;
            let middle = if male == base.core.male {
                base.middle.clone()
            } else {
                own.middle
            };
            let mut given = own.given;
            if given == base.given {
                let names = tables::given_names(male);
                let at = names.iter().position(|g| g.0 == given).unwrap_or(0);
                given = names[(at + 1) % names.len()].0;
            }
            Person {
                kind,
                core: core(seed, index),
                middle,
                given,
                case: own.case,
                has_cmnd: base.core.year < 1990 && own.has_cmnd,
                ..base
            }
        }
        Kind::Namesake => {
            let base = ordinary(seed, index - 1);
            let c = core(seed, index);
            Person {
                kind,
                core: c,
                family: base.family,
                middle: base.middle,
                given: base.given,
                has_cmnd: c.year < 1990 && own.has_cmnd,
                ..own
            }
        }
    }
}

/// The 12-digit personal ID: PPP G YY RRRRRR (DOMAIN.md §3). The serial is a
/// keyed permutation of the person's rank within its prefix group, so two
/// people never share a number by accident.
pub(crate) fn citizen_id(seed: u64, core: &Core, rank: u32) -> String {
    let prov = &tables::provinces()[usize::from(core.birth_prov)];
    let century = if core.year >= 2000 { 2 } else { 0 };
    let g = century + u16::from(!core.male);
    let perm = Permutation::new(
        1_000_000,
        seed,
        domain::SERIAL,
        u64::from(core.prefix_key()),
    );
    let serial = perm.apply(u64::from(rank));
    format!("{:03}{}{:02}{:06}", prov.code, g, core.year % 100, serial)
}

/// The 9-digit CMND: one of the issuing province's prefixes (2 or 3 digits)
/// and the remaining digits. Distinct within a province while fewer than
/// ~8 k people (3-digit prefix) or ~27 k (2-digit prefix shared by up to
/// three provinces) share (province, sex, birth year); beyond that (far past
/// 10 M records) rare collisions appear, as they do in the real series. A
/// 2-digit prefix that begins another province's 3-digit one (09 and 095)
/// can also collide.
pub(crate) fn cmnd(seed: u64, core: &Core, rank: u32) -> String {
    let t = tables();
    let prov = &tables::provinces()[usize::from(core.birth_prov)];
    let (slot, share) = t.cmnd_slot[usize::from(core.birth_prov)];
    let within =
        (u64::from(rank) * 120 + u64::from(core.year - FIRST_YEAR) * 2 + u64::from(!core.male))
            * u64::from(share.max(1))
            + u64::from(slot);
    // Provinces with several prefixes (Gia Lai: 230|231) spread over all:
    // one permutation covers every (prefix, serial) pair, so it stays
    // one-to-one. Prefixes of one province have one length.
    let prefixes = &prov.cmnd_prefixes;
    let n = prefixes.len().max(1) as u64;
    let digits = 9usize.saturating_sub(prefixes.first().map_or(2, |p| p.len()));
    let space = 10u64.pow(digits as u32);
    let perm = Permutation::new(n * space, seed, domain::CMND, u64::from(prov.code));
    let v = perm.apply(within % (n * space));
    let prefix = prefixes.get((v / space) as usize).copied().unwrap_or("");
    let serial = v % space;
    format!("{prefix}{serial:0digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_share_family_dob_address_but_not_given_name() {
        let seed = 11;
        let mut found = 0;
        for i in (1..20_000u64).step_by(2) {
            if kind(seed, i) != Kind::Twin {
                continue;
            }
            found += 1;
            let (t, b) = (person(seed, i), person(seed, i - 1));
            assert_eq!(t.family, b.family);
            assert_eq!(
                (t.core.year, t.core.month, t.core.day),
                (b.core.year, b.core.month, b.core.day)
            );
            assert_eq!(t.address, b.address);
            assert_eq!(t.core.birth_prov, b.core.birth_prov);
            assert_ne!(t.given, b.given);
        }
        assert!(found > 50, "only {found} twins in 10 000 odd indices");
    }

    #[test]
    fn namesakes_share_full_name_and_year() {
        let seed = 12;
        let mut found = 0;
        for i in (1..20_000u64).step_by(2) {
            if kind(seed, i) != Kind::Namesake {
                continue;
            }
            found += 1;
            let (n, b) = (person(seed, i), person(seed, i - 1));
            assert_eq!(
                (n.family, &n.middle, n.given),
                (b.family, &b.middle, b.given)
            );
            assert_eq!(n.core.year, b.core.year);
            assert_eq!(n.core.male, b.core.male);
        }
        assert!(found > 50, "only {found} namesakes");
    }

    #[test]
    fn core_matches_full_person() {
        for i in 0..2_000 {
            assert_eq!(core(5, i), person(5, i).core, "person {i}");
        }
    }

    #[test]
    fn id_digits_agree_with_person() {
        // 1999 male → G 0; 2003 female → G 3 (DOMAIN.md §3).
        let mut c = Core {
            male: true,
            year: 1999,
            month: 1,
            day: 2,
            impossible: None,
            birth_prov: 0,
        };
        let id = citizen_id(1, &c, 0);
        assert_eq!(&id[..6], "001099");
        c.male = false;
        c.year = 2003;
        c.birth_prov = tables::provinces()
            .iter()
            .position(|p| p.code == 79)
            .expect("TP. Hồ Chí Minh is in the table") as u8;
        assert_eq!(&citizen_id(1, &c, 5)[..6], "079303");
    }

    #[test]
    fn cmnds_have_nine_digits_and_the_provinces_prefixes() {
        let index = |code: u16| {
            tables::provinces()
                .iter()
                .position(|p| p.code == code)
                .expect("code in table") as u8
        };
        let mut c = Core {
            male: true,
            year: 1970,
            month: 1,
            day: 2,
            impossible: None,
            birth_prov: index(6),
        };
        // Bắc Kạn: 095; Gia Lai: 230 and 231 (datasets/provinces.md).
        let mut seen = std::collections::BTreeSet::new();
        for rank in 0..50 {
            let n = cmnd(3, &c, rank);
            assert_eq!(n.len(), 9, "{n}");
            assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n}");
            assert!(n.starts_with("095"), "{n}");
            assert!(seen.insert(n));
        }
        c.birth_prov = index(64);
        let gia_lai: Vec<String> = (0..50).map(|r| cmnd(3, &c, r)).collect();
        assert!(gia_lai.iter().all(|n| n.len() == 9));
        assert!(gia_lai.iter().any(|n| n.starts_with("230")));
        assert!(gia_lai.iter().any(|n| n.starts_with("231")));
        c.birth_prov = index(1);
        assert!(cmnd(3, &c, 0).starts_with("01"));
        assert_eq!(cmnd(3, &c, 0).len(), 9);
    }

    #[test]
    fn birth_years_are_not_uniform() {
        let young = (0..20_000).filter(|&i| core(3, i).year >= 1995).count();
        let old = (0..20_000).filter(|&i| core(3, i).year < 1960).count();
        // 30 years of young people outnumber 30 years of the old by far.
        assert!(young > 3 * old, "young {young}, old {old}");
    }
}
