//! Tests of [`super::repair`] and the encoders, against the published
//! charts, hand-picked cases and the whole-string specifications of
//! [`super::reference`].

use super::reference::{decode_tcvn3, nfc_and_encoding, repair_reference};
use super::*;
use crate::normalize::datasets;
use crate::normalize::letters::{every_letter, BASE_ASCII, B_Y};

/// A syllable that is valid for every base vowel and tone: "l?m"
/// (lám, lằm, lẫm, ...), or "l?" for y, which takes no final.
fn syllable(c: char, base: usize, upper: bool) -> String {
    let (l, m) = if upper { ('L', "M") } else { ('l', "m") };
    if base == B_Y as usize {
        format!("{l}{c}")
    } else {
        format!("{l}{c}{m}")
    }
}

#[test]
fn every_letter_round_trips_through_every_encoder() {
    for (b, _k, upper, c) in every_letter() {
        let one = c.to_string();
        assert_eq!(decode_vni(&encode_vni(&one)), one, "vni {c}");
        // TCVN3 keeps no case for toned letters on their own.
        assert_eq!(
            decode_tcvn3(&encode_tcvn3(&one)).to_lowercase(),
            one.to_lowercase(),
            "tcvn3 {c}"
        );
        let viqr: String = decode_with(viqr_table(), &encode_viqr(&one))
            .iter()
            .map(|o| o.c)
            .collect();
        assert_eq!(viqr, one, "viqr {c}");
        assert_eq!(
            decode_utf8_as_cp1252(&encode_utf8_as_cp1252(&one)).as_deref(),
            (!c.is_ascii()).then_some(one.as_str()),
            "utf8-as-cp1252 {c}"
        );
        assert_eq!(encode_cp1258(&one).nfc().collect::<String>(), one);
        assert_eq!(to_nfd(&one).nfc().collect::<String>(), one);
        let ascii = BASE_ASCII[b].0;
        let expect = if upper {
            ascii.to_ascii_uppercase()
        } else {
            ascii
        };
        assert_eq!(strip_marks(&one), expect.to_string());
    }
}

#[test]
fn every_letter_repairs_in_a_name() {
    for (b, _k, upper, c) in every_letter() {
        let family = if upper {
            "NGUYỄN ĐẶNG"
        } else {
            "nguyễn đặng"
        };
        let name = format!("{family} {}", syllable(c, b, upper));
        assert!(words_clean(&name), "{name} should be valid");
        let clean = repair(&name);
        assert_eq!(
            (clean.text.as_str(), clean.encoding),
            (name.as_str(), Encoding::Unicode)
        );
        type Encoder = fn(&str) -> String;
        let encoders: [(Encoder, Encoding); 4] = [
            (encode_vni, Encoding::Vni),
            (encode_tcvn3, Encoding::Tcvn3),
            (encode_viqr, Encoding::Viqr),
            (encode_utf8_as_cp1252, Encoding::Utf8AsCp1252),
        ];
        for (encode, encoding) in encoders {
            let r = repair(&encode(&name));
            assert_eq!(
                (r.text.as_str(), r.encoding),
                (name.as_str(), encoding),
                "{encoding:?}"
            );
        }
    }
}

#[test]
fn d_stroke_in_every_encoder() {
    assert_eq!(encode_vni("Đđ"), "Ññ");
    assert_eq!(encode_tcvn3("Đđ"), "§®");
    assert_eq!(encode_viqr("Đđ"), "DDdd");
    assert_eq!(encode_utf8_as_cp1252("Đđ"), "Ä\u{90}Ä‘");
    assert_eq!(strip_marks("Đỗ đức"), "Do duc");
    for (input, enc) in [
        ("Ñoã Ñöùc", Encoding::Vni),
        ("§ç §øc", Encoding::Tcvn3),
        ("DDo^~ DDu+'c", Encoding::Viqr),
        ("Ä\u{90}á»— Ä\u{90}á»©c", Encoding::Utf8AsCp1252),
    ] {
        let r = repair(input);
        assert_eq!((r.text.as_str(), r.encoding), ("Đỗ Đức", enc), "{input}");
    }
}

#[test]
fn published_chart_values() {
    // TCVN3 (ABC) bytes read as Latin-1.
    for (tcvn, uni) in [
        ("NguyÔn", "Nguyễn"),
        ("TrÇn", "Trần"),
        ("Lª", "Lê"),
        ("Ph¹m", "Phạm"),
        ("Hoµng", "Hoàng"),
        ("§Æng", "Đặng"),
    ] {
        assert_eq!(encode_tcvn3(uni), tcvn);
        let r = repair(tcvn);
        assert_eq!(
            (r.text.as_str(), r.encoding),
            (uni, Encoding::Tcvn3),
            "{tcvn}"
        );
    }
    // VNI-Windows: two bytes per toned vowel.
    for (vni, uni) in [
        ("Nguyeãn", "Nguyễn"),
        ("Traàn", "Trần"),
        ("Leâ", "Lê"),
        ("Ñaëng", "Đặng"),
    ] {
        assert_eq!(encode_vni(uni), vni);
        let r = repair(vni);
        assert_eq!((r.text.as_str(), r.encoding), (uni, Encoding::Vni), "{vni}");
    }
    assert_eq!(encode_viqr("Nguyễn Thị Thủy"), "Nguye^~n Thi. Thu?y");
    let r = repair("Nguye^~n Thi. Thu?y");
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Nguyễn Thị Thủy", Encoding::Viqr)
    );
    assert_eq!(encode_utf8_as_cp1252("Nguyễn"), "Nguyá»…n");
    let r = repair("Nguyá»…n");
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Nguyễn", Encoding::Utf8AsCp1252)
    );
}

#[test]
fn genuine_unicode_is_left_alone() {
    for name in [
        "Nguyễn Văn An",
        "NGUYỄN THỊ MINH KHAI",
        "nguyễn thị thủy",
        "Trần Thị Thuỷ",
        "Lê Hoà",
        "Hoàng  Phủ   Ngọc",
        "Tôn Thất Thuyết",
        "Âu Dương Ước",
        "Nguyen Van An",
        "Le Thi Hoa",
        "Do Duc",
        "D'Arcy Nguyen",
        "Nguyen Van A.",
        "Le Thi Hoa?",
        "O'Brien",
        "H'Hen Niê",
        "Ksor Ya",
        "José Nguyễn",
        "Quỳnh Giang Gìn",
        "",
        "   ",
    ] {
        let r = repair(name);
        assert_eq!(
            (r.text.as_str(), r.encoding),
            (name, Encoding::Unicode),
            "{name:?}"
        );
    }
}

#[test]
fn nfd_and_cp1258() {
    let r = repair(&to_nfd("Nguyễn Thị Hằng"));
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Nguyễn Thị Hằng", Encoding::Unicode)
    );
    // Precomposed ê with a separate tilde: Windows-1258.
    let r = repair("Nguyê\u{303}n Thi\u{323} Hà");
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Nguyễn Thị Hà", Encoding::Cp1258)
    );
    assert_eq!(encode_cp1258("Nguyễn Hà"), "Nguyê\u{303}n Hà");
    let r = repair(&encode_cp1258("Trần Thị Hằng"));
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Trần Thị Hằng", Encoding::Cp1258)
    );
}

#[test]
fn lookalikes_fold_to_d_stroke() {
    for (input, want) in [("Ðặng", "Đặng"), ("Ɖỗ ɖức", "Đỗ đức"), ("ðào", "đào")]
    {
        let r = repair(input);
        assert_eq!((r.text.as_str(), r.encoding), (want, Encoding::Unicode));
    }
}

#[test]
fn tcvn3_case_is_restored_from_context() {
    let r = repair("NGUYÔN THÞ ¸NH");
    assert_eq!(r.text, "NGUYỄN THỊ ÁNH");
    let r = repair("NguyÔn ThÞ ¸nh");
    assert_eq!(r.text, "Nguyễn Thị Ánh");
    let r = repair("nguyÔn thÞ ¸nh");
    assert_eq!(r.text, "nguyễn thị ánh");
}

#[test]
fn tcvn3_dropped_soft_hyphen_is_restored() {
    // "Trương Văn Hưng" with every 0xAD (ư) lost.
    let r = repair("Tr¬ng V¨n Hng");
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Trương Văn Hưng", Encoding::Tcvn3)
    );
    // And kept as U+00AD.
    let r = repair("Tr\u{AD}¬ng V¨n H\u{AD}ng");
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Trương Văn Hưng", Encoding::Tcvn3)
    );
}

#[test]
fn viqr_needs_real_evidence() {
    // One weak mark is not enough, unless it makes a name word; two are.
    assert_eq!(repair("Le Thi Hoa?").encoding, Encoding::Unicode);
    assert_eq!(repair("Nguyen Va'n").encoding, Encoding::Unicode);
    let r = repair("Ly' Hoa");
    assert_eq!((r.text.as_str(), r.encoding), ("Lý Hoa", Encoding::Viqr));
    let r = repair("Ly' Thi. Hoa");
    assert_eq!(
        (r.text.as_str(), r.encoding),
        ("Lý Thị Hoa", Encoding::Viqr)
    );
    // A period after an initial is not a dot below.
    assert_eq!(repair("Tran Van A. B.").encoding, Encoding::Unicode);
    // Marks after consonants break nothing.
    assert_eq!(repair("D'Arcy Tra^`n").text, "D'Arcy Trần");
}

#[test]
fn name_evidence_decides_between_valid_readings() {
    for (input, want, enc) in [
        ("Tõ Lan", "Từ Lan", Encoding::Tcvn3),
        ("tõ lan", "từ lan", Encoding::Tcvn3),
        ("Böu", "Bửu", Encoding::Tcvn3),
        ("LAÕ", "LÃ", Encoding::Vni),
        ("HÃ\u{a0} Giang", "Hà Giang", Encoding::Utf8AsCp1252),
        ("Mai LÃ\u{a0}i", "Mai Lài", Encoding::Utf8AsCp1252),
        ("Tha.ch", "Thạch", Encoding::Viqr),
        ("KHA'NH", "KHÁNH", Encoding::Viqr),
        // Both readings all valid, Unicode has as many known words.
        ("Võ Thị Hà", "Võ Thị Hà", Encoding::Unicode),
        ("Hà Giang", "Hà Giang", Encoding::Unicode),
        ("Lê Hoà", "Lê Hoà", Encoding::Unicode),
        ("Hoà Chung", "Hồ Chung", Encoding::Vni),
        // VNI of Phí Hồng, but also a genuine name: Unicode wins ties.
        ("Phí Hoàng", "Phí Hoàng", Encoding::Unicode),
        ("Hoà Kim Lan", "Hồ Kim Lan", Encoding::Vni),
        ("Kim Lan Hoà", "Kim Lan Hoà", Encoding::Unicode),
        // TCVN3 would read Dũng Phú, a given name where a family name
        // stands when the given name is written first.
        ("Dũng Phó", "Dũng Phó", Encoding::Unicode),
        ("Hà\u{a0}Giang", "Hà\u{a0}Giang", Encoding::Unicode),
        // No name either way: shape alone never rewrites valid text.
        ("Xõ Xõ", "Xõ Xõ", Encoding::Unicode),
        ("Xa'nh", "Xa'nh", Encoding::Unicode),
        ("Ta. Quang", "Tạ Quang", Encoding::Viqr),
        ("Kim Y'", "Kim Ý", Encoding::Viqr),
        ("Tran Van A.", "Tran Van A.", Encoding::Unicode),
    ] {
        let r = repair(input);
        assert_eq!((r.text.as_str(), r.encoding), (want, enc), "{input:?}");
    }
}

#[test]
fn artefact_characters() {
    for c in ['à', 'Ã', '\u{a0}', 'õ', '€', '\u{90}', '‘', '§'] {
        assert!(may_be_artefact(c), "{c:?}");
    }
    for c in ['a', 'ễ', 'ă', 'Đ', 'ư', 'ơ', 'ạ', '\u{303}'] {
        assert!(!may_be_artefact(c), "{c:?}");
    }
}

/// A name from the tables, in one of the forms registers produce: each
/// legacy encoding (upper case too), one word legacy and the rest
/// Unicode, TCVN3 with the soft-hyphen ư dropped, NFD, odd white space.
fn damaged_name(f: usize, m: &[usize], g: usize, how: u8) -> String {
    let fam = datasets::family_names();
    let mid = datasets::middle_names();
    let giv = datasets::given_names();
    let mut name = fam[f % fam.len()].name.to_owned();
    for &i in m {
        name.push(' ');
        name.push_str(mid[i % mid.len()].name);
    }
    name.push(' ');
    name.push_str(giv[g % giv.len()].name);
    let upper = name.to_uppercase();
    match how {
        0 => name,
        1 => encode_vni(&name),
        2 => encode_tcvn3(&name),
        3 => encode_viqr(&name),
        4 => encode_utf8_as_cp1252(&name),
        5 => encode_cp1258(&name),
        6 => to_nfd(&name),
        7 => encode_vni(&upper),
        8 => encode_tcvn3(&upper),
        9 => encode_viqr(&upper),
        10 => encode_utf8_as_cp1252(&upper),
        11 => encode_tcvn3(&name).replace('\u{AD}', ""),
        12 => encode_tcvn3(&name.to_lowercase()),
        13 => encode_viqr(&strip_marks(&name)),
        14 => format!(" {}\t", encode_vni(&name).replace(' ', "\u{a0} ")),
        15 => match name.split_once(' ') {
            Some((first, rest)) => format!("{} {rest}", encode_vni(first)),
            None => encode_vni(&name),
        },
        _ => match name.rsplit_once(' ') {
            Some((rest, last)) => format!("{rest} {}", encode_tcvn3(last)),
            None => encode_tcvn3(&name),
        },
    }
}

proptest::proptest! {
    /// Reading legacy encodings word by word, with the per-word cache,
    /// gives what the whole-string trials give, cold and warm.
    #[test]
    fn word_by_word_repair_matches_whole_string_on_names(
        f in 0usize..1000,
        m in proptest::collection::vec(0usize..1000, 0..3),
        g in 0usize..2000,
        how in 0u8..17,
    ) {
        let input = damaged_name(f, &m, g, how);
        let want = repair_reference(&input);
        proptest::prop_assert_eq!(&repair(&input), &want, "{:?}", input);
        proptest::prop_assert_eq!(&repair(&input), &want, "{:?} (cached)", input);
    }

    /// The same on text made of the characters the readings care about:
    /// letters, Latin-1 and Windows-1252 bytes, combining tones, VIQR
    /// marks, look-alikes, every kind of white space.
    #[test]
    fn word_by_word_repair_matches_whole_string_on_any_text(
        input in "[a-zA-Zđươăâêôáàảãạễệ ĐÐðɖ\u{80}-\u{ff}€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u{300}\u{301}\u{303}\u{309}\u{323}\u{2000}\u{200b}\u{3000}\t'.?~^+(`-]{0,24}"
    ) {
        proptest::prop_assert_eq!(repair(&input), repair_reference(&input));
    }

    /// NFC word by word, with the per-word cache, is whole-string NFC,
    /// with the same Windows-1258 verdict.
    #[test]
    fn word_by_word_nfc_matches_whole_string(
        input in "[aeouyAEOUđĐươâêôăƯƠÂÊÔĂáàễệ\u{300}-\u{303}\u{306}\u{309}\u{31b}\u{323}\u{327} \t\u{85}\u{a0}\u{1680}\u{2000}-\u{200b}\u{3000}]{0,16}"
    ) {
        let mut words = LegacyWords::default();
        let want = nfc_and_encoding(&input);
        proptest::prop_assert_eq!(&nfc_checked(&mut words, &input), &want);
        proptest::prop_assert_eq!(&nfc_checked(&mut words, &input), &want);
    }

    #[test]
    fn word_by_word_repair_matches_whole_string_on_arbitrary_strings(
        input in proptest::prelude::any::<String>()
    ) {
        proptest::prop_assert_eq!(repair(&input), repair_reference(&input));
    }
}

#[test]
fn characters_below_u0300_pass_the_nfc_quick_check() {
    // The premise of `below_combining_marks`.
    for c in (0..0x300).filter_map(char::from_u32) {
        let s = c.to_string();
        assert!(below_combining_marks(&s), "U+{:04X}", c as u32);
        assert_eq!(
            is_nfc_quick(s.chars()),
            IsNormalized::Yes,
            "U+{:04X}",
            c as u32
        );
    }
    assert!(!below_combining_marks("a\u{300}"));
    assert!(!below_combining_marks("Nguyễn"));
}

#[test]
fn word_by_word_nfc_matches_whole_string_nfc() {
    let cases = [
        // NFD (macOS), Windows-1258 (precomposed base, combining tone).
        "Nguye\u{302}\u{303}n Thi\u{323} Ha\u{300}",
        "Nguy\u{ea}\u{303}n Th\u{1b0}\u{300}a",
        // A combining mark at the start of a word, after each kind of
        // white space, and U+2000/U+2001, which NFC maps to U+2002/U+2003.
        "a \u{301}b\u{a0}\u{303}c\u{2000}\u{323}d\u{2001}e\u{300}",
        "\u{301}\u{1680}\u{300}\u{85}\u{3000}\u{309}\u{2001}",
        // Marks out of canonical order, split by white space.
        "a\u{323}\u{302} \u{302}\u{323}",
        "\u{2000}",
    ];
    let mut words = LegacyWords::default();
    for c in cases {
        let want = nfc_and_encoding(c);
        assert_eq!(nfc_checked(&mut words, c), want, "{c:?}");
        assert_eq!(nfc_checked(&mut words, c), want, "{c:?} (cached)");
    }
}

/// `LegacyWords::nfc_words` as (text, encoding), after checking that its
/// spans are the words of the text, each with the id of its own text.
fn nfc_checked(words: &mut LegacyWords, input: &str) -> (Cow<'static, str>, Encoding) {
    words.make_room();
    let nfc = words.nfc_words(input);
    let want: Vec<(usize, usize)> = runs(&nfc.text)
        .filter(|r| !r.2)
        .map(|(a, b, _)| (a, b))
        .collect();
    let got: Vec<(usize, usize)> = nfc.spans.iter().map(|&(a, b, _)| (a, b)).collect();
    assert_eq!(got, want, "{input:?}");
    for &(a, b, id) in &nfc.spans {
        assert_eq!(words.index.get(&nfc.text[a..b]), Some(&id), "{input:?}");
    }
    (Cow::Owned(nfc.text), nfc.fallback)
}

#[test]
fn lookalike_scan_matches_contains() {
    for c in (0..0x800).filter_map(char::from_u32) {
        let s = format!("a{c}b");
        let want = s.contains(['Ð', 'Ɖ', 'ð', 'ɖ']);
        assert_eq!(has_lookalike(s.as_bytes()), want, "U+{:04X}", c as u32);
    }
}

#[test]
fn white_space_counts_in_the_readings() {
    // The NBSP alone makes this text "legacy characters only", so the
    // TCVN3 reading (dropped ư restored) is tried, and wins on name
    // evidence: Hưng and Lan against Lan alone.
    let want = Repaired {
        text: "Hưng\u{a0}Lan".to_owned(),
        encoding: Encoding::Tcvn3,
    };
    assert_eq!(repair_reference("Hng\u{a0}Lan"), want);
    assert_eq!(repair("Hng\u{a0}Lan"), want);
    // An ideographic space is no legacy character: with it, the valid
    // "Hà Hng" is genuine Unicode and no reading is tried (with an NBSP
    // the TCVN3 reading Hà Hưng would win).
    for f in [repair, repair_reference] {
        let r = f("Hà\u{3000}Hng");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Hà\u{3000}Hng", Encoding::Unicode)
        );
        let r = f("Hà\u{a0}Hng");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Hà\u{a0}Hưng", Encoding::Tcvn3)
        );
    }
    // UTF-8 read as Windows-1252 with the NBSP second byte of à: the
    // UTF-8 reading is of the whole string, NBSP included.
    assert_eq!(repair("HÃ\u{a0} Giang").text, "Hà Giang");
}

#[test]
fn readings_survive_the_cache_being_emptied() {
    let names = [
        "NguyÔn ThÞ ¸nh",
        "Traàn Vaên Hoà",
        "Nguye^~n Thi. Thu?y",
        "Tr¬ng Hng",
    ];
    let want: Vec<Repaired> = names.iter().map(|n| repair_reference(n)).collect();
    // More distinct words than the cache holds, in both readings (words
    // of non-ASCII text, and VIQR words of ASCII text).
    for i in 0..LEGACY_WORDS + 10 {
        repair(&format!("Lª x{i}"));
        repair(&format!("Le^ x{i}"));
        if i % 4096 == 0 {
            for (n, w) in names.iter().zip(&want) {
                assert_eq!(&repair(n), w, "{n}");
            }
        }
    }
    for (n, w) in names.iter().zip(&want) {
        assert_eq!(&repair(n), w, "{n}");
    }
}
