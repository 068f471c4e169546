//! Reference tables the generator draws from.
//!
//! Placeholder tables: the shared name tables (`crate::datasets`) and the
//! province table (`crate::normalize::province`) are being written by other
//! engineers. Each table sits behind one function here so that switching to
//! the shared data is a one-line change per table.

/// A family name and its approximate share of the population, in percent
/// (DOMAIN.md §1; the long tail shares the remaining ~10 %).
pub(crate) fn family_names() -> &'static [(&'static str, f64)] {
    FAMILY
}

/// Middle names by sex with relative weights; Văn/Thị dominate.
pub(crate) fn middle_names(male: bool) -> &'static [(&'static str, f64)] {
    if male {
        MIDDLE_MALE
    } else {
        MIDDLE_FEMALE
    }
}

/// Given names used for one sex: the sex-specific list plus the unisex list.
pub(crate) fn given_names(male: bool) -> (&'static [&'static str], &'static [&'static str]) {
    if male {
        (GIVEN_MALE, GIVEN_UNISEX)
    } else {
        (GIVEN_FEMALE, GIVEN_UNISEX)
    }
}

/// Regional forms of one name (DOMAIN.md §1), usable in both directions.
pub(crate) fn regional_variants() -> &'static [(&'static str, &'static str)] {
    REGIONAL
}

/// One of the 63 provinces (2016 codes).
pub(crate) struct ProvinceRow {
    pub code: u16,
    pub name: &'static str,
    /// 2019 census population, thousands (approximate).
    pub population_k: u32,
    /// 2-digit prefix of the 9-digit CMND issued there.
    pub cmnd_prefix: &'static str,
    /// Name of the 2025 unit the province belongs to.
    pub unit_2025: &'static str,
    /// Other spellings seen in registers (besides `name` and `unit_2025`).
    pub aliases: &'static [&'static str],
}

pub(crate) fn provinces() -> &'static [ProvinceRow] {
    PROVINCES
}

pub(crate) fn streets() -> &'static [&'static str] {
    STREETS
}

pub(crate) fn places() -> &'static [&'static str] {
    PLACES
}

static FAMILY: &[(&str, f64)] = &[
    ("Nguyễn", 38.0),
    ("Trần", 11.5),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 3.0),
    ("Huỳnh", 2.0),
    ("Phan", 4.5),
    ("Vũ", 2.0),
    ("Võ", 1.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.6),
    ("Trương", 0.6),
    ("Lương", 0.5),
    ("Mai", 0.5),
    ("Lưu", 0.4),
    ("Tô", 0.3),
    ("Đoàn", 0.5),
    ("Cao", 0.4),
    ("Lâm", 0.4),
    ("Phùng", 0.3),
    ("Quách", 0.2),
    ("Tạ", 0.3),
    ("Hà", 0.4),
    ("Châu", 0.3),
    ("Thái", 0.2),
    ("Chu", 0.2),
    ("Vương", 0.2),
    ("La", 0.1),
    ("Kiều", 0.2),
    ("Triệu", 0.2),
    ("Tăng", 0.1),
    ("Nghiêm", 0.1),
    ("Khổng", 0.05),
    ("Lại", 0.15),
    ("Tống", 0.15),
    ("Thân", 0.1),
    ("Diệp", 0.1),
    ("Mạc", 0.1),
    ("Từ", 0.1),
    ("Hứa", 0.1),
    ("Văn", 0.1),
    ("Lục", 0.05),
    ("Tôn Thất", 0.05),
    ("Nguyễn Phước", 0.03),
    ("Âu Dương", 0.02),
    ("Hoàng Phủ", 0.02),
    ("Trần Lê", 0.02),
];

static MIDDLE_MALE: &[(&str, f64)] = &[
    ("Văn", 45.0),
    ("Đức", 6.0),
    ("Hữu", 5.0),
    ("Quang", 5.0),
    ("Công", 4.0),
    ("Minh", 5.0),
    ("Xuân", 2.0),
    ("Thanh", 3.0),
    ("Thế", 2.0),
    ("Tấn", 2.0),
    ("Ngọc", 2.0),
    ("Trọng", 2.0),
    ("Duy", 2.0),
    ("Quốc", 3.0),
    ("Hoàng", 2.0),
    ("Anh", 2.0),
    ("Gia", 2.0),
    ("Đình", 3.0),
    ("Bá", 1.0),
    ("Khắc", 1.0),
    ("Mạnh", 1.0),
    ("Tuấn", 1.0),
    ("Phúc", 1.0),
];

static MIDDLE_FEMALE: &[(&str, f64)] = &[
    ("Thị", 55.0),
    ("Ngọc", 6.0),
    ("Kim", 4.0),
    ("Thu", 3.0),
    ("Thanh", 4.0),
    ("Minh", 3.0),
    ("Phương", 2.0),
    ("Thùy", 2.0),
    ("Bảo", 2.0),
    ("Hồng", 3.0),
    ("Mai", 2.0),
    ("Diệu", 1.0),
    ("Khánh", 2.0),
    ("Hoài", 1.0),
    ("Quỳnh", 2.0),
    ("Xuân", 2.0),
    ("Tuyết", 1.0),
    ("Mỹ", 2.0),
    ("Như", 2.0),
    ("Lan", 1.0),
    ("Hoa", 1.0),
];

#[rustfmt::skip]
static GIVEN_UNISEX: &[&str] = &[
    "An", "Anh", "Bình", "Châu", "Giang", "Hà", "Hải", "Hòa", "Khánh", "Khuê", "Lâm", "Linh",
    "Minh", "Ngọc", "Nhật", "Phúc", "Phương", "Sang", "Tâm", "Thanh", "Thiên", "Tú", "Tuyền",
    "Xuân", "Yên", "Nguyên", "Ân", "Trúc",
];

#[rustfmt::skip]
static GIVEN_MALE: &[&str] = &[
    "Bảo", "Cường", "Chiến", "Chính", "Công", "Dũng", "Duy", "Dương", "Đạt", "Định", "Đông",
    "Đức", "Hào", "Hiếu", "Hiệp", "Hoàng", "Hùng", "Huy", "Hưng", "Khang", "Khoa", "Khôi",
    "Kiên", "Lộc", "Long", "Lực", "Nam", "Nghĩa", "Nhân", "Phong", "Quân", "Quang", "Quốc",
    "Quý", "Sơn", "Tài", "Tân", "Thắng", "Thành", "Thịnh", "Toàn", "Trọng", "Trung", "Tuấn",
    "Tùng", "Việt", "Vinh", "Vũ", "Khải", "Bách", "Bằng", "Cảnh", "Chung", "Cương", "Danh",
    "Đại", "Đăng", "Điền", "Hậu", "Hiển", "Hoan", "Học", "Huân", "Hữu", "Khiêm", "Kha",
    "Khương", "Lập", "Lân", "Lợi", "Luân", "Mạnh", "Nghị", "Phát", "Phi", "Phước", "Quyết",
    "Sáng", "Sỹ", "Tấn", "Thái", "Thiện", "Thọ", "Thông", "Thuận", "Tiến", "Tín", "Toản",
    "Trí", "Triết", "Trường", "Tường", "Vĩnh", "Vượng", "Bá", "Cần", "Chương", "Dân", "Đạo",
    "Đình", "Đồng", "Hán", "Hiệu", "Hoạt", "Huấn", "Kiệt", "Lành", "Lượng", "Mẫn", "Ninh",
    "Nhuận", "Pháp", "Phụng", "Quảng", "Sinh", "Sự", "Tạo", "Thạch", "Thăng", "Thế", "Thiệu",
    "Thục", "Tĩnh", "Tôn", "Trác", "Trị", "Trưởng", "Tuệ", "Tuyên", "Ước", "Văn", "Vĩ", "Võ",
    "Vương", "Xuyên", "Lai", "Hạ", "Duẩn", "Giáp", "Hòe", "Khoái", "Thủy",
];

#[rustfmt::skip]
static GIVEN_FEMALE: &[&str] = &[
    "Hoa", "Lan", "Mai", "Hương", "Hằng", "Hạnh", "Hiền", "Huyền", "Hồng", "Nga", "Nhung",
    "Nhi", "Thảo", "Thơ", "Thu", "Thúy", "Thủy", "Trang", "Trinh", "Tuyết", "Vân", "Vy", "Yến",
    "Loan", "Ly", "My", "Mỹ", "Nguyệt", "Nhàn", "Oanh", "Quyên", "Quế", "Sen", "Tiên", "Trâm",
    "Uyên", "Diệp", "Diễm", "Dung", "Duyên", "Gấm", "Hân", "Huệ", "Kiều", "Lài", "Liên",
    "Liễu", "Lụa", "Mận", "Mơ", "Na", "Nương", "Phượng", "Sương", "Thắm", "Thoa", "Thư",
    "Thương", "Thùy", "Trà", "Vi", "Xoan", "Ánh", "Ái", "Bích", "Châm", "Chi", "Cúc", "Dao",
    "Diệu", "Đào", "Giao", "Hảo", "Hoài", "Hường", "Huê", "Kim", "Lệ", "Lê", "Khuyên", "Mến",
    "Miên", "Ngà", "Ngân", "Nhạn", "Như", "Nữ", "Phấn", "Quỳnh", "Sa", "Son", "Mười", "Ngoan",
    "Thi", "Thuận", "Thục", "Nhài", "Tình", "Trầm", "Trân", "Tươi", "Vàng", "Viên",
    "Xuyến", "Khoa", "Sáu", "Mây", "Nhã", "Nhiên", "Thêm", "Phụng",
    "Thơm", "Sao", "Sim", "Sinh", "Uyển", "Thêu", "Đan", "Hợi", "Tới",
    "Mừng", "Tuệ", "Tuyến", "Út", "Vui", "Xinh", "Đoan", "Nhớ", "Hậu", "Hiên",
    "Lam", "Thìn", "Lựu", "Mùi", "Ngát", "Thoan", "Bé", "Mỵ",
    "Ngần", "Diên", "Tho", "Cẩm", "Dịu", "Điệp",
];

static REGIONAL: &[(&str, &str)] = &[
    ("Hoàng", "Huỳnh"),
    ("Vũ", "Võ"),
    ("Phúc", "Phước"),
    ("Chu", "Châu"),
    ("Cảnh", "Kiểng"),
    ("Hồng", "Hường"),
    ("Thái", "Thới"),
    ("Nguyên", "Ngươn"),
    ("Bảo", "Bửu"),
    ("Hoa", "Huê"),
];

macro_rules! p {
    ($code:expr, $name:expr, $pop:expr, $cmnd:expr, $unit:expr, [$($alias:expr),*]) => {
        ProvinceRow { code: $code, name: $name, population_k: $pop, cmnd_prefix: $cmnd,
            unit_2025: $unit, aliases: &[$($alias),*] }
    };
}

#[rustfmt::skip]
static PROVINCES: &[ProvinceRow] = &[
    p!(1, "Hà Nội", 8054, "01", "Hà Nội", ["TP. Hà Nội", "Ha Noi", "Hanoi", "HN"]),
    p!(2, "Hà Giang", 855, "07", "Tuyên Quang", ["Tỉnh Hà Giang", "Ha Giang"]),
    p!(4, "Cao Bằng", 531, "08", "Cao Bằng", ["Tỉnh Cao Bằng", "Cao Bang"]),
    p!(6, "Bắc Kạn", 314, "09", "Thái Nguyên", ["Bắc Cạn", "Bac Kan"]),
    p!(8, "Tuyên Quang", 785, "07", "Tuyên Quang", ["Tỉnh Tuyên Quang", "Tuyen Quang"]),
    p!(10, "Lào Cai", 731, "06", "Lào Cai", ["Tỉnh Lào Cai", "Lao Cai"]),
    p!(11, "Điện Biên", 599, "04", "Điện Biên", ["Tỉnh Điện Biên", "Dien Bien"]),
    p!(12, "Lai Châu", 461, "04", "Lai Châu", ["Tỉnh Lai Châu", "Lai Chau"]),
    p!(14, "Sơn La", 1249, "05", "Sơn La", ["Tỉnh Sơn La", "Son La"]),
    p!(15, "Yên Bái", 822, "06", "Lào Cai", ["Tỉnh Yên Bái", "Yen Bai"]),
    p!(17, "Hòa Bình", 855, "11", "Phú Thọ", ["Hoà Bình", "Hoa Binh"]),
    p!(19, "Thái Nguyên", 1287, "09", "Thái Nguyên", ["Tỉnh Thái Nguyên", "Thai Nguyen"]),
    p!(20, "Lạng Sơn", 782, "08", "Lạng Sơn", ["Tỉnh Lạng Sơn", "Lang Son"]),
    p!(22, "Quảng Ninh", 1321, "10", "Quảng Ninh", ["Tỉnh Quảng Ninh", "Quang Ninh"]),
    p!(24, "Bắc Giang", 1804, "12", "Bắc Ninh", ["Tỉnh Bắc Giang", "Bac Giang"]),
    p!(25, "Phú Thọ", 1464, "13", "Phú Thọ", ["Tỉnh Phú Thọ", "Phu Tho"]),
    p!(26, "Vĩnh Phúc", 1152, "13", "Phú Thọ", ["Tỉnh Vĩnh Phúc", "Vinh Phuc"]),
    p!(27, "Bắc Ninh", 1369, "12", "Bắc Ninh", ["Tỉnh Bắc Ninh", "Bac Ninh"]),
    p!(30, "Hải Dương", 1893, "14", "Hải Phòng", ["Tỉnh Hải Dương", "Hai Duong"]),
    p!(31, "Hải Phòng", 2029, "03", "Hải Phòng", ["TP. Hải Phòng", "Hai Phong"]),
    p!(33, "Hưng Yên", 1253, "14", "Hưng Yên", ["Tỉnh Hưng Yên", "Hung Yen"]),
    p!(34, "Thái Bình", 1861, "15", "Hưng Yên", ["Tỉnh Thái Bình", "Thai Binh"]),
    p!(35, "Hà Nam", 852, "16", "Ninh Bình", ["Tỉnh Hà Nam", "Ha Nam"]),
    p!(36, "Nam Định", 1781, "16", "Ninh Bình", ["Tỉnh Nam Định", "Nam Dinh"]),
    p!(37, "Ninh Bình", 982, "16", "Ninh Bình", ["Tỉnh Ninh Bình", "Ninh Binh"]),
    p!(38, "Thanh Hóa", 3641, "17", "Thanh Hóa", ["Thanh Hoá", "Thanh Hoa"]),
    p!(40, "Nghệ An", 3327, "18", "Nghệ An", ["Tỉnh Nghệ An", "Nghe An"]),
    p!(42, "Hà Tĩnh", 1289, "18", "Hà Tĩnh", ["Tỉnh Hà Tĩnh", "Ha Tinh"]),
    p!(44, "Quảng Bình", 896, "19", "Quảng Trị", ["Tỉnh Quảng Bình", "Quang Binh"]),
    p!(45, "Quảng Trị", 633, "19", "Quảng Trị", ["Tỉnh Quảng Trị", "Quang Tri"]),
    p!(46, "Thừa Thiên Huế", 1129, "19", "Huế", ["TT. Huế", "Thua Thien Hue"]),
    p!(48, "Đà Nẵng", 1134, "20", "Đà Nẵng", ["TP. Đà Nẵng", "Da Nang"]),
    p!(49, "Quảng Nam", 1496, "20", "Đà Nẵng", ["Tỉnh Quảng Nam", "Quang Nam"]),
    p!(51, "Quảng Ngãi", 1232, "21", "Quảng Ngãi", ["Tỉnh Quảng Ngãi", "Quang Ngai"]),
    p!(52, "Bình Định", 1487, "21", "Gia Lai", ["Tỉnh Bình Định", "Binh Dinh"]),
    p!(54, "Phú Yên", 873, "22", "Đắk Lắk", ["Tỉnh Phú Yên", "Phu Yen"]),
    p!(56, "Khánh Hòa", 1232, "22", "Khánh Hòa", ["Khánh Hoà", "Khanh Hoa"]),
    p!(58, "Ninh Thuận", 591, "26", "Khánh Hòa", ["Tỉnh Ninh Thuận", "Ninh Thuan"]),
    p!(60, "Bình Thuận", 1231, "26", "Lâm Đồng", ["Tỉnh Bình Thuận", "Binh Thuan"]),
    p!(62, "Kon Tum", 541, "23", "Quảng Ngãi", ["Kontum", "Kon Tum"]),
    p!(64, "Gia Lai", 1514, "23", "Gia Lai", ["Tỉnh Gia Lai", "Gia Lai"]),
    p!(66, "Đắk Lắk", 1870, "24", "Đắk Lắk", ["Đắc Lắc", "Dak Lak"]),
    p!(67, "Đắk Nông", 622, "24", "Lâm Đồng", ["Đắc Nông", "Dak Nong"]),
    p!(68, "Lâm Đồng", 1297, "25", "Lâm Đồng", ["Tỉnh Lâm Đồng", "Lam Dong"]),
    p!(70, "Bình Phước", 995, "28", "Đồng Nai", ["Tỉnh Bình Phước", "Binh Phuoc"]),
    p!(72, "Tây Ninh", 1170, "29", "Tây Ninh", ["Tỉnh Tây Ninh", "Tay Ninh"]),
    p!(74, "Bình Dương", 2426, "28", "TP. Hồ Chí Minh", ["Tỉnh Bình Dương", "Binh Duong"]),
    p!(75, "Đồng Nai", 3097, "27", "Đồng Nai", ["Tỉnh Đồng Nai", "Dong Nai"]),
    p!(77, "Bà Rịa–Vũng Tàu", 1149, "27", "TP. Hồ Chí Minh", ["Bà Rịa - Vũng Tàu", "BR-VT"]),
    p!(79, "TP. Hồ Chí Minh", 8993, "02", "TP. Hồ Chí Minh",
        ["TPHCM", "HCM", "Sài Gòn", "Ho Chi Minh City", "Thành phố Hồ Chí Minh"]),
    p!(80, "Long An", 1689, "30", "Tây Ninh", ["Tỉnh Long An", "Long An"]),
    p!(82, "Tiền Giang", 1765, "31", "Đồng Tháp", ["Tỉnh Tiền Giang", "Tien Giang"]),
    p!(83, "Bến Tre", 1289, "32", "Vĩnh Long", ["Tỉnh Bến Tre", "Ben Tre"]),
    p!(84, "Trà Vinh", 1010, "33", "Vĩnh Long", ["Tỉnh Trà Vinh", "Tra Vinh"]),
    p!(86, "Vĩnh Long", 1023, "33", "Vĩnh Long", ["Tỉnh Vĩnh Long", "Vinh Long"]),
    p!(87, "Đồng Tháp", 1600, "34", "Đồng Tháp", ["Tỉnh Đồng Tháp", "Dong Thap"]),
    p!(89, "An Giang", 1908, "35", "An Giang", ["Tỉnh An Giang", "An Giang"]),
    p!(91, "Kiên Giang", 1724, "37", "An Giang", ["Tỉnh Kiên Giang", "Kien Giang"]),
    p!(92, "Cần Thơ", 1236, "36", "Cần Thơ", ["TP. Cần Thơ", "Can Tho"]),
    p!(93, "Hậu Giang", 733, "36", "Cần Thơ", ["Tỉnh Hậu Giang", "Hau Giang"]),
    p!(94, "Sóc Trăng", 1200, "36", "Cần Thơ", ["Tỉnh Sóc Trăng", "Soc Trang"]),
    p!(95, "Bạc Liêu", 907, "38", "Cà Mau", ["Tỉnh Bạc Liêu", "Bac Lieu"]),
    p!(96, "Cà Mau", 1194, "38", "Cà Mau", ["Tỉnh Cà Mau", "Ca Mau"]),
];

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
