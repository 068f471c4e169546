//! The generator's view of the shared reference tables.
//!
//! Names come from `crate::normalize::datasets`, provinces from
//! `crate::normalize::province`; this module only regroups them the way the
//! generator draws (per sex, with the 2025 unit name resolved) and caches
//! that once. Streets and communes have no shared table yet, so their short
//! lists live here.

use std::sync::OnceLock;

use crate::normalize::datasets::{self, NameSex};
use crate::normalize::province;

/// A family name and its share of the population.
pub(crate) fn family_names() -> impl ExactSizeIterator<Item = (&'static str, f64)> {
    datasets::family_names().iter().map(|f| (f.name, f.share))
}

/// Middle names usable for one sex (its own plus the unisex ones), with
/// relative weights; Văn/Thị dominate.
pub(crate) fn middle_names(male: bool) -> &'static [(&'static str, f64)] {
    let n = names();
    if male {
        &n.middle_male
    } else {
        &n.middle_female
    }
}

/// Given names used for one sex, with relative weights. Unisex names are
/// listed once per sex in the shared table, so they appear in both lists.
pub(crate) fn given_names(male: bool) -> &'static [(&'static str, f64)] {
    let n = names();
    if male {
        &n.given_male
    } else {
        &n.given_female
    }
}

/// Regional forms of one name (DOMAIN.md §1), usable in both directions.
pub(crate) fn regional_variants() -> impl Iterator<Item = (&'static str, &'static str)> {
    datasets::regional_variants().iter().map(|p| (p.a, p.b))
}

struct Names {
    middle_male: Vec<(&'static str, f64)>,
    middle_female: Vec<(&'static str, f64)>,
    given_male: Vec<(&'static str, f64)>,
    given_female: Vec<(&'static str, f64)>,
}

fn for_sex(rows: &'static [datasets::WeightedName], male: bool) -> Vec<(&'static str, f64)> {
    let own = if male { NameSex::Male } else { NameSex::Female };
    rows.iter()
        .filter(|r| r.sex == own || r.sex == NameSex::Unisex)
        .map(|r| (r.name, r.weight))
        .collect()
}

fn names() -> &'static Names {
    static N: OnceLock<Names> = OnceLock::new();
    N.get_or_init(|| Names {
        middle_male: for_sex(datasets::middle_names(), true),
        middle_female: for_sex(datasets::middle_names(), false),
        given_male: for_sex(datasets::given_names(), true),
        given_female: for_sex(datasets::given_names(), false),
    })
}

/// One of the 63 provinces (2016 codes), in code order.
pub(crate) struct ProvinceRow {
    pub code: u16,
    pub name: &'static str,
    /// Persons at the 2019 census.
    pub population: u32,
    /// Prefixes of the 9-digit CMND issued there (usually one, 2 or 3
    /// digits).
    pub cmnd_prefixes: Vec<&'static str>,
    /// Name of the 2025 unit the province belongs to.
    pub unit_2025: &'static str,
    /// Other spellings seen in registers (besides `name` and `unit_2025`).
    pub aliases: &'static [&'static str],
}

pub(crate) fn provinces() -> &'static [ProvinceRow] {
    static P: OnceLock<Vec<ProvinceRow>> = OnceLock::new();
    P.get_or_init(|| {
        province::provinces()
            .iter()
            .map(|p| ProvinceRow {
                code: p.code,
                name: p.name,
                population: p.population,
                cmnd_prefixes: p.cmnd_prefix.split('|').filter(|s| !s.is_empty()).collect(),
                // Every unit id in the province table names a unit (tested in
                // `normalize::province`); the old name is the fallback anyway.
                unit_2025: province::unit(p.unit_2025).map_or(p.name, |u| u.name),
                aliases: &p.aliases,
            })
            .collect()
    })
}

pub(crate) fn streets() -> &'static [&'static str] {
    STREETS
}

pub(crate) fn places() -> &'static [&'static str] {
    PLACES
}

#[rustfmt::skip]
static STREETS: &[&str] = &[
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
    "Nguyễn Huệ", "Hùng Vương", "Lê Duẩn", "Điện Biên Phủ", "Phan Chu Trinh", "Hoàng Văn Thụ",
    "Bạch Đằng", "Trường Chinh", "Nguyễn Du", "Lê Thánh Tông", "Phan Đình Phùng", "Ngô Quyền",
    "Đinh Tiên Hoàng", "Võ Thị Sáu", "Lạc Long Quân", "Âu Cơ", "Nguyễn Văn Cừ", "Tô Hiến Thành",
];

#[rustfmt::skip]
static PLACES: &[&str] = &[
    "Tân Hòa", "Yên Sơn", "Phú Mỹ", "An Bình", "Đông Hưng", "Hòa Lợi", "Tân Phú", "Vĩnh Lộc",
    "Thạch Bàn", "Long Hưng", "Bình Thạnh", "Quảng Phú", "Tiên Lữ", "Đồng Tâm", "Minh Khai",
    "Hưng Đạo", "Cát Linh", "Bến Nghé", "Thuận An", "Phước Long", "Cẩm Phả", "Trung Hòa",
    "Nghĩa Đô", "Xuân Phương", "Hiệp Thành", "Tân Định", "Thủy Xuân", "Khánh Hậu", "Mỹ Tho",
    "Hòa Khánh", "Phú Lương", "Tây Hồ", "Kim Liên", "Đông Sơn", "Nam Sách", "Gia Lộc",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_names_keep_van_and_thi_to_their_sex() {
        let male: Vec<&str> = middle_names(true).iter().map(|m| m.0).collect();
        let female: Vec<&str> = middle_names(false).iter().map(|m| m.0).collect();
        assert!(male.contains(&"Văn") && !male.contains(&"Thị"));
        assert!(female.contains(&"Thị") && !female.contains(&"Văn"));
    }

    #[test]
    fn given_lists_are_split_by_sex() {
        let male: Vec<&str> = given_names(true).iter().map(|g| g.0).collect();
        let female: Vec<&str> = given_names(false).iter().map(|g| g.0).collect();
        // Hùng is a man's name, Lan a woman's.
        assert!(male.contains(&"Hùng") && !female.contains(&"Hùng"));
        assert!(female.contains(&"Lan") && !male.contains(&"Lan"));
        assert!(given_names(true).iter().all(|g| g.1 > 0.0));
    }

    #[test]
    fn provinces_carry_their_2025_unit_names() {
        let p = provinces();
        assert_eq!(p.len(), 63);
        let by = |code: u16| p.iter().find(|r| r.code == code).expect("code in table");
        // Resolution 202/2025/QH15: Hà Giang joins Tuyên Quang, Bình Dương
        // and Bà Rịa–Vũng Tàu join Hồ Chí Minh City, Thừa Thiên Huế → Huế.
        assert_eq!(by(2).unit_2025, "Tuyên Quang");
        assert!(by(74).unit_2025.contains("Hồ Chí Minh"));
        assert!(by(77).unit_2025.contains("Hồ Chí Minh"));
        assert_eq!(by(46).unit_2025, "Huế");
        assert_eq!(by(1).unit_2025, "Hà Nội");
    }

    #[test]
    fn cmnd_prefixes_are_split() {
        // Gia Lai issued two prefixes (datasets/provinces.tsv).
        let gia_lai = provinces().iter().find(|r| r.code == 64).expect("Gia Lai");
        assert_eq!(gia_lai.cmnd_prefixes, ["230", "231"]);
        assert!(provinces().iter().all(|p| !p.cmnd_prefixes.is_empty()
            && p.cmnd_prefixes.iter().all(|x| (2..=3).contains(&x.len()))));
    }
}
