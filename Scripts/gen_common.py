"""Shared tables and helpers for hoso's synthetic-data generators.

Used by Scripts/make-sample-archive.py (the committed sample archive) and
Scripts/generate-corpus.py (large benchmark batches).  Python 3.11 standard
library only; everything is deterministic given a seeded random.Random.

ALL PERSONAL DATA PRODUCED WITH THESE TABLES IS SYNTHETIC: names are drawn
combinatorially from common Vietnamese family / middle / given names, citizen
IDs and phone numbers are random digits in the documented formats, and e-mail
addresses use the reserved example.com domain.

What lives here
  * tables: family, middle and given names, Quảng Trị agencies (with the
    2025-07-01 mergers), addresses, procedures and their dossier components;
  * text helpers: tone-mark placement styles ("Hòa" / "Hoà"), NFD, ASCII folding;
  * the dossier model (plain dicts) and render_xml(), which writes a
    urn:hoso:dossier:1 document valid against schemas/dossier-1.xsd;
  * time helpers (working days, due dates) and a citizen-ID generator that
    follows the rules checked by `hoso validate`;
  * tiff_gray8(): a minimal little-endian TIFF container for 8-bit grayscale
    strips (used by both scripts).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import unicodedata

VN_TZ = dt.timezone(dt.timedelta(hours=7))
MERGER_DAY = dt.date(2025, 7, 1)          # 2025 reform: districts abolished, communes merged
OLD_NAME_LAST_DAY = dt.date(2025, 6, 30)
DIEN_SANH_DAY = dt.date(2020, 1, 1)      # thị trấn Diên Sanh formed (thị trấn Hải Lăng + xã Hải Thọ)

# --------------------------------------------------------------------------- citizen IDs

# Province codes of birth registration (Thông tư 59/2021/TT-BCA, Phụ lục I).
PROVINCE_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 "
    "033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 "
    "064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 "
    "094 095 096").split()
QUANG_TRI = "045"
# Neighbouring / common provinces of birth for people living in Quảng Trị:
# Quảng Bình, Thừa Thiên Huế, Nghệ An, Hà Tĩnh, Đà Nẵng, Hà Nội, TP HCM, Thanh Hóa, Quảng Nam.
OTHER_BIRTH_PROVINCES = ("044", "046", "040", "042", "048", "001", "079", "038", "049")


def citizen_id(rng, birth_year: int, female: bool, province: str | None = None) -> str:
    """12-digit số định danh: province(3) + gender/century(1) + yy(2) + 6 random digits."""
    if province is None:
        province = QUANG_TRI if rng.random() < 0.85 else rng.choice(OTHER_BIRTH_PROVINCES)
    century = (0 if birth_year < 2000 else 2) + (1 if female else 0)
    return f"{province}{century}{birth_year % 100:02d}{rng.randrange(1000000):06d}"


def phone_number(rng) -> str:
    prefix = rng.choice(("091", "094", "088", "097", "098", "096", "086", "035", "037",
                         "038", "039", "077", "079", "070", "083", "084", "085", "081"))
    return f"{prefix}{rng.randrange(10000000):07d}"


# --------------------------------------------------------------------------- names

SURNAMES = (  # (family name, weight)
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 10), ("Phạm", 6), ("Hoàng", 5), ("Phan", 5),
    ("Võ", 5), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 3), ("Ngô", 2), ("Dương", 1),
    ("Lý", 1), ("Đoàn", 1), ("Trương", 1), ("Lương", 1), ("Mai", 1), ("Hà", 1),
)
_SURNAME_CUM = []
_acc = 0
for _n, _w in SURNAMES:
    _acc += _w
    _SURNAME_CUM.append((_acc, _n))
_SURNAME_TOTAL = _acc

MIDDLE_M = ("Văn", "Văn", "Văn", "Minh", "Quốc", "Thanh", "Đức", "Hữu", "Công", "Xuân",
            "Ngọc", "Quang", "Anh", "Đình", "Hoài", "Trọng")
MIDDLE_F = ("Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Minh", "Phương", "Khánh", "Hoài",
            "Mỹ", "Bảo", "Diệu", "Kim")
# Written in the traditional tone placement ("Hòa", "Thủy"); tone_style() converts.
GIVEN_M = ("Hòa", "Đức", "Tuấn", "Lộc", "Quý", "Khoa", "Khánh", "Hùng", "Dũng", "Thắng",
           "Long", "Nam", "Phúc", "Tài", "Hiếu", "Trung", "Sơn", "Huy", "Thành", "Vinh",
           "Hải", "Cường", "Bảo", "Hóa", "Thụy", "Toàn", "Hoàng", "Lợi", "Quân", "Thiện")
GIVEN_F = ("Thủy", "Phương", "Hương", "Hoa", "Lan", "Mai", "Hằng", "Nga", "Linh", "Trang",
           "Thảo", "Vy", "Ngân", "Thúy", "Loan", "Hòa", "Quỳnh", "Nhung", "Huyền", "Yến",
           "Khánh", "Hạnh", "Diệu", "Lộc", "Tâm", "Xoan")
BABY_M = ("Minh Khang", "Gia Bảo", "Đăng Khoa", "Phúc Lâm", "Quốc Huy", "Minh Quân",
          "Anh Tuấn", "Hoàng Nam", "Đức Thịnh", "Bảo Long", "Khôi Nguyên", "Thiên Phúc")
BABY_F = ("Bảo Ngọc", "An Nhiên", "Khánh An", "Minh Thư", "Gia Hân", "Tuệ Lâm", "Ngọc Hân",
          "Thảo Vy", "Phương Linh", "Diệu Anh", "Khánh Ngọc", "Hà My", "Thủy Tiên")

SCANNER_DEVICES = ("Fujitsu fi-7160", "Canon imageFORMULA DR-C240", "Kodak Alaris S2040",
                   "Epson DS-530II", "Brother ADS-2700W")
SIGNER_TITLES = ("Chủ tịch", "Phó Chủ tịch")


def pick_surname(rng) -> str:
    x = rng.randrange(_SURNAME_TOTAL)
    for cum, name in _SURNAME_CUM:
        if x < cum:
            return name
    return _SURNAME_CUM[-1][1]


def person_name(rng, female: bool) -> str:
    mid = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    while given == mid:
        given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{pick_surname(rng)} {mid} {given}"


# --------------------------------------------------------------------------- text helpers

_TONE = "\u0300\u0301\u0303\u0309\u0323"            # huyền, sắc, ngã, hỏi, nặng (NFD)
_END = r"(?![\w\u0300-\u036f])"
_OA_OLD = re.compile(rf"([oO])([{_TONE}])([aAeE]){_END}")      # hòa, khỏe
_UY_OLD = re.compile(rf"(?<![qQ])([uU])([{_TONE}])([yY]){_END}")  # thủy (not quý)
_OA_NEW = re.compile(rf"([oO])([aAeE])([{_TONE}]){_END}")      # hoà, khoẻ
_UY_NEW = re.compile(rf"(?<![qQ])([uU])([yY])([{_TONE}]){_END}")  # thuỷ


def _swap(m):
    return m.group(1) + m.group(3) + m.group(2)


_MAYBE_OLD = re.compile("[òóỏõọùúủũụÒÓỎÕỌÙÚỦŨỤ][aeyAEY]")
_MAYBE_NEW = re.compile("[oOuU][àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ]")


def tone_style(text: str, style: str) -> str:
    """Move tone marks of open syllables oa/oe/uy: 'old' = Hòa, Thủy, Khỏe; 'new' = Hoà, Thuỷ, Khoẻ.

    'Quý', 'Hoàng', 'Nguyễn', 'Thuyết' ... are not touched (qu-, closed syllables).
    Returns NFC text.
    """
    if unicodedata.is_normalized("NFC", text):
        probe = _MAYBE_OLD if style == "new" else _MAYBE_NEW
        if not probe.search(text):
            return text
    s = unicodedata.normalize("NFD", text)
    if style == "new":
        s = _UY_OLD.sub(_swap, _OA_OLD.sub(_swap, s))
    elif style == "old":
        s = _UY_NEW.sub(_swap, _OA_NEW.sub(_swap, s))
    return unicodedata.normalize("NFC", s)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def ascii_fold(text: str) -> str:
    """'Nguyễn Văn Đức' -> 'Nguyen Van Duc' (for PDF text and file names)."""
    s = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in s if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def slug(text: str) -> str:
    s = ascii_fold(text).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s or "x"


def xml_escape(s: str) -> str:
    if "&" in s or "<" in s or ">" in s:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


def xml_attr(s: str) -> str:
    return xml_escape(s).replace('"', "&quot;")


# --------------------------------------------------------------------------- agencies

def _agency(key, code, name, short, commune, district, level, places, valid_from=None,
            valid_to=None, successor=None, police=None, parent=None):
    return dict(key=key, code=code, name=name, short=short, commune=commune, district=district,
                level=level, places=places, valid_from=valid_from, valid_to=valid_to,
                successor=successor, police=police, parent=parent)


_QT_STREETS = ("Trần Hưng Đạo", "Lê Duẩn", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
               "Phan Đình Phùng", "Minh Mạng", "Lê Lợi", "Nguyễn Trãi", "Phan Bội Châu")
_DH_STREETS = ("Lê Duẩn", "Hùng Vương", "Quốc lộ 9", "Trần Hưng Đạo", "Lý Thường Kiệt",
               "Nguyễn Du", "Hàm Nghi", "Lê Lợi", "Trần Phú", "Điện Biên Phủ", "Nguyễn Trãi",
               "Thành Cổ", "Đặng Dung", "Lê Thánh Tông")

# Codes have the documented form 000.00.NN.H50 (H50 = Quảng Trị).  They are synthetic.
AGENCIES = {a["key"]: a for a in (
    # ---- Thị xã Quảng Trị (3 wards shown; merged into phường Quảng Trị)
    _agency("qt-p1", "000.00.21.H50", "UBND phường 1, thị xã Quảng Trị", "UBND phường 1",
            "Phường 1", "Thị xã Quảng Trị", "commune",
            [("street", _QT_STREETS[:5]), ("kp", ("Khu phố 1", "Khu phố 2", "Khu phố 3", "Khu phố 4"))],
            valid_to=OLD_NAME_LAST_DAY, successor="qt-new", police="000.07.21.H50"),
    _agency("qt-p2", "000.00.22.H50", "UBND phường 2, thị xã Quảng Trị", "UBND phường 2",
            "Phường 2", "Thị xã Quảng Trị", "commune",
            [("street", _QT_STREETS[3:9]), ("kp", ("Khu phố 1", "Khu phố 2", "Khu phố 5", "Khu phố 6"))],
            valid_to=OLD_NAME_LAST_DAY, successor="qt-new", police="000.07.22.H50"),
    _agency("qt-p3", "000.00.23.H50", "UBND phường 3, thị xã Quảng Trị", "UBND phường 3",
            "Phường 3", "Thị xã Quảng Trị", "commune",
            [("street", _QT_STREETS[4:]), ("kp", ("Khu phố 1", "Khu phố 2", "Khu phố 3", "Khu phố 7"))],
            valid_to=OLD_NAME_LAST_DAY, successor="qt-new", police="000.07.23.H50"),
    _agency("qt-d", "000.00.20.H50", "Bộ phận một cửa UBND thị xã Quảng Trị",
            "UBND thị xã Quảng Trị", None, "Thị xã Quảng Trị", "district", [],
            valid_to=OLD_NAME_LAST_DAY, successor="qt-new"),
    # ---- Thành phố Đông Hà
    _agency("dh-p1", "000.00.31.H50", "UBND phường 1, thành phố Đông Hà", "UBND phường 1",
            "Phường 1", "Thành phố Đông Hà", "commune",
            [("street", _DH_STREETS[:8]), ("kp", ("Khu phố 1", "Khu phố 2", "Khu phố 3", "Khu phố 6"))],
            valid_to=OLD_NAME_LAST_DAY, successor="dh-new", police="000.07.31.H50"),
    _agency("dh-p5", "000.00.35.H50", "UBND phường 5, thành phố Đông Hà", "UBND phường 5",
            "Phường 5", "Thành phố Đông Hà", "commune",
            [("street", _DH_STREETS[5:]), ("kp", ("Khu phố 1", "Khu phố 4", "Khu phố 7", "Khu phố 9"))],
            valid_to=OLD_NAME_LAST_DAY, successor="ndh-new", police="000.07.35.H50"),
    _agency("dh-dl", "000.00.38.H50", "UBND phường Đông Lương, thành phố Đông Hà",
            "UBND phường Đông Lương", "Phường Đông Lương", "Thành phố Đông Hà", "commune",
            [("street", ("Quốc lộ 1", "Đặng Dung", "Lê Thánh Tông", "Trần Bình Trọng")),
             ("kp", ("Khu phố Tân Vĩnh", "Khu phố Điếu Ngao", "Khu phố Lập Thạch", "Khu phố Đông Lai"))],
            valid_to=OLD_NAME_LAST_DAY, successor="ndh-new", police="000.07.38.H50"),
    _agency("dh-d", "000.00.30.H50", "Bộ phận một cửa UBND thành phố Đông Hà",
            "UBND thành phố Đông Hà", None, "Thành phố Đông Hà", "district", [],
            valid_to=OLD_NAME_LAST_DAY, successor="dh-new"),
    # ---- Huyện Hải Lăng
    _agency("hl-ht", "000.00.42.H50", "UBND xã Hải Thượng, huyện Hải Lăng", "UBND xã Hải Thượng",
            "Xã Hải Thượng", "Huyện Hải Lăng", "commune",
            [("thon", ("Thôn Thượng Xá", "Thôn Long Hưng", "Thôn Tân Trường", "Thôn Đông Dương",
                       "Thôn Xuân Lâm"))],
            valid_to=OLD_NAME_LAST_DAY, police="000.07.42.H50"),
    _agency("hl-ds", "000.00.41.H50", "UBND thị trấn Diên Sanh, huyện Hải Lăng",
            "UBND thị trấn Diên Sanh", "Thị trấn Diên Sanh", "Huyện Hải Lăng", "commune",
            [("street", ("Hùng Vương", "Lê Duẩn", "Quốc lộ 1")),
             ("kp", ("Khu phố 1", "Khu phố 2", "Khu phố 3", "Khu phố 4", "Khu phố 5", "Khu phố 6"))],
            valid_from=DIEN_SANH_DAY, valid_to=OLD_NAME_LAST_DAY, successor="ds-new",
            police="000.07.41.H50"),
    _agency("hl-d", "000.00.40.H50", "Bộ phận một cửa UBND huyện Hải Lăng", "UBND huyện Hải Lăng",
            None, "Huyện Hải Lăng", "district", [], valid_to=OLD_NAME_LAST_DAY, successor="ds-new"),
    # ---- Huyện Triệu Phong
    _agency("tp-tt", "000.00.51.H50", "UBND xã Triệu Thành, huyện Triệu Phong", "UBND xã Triệu Thành",
            "Xã Triệu Thành", "Huyện Triệu Phong", "commune",
            [("thon", ("Thôn Cổ Thành", "Thôn Tả Hữu", "Thôn Hậu Kiên", "Thôn Phú Long",
                       "Thôn Đông Bình"))],
            valid_to=OLD_NAME_LAST_DAY, police="000.07.51.H50"),
    # ---- after the 2025 merger (no district level; names valid from 2025-07-01)
    _agency("qt-new", "000.00.63.H50", "UBND phường Quảng Trị", "UBND phường Quảng Trị",
            "Phường Quảng Trị", None, "commune", [], valid_from=MERGER_DAY, police="000.07.63.H50"),
    _agency("dh-new", "000.00.61.H50", "UBND phường Đông Hà", "UBND phường Đông Hà",
            "Phường Đông Hà", None, "commune", [], valid_from=MERGER_DAY, police="000.07.61.H50"),
    _agency("ndh-new", "000.00.62.H50", "UBND phường Nam Đông Hà", "UBND phường Nam Đông Hà",
            "Phường Nam Đông Hà", None, "commune", [], valid_from=MERGER_DAY, police="000.07.62.H50"),
    _agency("ds-new", "000.00.64.H50", "UBND xã Diên Sanh", "UBND xã Diên Sanh",
            "Xã Diên Sanh", None, "commune", [], valid_from=MERGER_DAY, police="000.07.64.H50"),
)}

# district one-stop desk -> its communes (for applicants' home addresses)
DISTRICT_COMMUNES = {"qt-d": ("qt-p1", "qt-p2", "qt-p3"), "dh-d": ("dh-p1", "dh-p5", "dh-dl"),
                     "hl-d": ("hl-ht", "hl-ds")}
# merged commune -> old communes it took in (for home addresses of post-merger applicants)
MERGED_FROM = {"qt-new": ("qt-p1", "qt-p2", "qt-p3"), "dh-new": ("dh-p1",),
               "ndh-new": ("dh-p5", "dh-dl"), "ds-new": ("hl-ds",)}
OLD_COMMUNE_AGENCIES = ("qt-p1", "qt-p2", "qt-p3", "dh-p1", "dh-p5", "dh-dl", "hl-ht", "hl-ds", "tp-tt")
OLD_DISTRICT_AGENCIES = ("qt-d", "dh-d", "hl-d")
NEW_AGENCIES = ("qt-new", "dh-new", "ndh-new", "ds-new")

# handling units of the district level (Phòng ... of UBND huyện / thị xã / thành phố)
DISTRICT_UNITS = {
    "qt-d": {"xd": ("000.03.20.H50", "Phòng Quản lý đô thị thị xã Quảng Trị"),
             "kd": ("000.04.20.H50", "Phòng Tài chính - Kế hoạch thị xã Quảng Trị"),
             "tp": ("000.05.20.H50", "Phòng Tư pháp thị xã Quảng Trị")},
    "dh-d": {"xd": ("000.03.30.H50", "Phòng Quản lý đô thị thành phố Đông Hà"),
             "kd": ("000.04.30.H50", "Phòng Tài chính - Kế hoạch thành phố Đông Hà"),
             "tp": ("000.05.30.H50", "Phòng Tư pháp thành phố Đông Hà")},
    "hl-d": {"xd": ("000.03.40.H50", "Phòng Kinh tế và Hạ tầng huyện Hải Lăng"),
             "kd": ("000.04.40.H50", "Phòng Tài chính - Kế hoạch huyện Hải Lăng"),
             "tp": ("000.05.40.H50", "Phòng Tư pháp huyện Hải Lăng")},
}


def agency_view(key: str, with_valid_to: bool = False) -> dict:
    """The <receivingAgency>/<handlingAgency> content of an agency (validFrom always when known)."""
    a = AGENCIES[key]
    return dict(code=a["code"], name=a["name"], valid_from=a["valid_from"],
                valid_to=a["valid_to"] if with_valid_to else None)


def lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def police_view(key: str, with_valid_to: bool = False) -> dict:
    """Công an xã/phường of a commune-level agency (receives and handles residence procedures)."""
    a = AGENCIES[key]
    name = f"Công an {lower_first(a['commune'])}"
    if a["district"]:
        name += f", {lower_first(a['district'])}"
    return dict(code=a["police"], name=name, valid_from=a["valid_from"],
                valid_to=a["valid_to"] if with_valid_to else None)


# --------------------------------------------------------------------------- addresses

def home_detail(rng, agency_key: str) -> tuple[str, str]:
    """(detail, old-commune agency key) of a home in the area of a commune-level agency."""
    a = AGENCIES[agency_key]
    if agency_key in MERGED_FROM:
        agency_key = rng.choice(MERGED_FROM[agency_key])
        a = AGENCIES[agency_key]
    elif agency_key in DISTRICT_COMMUNES:
        agency_key = rng.choice(DISTRICT_COMMUNES[agency_key])
        a = AGENCIES[agency_key]
    kind, names = rng.choice(a["places"])
    name = rng.choice(names)
    if kind == "street":
        n = rng.randint(1, 180)
        detail = f"{n}{rng.choice(('', '', '', '/2', '/5', 'A', 'B'))} {name}"
    elif kind == "kp":
        detail = name if rng.random() < 0.5 else f"Tổ {rng.randint(1, 12)}, {name}"
    else:
        detail = name
    return detail, agency_key


def address_for(detail: str, old_key: str, on: dt.date) -> dict:
    """Address as written on a dossier received on `on` (post-merger: new commune, no district)."""
    a = AGENCIES[old_key]
    if old_key == "hl-ds" and on < DIEN_SANH_DAY:
        return dict(detail=detail, commune="Thị trấn Hải Lăng", district=a["district"], province="Quảng Trị")
    if on >= MERGER_DAY:                     # no districts any more; merged communes renamed
        s = AGENCIES[a["successor"]] if a["successor"] else a
        return dict(detail=detail, commune=s["commune"], district=None, province="Quảng Trị")
    return dict(detail=detail, commune=a["commune"], district=a["district"], province="Quảng Trị")


# --------------------------------------------------------------------------- procedures

def _c(name, role, copy_type, kind, stem, pages=1, optional=False):
    return dict(name=name, role=role, copy_type=copy_type, kind=kind, stem=stem, pages=pages,
                optional=optional)


# kind: pdf (vector form), pdfimg (PDF with an embedded scan), tiff (8-bit gray),
#       tiff1 (bitonal), jpeg (photo), cccd (ID-card copy, per person), png (drawing)
PROCEDURES = {
    "khai-sinh": dict(
        ages=(20, 45),
        code="1.001193", name="Thủ tục đăng ký khai sinh", sector="Hộ tịch", level="commune",
        days=0, abbr="HT", result="Giấy khai sinh", permanent=True,
        legal="Thông tư 10/2022/TT-BNV", access="restricted",
        keywords=("khai sinh", "hộ tịch"),
        components=[
            _c("Tờ khai đăng ký khai sinh", "submitted", "original", "pdf", "to-khai-dang-ky-khai-sinh"),
            _c("Giấy chứng sinh", "submitted", "original", "tiff", "giay-chung-sinh"),
            _c("Căn cước công dân của người đi đăng ký", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "receipt", "original", "pdf", "giay-tiep-nhan", optional=True),
            _c("Giấy khai sinh", "result", "electronic", "pdf", "giay-khai-sinh"),
        ]),
    "ket-hon": dict(
        ages=(20, 38),
        code="1.000894", name="Thủ tục đăng ký kết hôn", sector="Hộ tịch", level="commune",
        days=0, abbr="HT", result="Giấy chứng nhận kết hôn", permanent=True,
        legal="Thông tư 10/2022/TT-BNV", access="restricted",
        keywords=("kết hôn", "hộ tịch"),
        components=[
            _c("Tờ khai đăng ký kết hôn", "submitted", "original", "pdf", "to-khai-dang-ky-ket-hon"),
            _c("Giấy xác nhận tình trạng hôn nhân của bên nam", "submitted", "original", "tiff1", "xac-nhan-tthn"),
            _c("Căn cước công dân của bên nữ", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Giấy chứng nhận kết hôn", "result", "electronic", "pdf", "giay-chung-nhan-ket-hon"),
        ]),
    "ban-sao": dict(
        code="2.000815",
        name=("Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm "
              "quyền của Việt Nam cấp hoặc chứng nhận"),
        sector="Chứng thực", level="commune", days=0, abbr="CT", result="Bản sao được chứng thực từ bản chính",
        permanent=False, years=5, legal="Thông tư 13/2011/TT-BNV", access="restricted",
        keywords=("chứng thực", "bản sao"),
        components=[
            _c("Bản chính giấy tờ đề nghị chứng thực (bản quét)", "submitted", "original", "tiff1", "ban-chinh"),
            _c("Căn cước công dân của người yêu cầu chứng thực", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Bản sao đã chứng thực", "result", "certified-copy", "pdfimg", "ban-sao-chung-thuc"),
        ]),
    "chu-ky": dict(
        code="2.000884",
        name=("Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng "
              "thực điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)"),
        sector="Chứng thực", level="commune", days=0, abbr="CT", result="Giấy tờ, văn bản đã chứng thực chữ ký",
        permanent=False, years=5, legal="Thông tư 13/2011/TT-BNV", access="restricted",
        keywords=("chứng thực chữ ký",),
        components=[
            _c("Giấy tờ, văn bản cần chứng thực chữ ký", "submitted", "original", "pdf", "van-ban-can-chung-thuc", pages=2),
            _c("Căn cước công dân của người yêu cầu chứng thực", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Văn bản đã chứng thực chữ ký", "result", "certified-copy", "pdf", "van-ban-da-chung-thuc", pages=2),
        ]),
    "khai-tu": dict(
        code="1.000656", name="Thủ tục đăng ký khai tử", sector="Hộ tịch", level="commune",
        days=0, abbr="HT", result="Trích lục khai tử", permanent=True,
        legal="Thông tư 10/2022/TT-BNV", access="restricted",
        keywords=("khai tử", "hộ tịch"),
        components=[
            _c("Tờ khai đăng ký khai tử", "submitted", "original", "pdf", "to-khai-dang-ky-khai-tu"),
            _c("Giấy báo tử", "submitted", "original", "tiff1", "giay-bao-tu"),
            _c("Căn cước công dân của người đi khai tử", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Trích lục khai tử", "result", "electronic", "pdf", "trich-luc-khai-tu"),
        ]),
    "tthn": dict(
        ages=(19, 60),
        code="1.004873", name="Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", sector="Hộ tịch",
        level="commune", days=3, abbr="HT", result="Giấy xác nhận tình trạng hôn nhân", permanent=True,
        legal="Thông tư 10/2022/TT-BNV", access="restricted",
        keywords=("tình trạng hôn nhân", "độc thân"),
        components=[
            _c("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "submitted", "original", "pdf", "to-khai-xac-nhan-tthn"),
            _c("Căn cước công dân của người yêu cầu", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Giấy xác nhận tình trạng hôn nhân", "result", "electronic", "pdf", "giay-xac-nhan-tthn"),
        ]),
    "trich-luc": dict(
        code="2.000635", name="Thủ tục cấp bản sao Trích lục hộ tịch", sector="Hộ tịch",
        level="commune", days=0, abbr="HT", result="Bản sao trích lục hộ tịch", permanent=False, years=20,
        legal="Thông tư 10/2022/TT-BNV", access="restricted",
        keywords=("trích lục", "bản sao"),
        components=[
            _c("Tờ khai cấp bản sao trích lục hộ tịch", "submitted", "original", "pdf", "to-khai-trich-luc"),
            _c("Bản sao trích lục hộ tịch", "result", "electronic", "pdf", "ban-sao-trich-luc"),
        ]),
    "gpxd": dict(
        ages=(25, 70),
        code="1.009794", name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", sector="Xây dựng",
        level="district", days=15, abbr="XD", result="Giấy phép xây dựng", permanent=True,
        legal="Thông tư 10/2022/TT-BNV", access="open", unit="xd",
        keywords=("giấy phép xây dựng", "nhà ở riêng lẻ"),
        components=[
            _c("Đơn đề nghị cấp giấy phép xây dựng", "submitted", "original", "pdf", "don-de-nghi-cap-gpxd", pages=2),
            _c("Bản sao Giấy chứng nhận quyền sử dụng đất", "submitted", "certified-copy", "tiff1", "gcn-qsdd", pages=2),
            _c("Bản vẽ mặt bằng công trình", "submitted", "original", "png", "ban-ve-mat-bang"),
            _c("Bản vẽ mặt đứng công trình", "submitted", "original", "png", "ban-ve-mat-dung", optional=True),
            _c("Căn cước công dân của chủ đầu tư", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Giấy phép xây dựng", "result", "original", "pdfimg", "giay-phep-xay-dung", pages=2),
        ]),
    "hkd": dict(
        ages=(22, 60),
        code="2.000720", name="Đăng ký thành lập hộ kinh doanh",
        sector="Thành lập và hoạt động của hộ kinh doanh", level="district", days=3, abbr="KD",
        result="Giấy chứng nhận đăng ký hộ kinh doanh", permanent=False, years=20,
        legal="Thông tư 10/2022/TT-BNV", access="open", unit="kd",
        keywords=("hộ kinh doanh", "đăng ký kinh doanh"),
        components=[
            _c("Giấy đề nghị đăng ký hộ kinh doanh", "submitted", "original", "pdf", "giay-de-nghi-dang-ky-hkd"),
            _c("Căn cước công dân của chủ hộ kinh doanh", "submitted", "copy", "cccd", "cccd"),
            _c("Ảnh chụp mặt tiền địa điểm kinh doanh", "other", "original", "jpeg", "anh-dia-diem", optional=True),
            _c("Giấy chứng nhận đăng ký hộ kinh doanh", "result", "electronic", "pdf", "giay-chung-nhan-dkhkd"),
        ]),
    "thuong-tru": dict(
        ages=(18, 70),
        code="1.004194", name="Đăng ký thường trú", sector="Đăng ký, quản lý cư trú", level="commune",
        days=7, abbr="CTR", result="Thông báo kết quả giải quyết đăng ký thường trú", permanent=False,
        years=20, legal="Thông tư 10/2022/TT-BNV", access="restricted", police=True,
        keywords=("thường trú", "cư trú"),
        components=[
            _c("Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "submitted", "original", "pdf", "to-khai-ct01"),
            _c("Giấy tờ chứng minh chỗ ở hợp pháp", "submitted", "copy", "tiff1", "cho-o-hop-phap", pages=2),
            _c("Căn cước công dân của người đăng ký", "submitted", "copy", "cccd", "cccd", optional=True),
            _c("Thông báo kết quả giải quyết đăng ký cư trú", "result", "electronic", "pdf", "thong-bao-ket-qua"),
        ]),
    "tam-tru": dict(
        ages=(18, 55),
        code="1.004222", name="Đăng ký tạm trú", sector="Đăng ký, quản lý cư trú", level="commune",
        days=3, abbr="CTR", result="Thông báo kết quả giải quyết đăng ký tạm trú", permanent=False,
        years=10, legal="Thông tư 10/2022/TT-BNV", access="restricted", police=True,
        keywords=("tạm trú", "cư trú"),
        components=[
            _c("Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "submitted", "original", "pdf", "to-khai-ct01"),
            _c("Hợp đồng thuê nhà", "submitted", "copy", "tiff1", "hop-dong-thue-nha", pages=2),
            _c("Thông báo kết quả giải quyết đăng ký cư trú", "result", "electronic", "pdf", "thong-bao-ket-qua"),
        ]),
}
DEFAULT_AGES = (18, 82)


def applicant_ages(proc_key: str) -> tuple[int, int]:
    return PROCEDURES[proc_key].get("ages", DEFAULT_AGES)


PROCEDURE_WEIGHTS = (("ban-sao", 30), ("chu-ky", 12), ("khai-sinh", 14), ("ket-hon", 6),
                     ("khai-tu", 5), ("tthn", 8), ("trich-luc", 5), ("gpxd", 6), ("hkd", 5),
                     ("thuong-tru", 5), ("tam-tru", 4))

COPY_DOCUMENTS = ("Giấy chứng nhận quyền sử dụng đất", "Bằng tốt nghiệp trung học phổ thông",
                  "Giấy khai sinh", "Học bạ trung học phổ thông", "Giấy chứng nhận đăng ký xe mô tô",
                  "Hợp đồng mua bán nhà ở", "Bằng tốt nghiệp đại học", "Thông báo mã số thuế",
                  "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở", "Sổ hộ khẩu",
                  "Giấy phép lái xe", "Quyết định nghỉ hưu")
MULTI_PAGE_DOCUMENTS = {"Giấy chứng nhận quyền sử dụng đất": 2, "Học bạ trung học phổ thông": 2,
                        "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở": 2,
                        "Hợp đồng mua bán nhà ở": 2, "Sổ hộ khẩu": 2}
SIGN_DOCUMENTS = ("Giấy ủy quyền", "Đơn xin xác nhận", "Bản cam kết", "Đơn đề nghị vay vốn",
                  "Giấy ủy quyền nhận lương hưu", "Văn bản thỏa thuận phân chia di sản")
TTHN_PURPOSES = ("để đăng ký kết hôn", "để vay vốn ngân hàng", "để làm thủ tục mua bán nhà đất",
                 "để bổ sung hồ sơ xin việc", "để làm thủ tục xuất khẩu lao động")
BUSINESSES = ("Tạp hóa {g}", "Quán cà phê {p}", "Cửa hàng vật liệu xây dựng {p}", "Tiệm may {g}",
              "Quán bánh canh Mạ {n}", "Quán cơm {g}", "Cửa hàng điện thoại {g}",
              "Tiệm sửa xe máy {g}", "Quán bún bò {p}", "Cơ sở sản xuất nước mắm {p}")
BUSINESS_PLACES = ("Thạch Hãn", "Thành Cổ", "Cửa Việt", "Hiền Lương", "Hải Thượng", "Đông Hà",
                   "Ái Tử", "La Vang", "Nhan Biều")
ORDINALS = ("Hai", "Ba", "Tư", "Năm", "Sáu")
ORGANIZATIONS = ("Công ty TNHH Xây dựng Thạch Hãn", "Công ty TNHH MTV Thương mại Thành Cổ",
                 "Công ty Cổ phần Vận tải Đường 9", "Hợp tác xã Dịch vụ nông nghiệp Triệu Thành",
                 "Công ty TNHH Thủy sản Cửa Việt", "Công ty TNHH Tư vấn thiết kế Hiền Lương")
ORG_COPY_DOCUMENTS = ("Giấy chứng nhận đăng ký doanh nghiệp", "Thông báo mã số thuế",
                      "Giấy chứng nhận quyền sử dụng đất", "Giấy chứng nhận đăng ký hợp tác xã")


# --------------------------------------------------------------------------- time helpers

def fmt_dt(t: dt.datetime) -> str:
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}+07:00"


def vn(y, mo, d, h=0, mi=0, s=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


def is_workday(d: dt.date) -> bool:
    return d.weekday() < 5


def next_workday(d: dt.date) -> dt.date:
    d += dt.timedelta(days=1)
    while not is_workday(d):
        d += dt.timedelta(days=1)
    return d


def add_workdays(d: dt.date, n: int) -> dt.date:
    for _ in range(n):
        d = next_workday(d)
    return d


def due_at(received: dt.datetime, days: int) -> dt.datetime:
    """Hẹn trả kết quả at 16:30.  A dossier received on a day off or after 17:00 counts as
    received on the next working day.  days == 0 ("trong ngày"): that day, or the next working
    day when received after 15:00; otherwise `days` working days later."""
    d = received.date()
    hm = (received.hour, received.minute)
    late = False
    if not is_workday(d) or hm >= (17, 0):
        d = next_workday(d)
    elif hm >= (15, 0):
        late = True
    if days == 0:
        if late:
            d = next_workday(d)
    else:
        d = add_workdays(d, days)
    return vn(d.year, d.month, d.day, 16, 30)


# --------------------------------------------------------------------------- XML

def _el(out, ind, tag, text):
    out.append(f"{ind}<{tag}>{xml_escape(text)}</{tag}>")


def _agency_xml(out, ind, tag, a):
    out.append(f"{ind}<{tag}>")
    _el(out, ind + "  ", "code", a["code"])
    _el(out, ind + "  ", "name", a["name"])
    if a.get("valid_from"):
        _el(out, ind + "  ", "validFrom", a["valid_from"].isoformat())
    if a.get("valid_to"):
        _el(out, ind + "  ", "validTo", a["valid_to"].isoformat())
    out.append(f"{ind}</{tag}>")


def render_xml(d: dict, namespace: str = "urn:hoso:dossier:1") -> str:
    """Serialise a dossier dict (see make_dossier in the scripts) as pretty-printed XML text.

    Text values are written exactly as given (callers apply tone style / NFD beforehand).
    """
    o = ['<?xml version="1.0" encoding="UTF-8"?>',
         f'<dossier xmlns="{namespace}" schemaVersion="1.0">']
    i1, i2, i3, i4 = "  ", "    ", "      ", "        "
    _el(o, i1, "dossierNumber", d["number"])
    if d.get("local_code"):
        _el(o, i1, "localCode", d["local_code"])
    o.append(f"{i1}<archivalCode>")
    _el(o, i2, "organId", d["organ_id"])
    _el(o, i2, "year", str(d["archival_year"]))
    _el(o, i2, "fileNotation", d["file_notation"])
    o.append(f"{i1}</archivalCode>")
    _el(o, i1, "title", d["title"])
    p = d["procedure"]
    o.append(f"{i1}<procedure>")
    _el(o, i2, "code", p["code"])
    _el(o, i2, "name", p["name"])
    _el(o, i2, "sector", p["sector"])
    _el(o, i2, "level", p["level"])
    o.append(f"{i1}</procedure>")
    _agency_xml(o, i1, "receivingAgency", d["receiving"])
    _agency_xml(o, i1, "handlingAgency", d["handling"])
    ap = d["applicant"]
    o.append(f'{i1}<applicant kind="{ap["kind"]}">')
    _el(o, i2, "fullName", ap["full_name"])
    if ap.get("citizen_id"):
        _el(o, i2, "citizenId", ap["citizen_id"])
    ad = ap["address"]
    o.append(f"{i2}<address>")
    _el(o, i3, "detail", ad["detail"])
    _el(o, i3, "commune", ad["commune"])
    if ad.get("district"):
        _el(o, i3, "district", ad["district"])
    _el(o, i3, "province", ad["province"])
    o.append(f"{i2}</address>")
    if ap.get("phone"):
        _el(o, i2, "phone", ap["phone"])
    if ap.get("email"):
        _el(o, i2, "email", ap["email"])
    o.append(f"{i1}</applicant>")
    _el(o, i1, "submissionChannel", d["channel"])
    _el(o, i1, "receivedAt", fmt_dt(d["received"]))
    _el(o, i1, "dueAt", fmt_dt(d["due"]))
    if d.get("completed"):
        _el(o, i1, "completedAt", fmt_dt(d["completed"]))
    if d.get("returned"):
        _el(o, i1, "returnedAt", fmt_dt(d["returned"]))
    _el(o, i1, "status", d["status"])
    r = d.get("result")
    if r:
        o.append(f"{i1}<result>")
        _el(o, i2, "documentType", r["document_type"])
        if r.get("number"):
            _el(o, i2, "number", r["number"])
        if r.get("notation"):
            _el(o, i2, "notation", r["notation"])
        _el(o, i2, "issuedOn", r["issued_on"].isoformat())
        _el(o, i2, "issuer", r["issuer"])
        if r.get("signer"):
            _el(o, i2, "signer", r["signer"])
        _el(o, i2, "componentRef", r["component_ref"])
        o.append(f"{i1}</result>")
    rt = d["retention"]
    o.append(f"{i1}<retention>")
    if rt.get("permanent"):
        o.append(f"{i2}<permanent/>")
    else:
        _el(o, i2, "years", str(rt["years"]))
    _el(o, i2, "legalBasis", rt["legal"])
    o.append(f"{i1}</retention>")
    _el(o, i1, "accessMode", d["access"])
    _el(o, i1, "language", d.get("language", "vi"))
    if d.get("keywords"):
        o.append(f"{i1}<keywords>")
        for k in d["keywords"]:
            _el(o, i2, "keyword", k)
        o.append(f"{i1}</keywords>")
    _el(o, i1, "pageCount", str(d["page_count"]))
    _el(o, i1, "documentCount", str(d["document_count"]))
    dg = d.get("digitization")
    if dg:
        o.append(f"{i1}<digitization>")
        _el(o, i2, "digitizedAt", fmt_dt(dg["at"]))
        _el(o, i2, "operator", dg["operator"])
        if dg.get("device"):
            _el(o, i2, "device", dg["device"])
        if dg.get("dpi"):
            _el(o, i2, "resolutionDpi", str(dg["dpi"]))
        if dg.get("color"):
            _el(o, i2, "colorMode", dg["color"])
        o.append(f"{i1}</digitization>")
    o.append(f"{i1}<components>")
    for c in d["components"]:
        o.append(f'{i2}<component id="{xml_attr(c["id"])}" role="{c["role"]}" copyType="{c["copy_type"]}">')
        _el(o, i3, "name", c["name"])
        _el(o, i3, "file", c["file"])
        _el(o, i3, "mediaType", c["media_type"])
        _el(o, i3, "pages", str(c["pages"]))
        _el(o, i3, "size", str(c["size"]))
        if c.get("sha256"):
            _el(o, i3, "sha256", c["sha256"])
        o.append(f"{i2}</component>")
    o.append(f"{i1}</components>")
    o.append("</dossier>")
    return "\n".join(o) + "\n"


# --------------------------------------------------------------------------- TIFF container

def tiff_gray8(width: int, height: int, pixels: bytes, description: str | None = None,
               dpi: int = 200, software: str = "hoso synthetic scan") -> bytes:
    """Baseline little-endian TIFF: one uncompressed 8-bit BlackIsZero strip.

    Layout: header (8) | IFD | out-of-line values | pixel strip.  len(pixels) == width*height.
    """
    return tiff_pages([(width, height, 8, pixels)], description, dpi, software)


def tiff_pages(pages, description: str | None = None, dpi: int = 200,
               software: str = "hoso synthetic scan") -> bytes:
    """Multi-page baseline TIFF. pages = [(width, height, bits (8 or 1), data)], one strip each.

    8-bit pages are BlackIsZero grayscale; 1-bit pages are WhiteIsZero bitonal (rows padded
    to whole bytes).  Every IFD precedes its strip; offsets are word aligned.
    """
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    prev_next_ptr = 4
    desc = (description.encode("ascii", "replace") + b"\x00") if description else None
    soft = software.encode("ascii", "replace") + b"\x00"
    npages = len(pages)
    for index, (w, h, bits, data) in enumerate(pages):
        if len(out) % 2:
            out += b"\x00"
        ifd_off = len(out)
        struct.pack_into("<I", out, prev_next_ptr, ifd_off)
        entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, bits), (259, 3, 1, 1),
                   (262, 3, 1, 1 if bits == 8 else 0)]
        if desc:
            entries.append((270, 2, len(desc), desc))
        entries += [(273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, len(data)),
                    (282, 5, 1, (dpi, 1)), (283, 5, 1, (dpi, 1)), (296, 3, 1, 2)]
        if npages > 1:
            entries.append((297, 3, 2, (index, npages)))
        entries.append((305, 2, len(soft), soft))
        n = len(entries)
        ifd_size = 2 + 12 * n + 4
        extra_off = ifd_off + ifd_size
        extra = bytearray()
        body = bytearray(struct.pack("<H", n))
        strip_entry_pos = None
        for tag, typ, count, val in entries:
            if typ == 2:                                  # ASCII
                if count <= 4:
                    body += struct.pack("<HHI", tag, typ, count) + val.ljust(4, b"\x00")
                else:
                    body += struct.pack("<HHII", tag, typ, count, extra_off + len(extra))
                    extra += val + (b"\x00" if len(val) % 2 else b"")
            elif typ == 5:                                # RATIONAL
                body += struct.pack("<HHII", tag, typ, count, extra_off + len(extra))
                extra += struct.pack("<II", *val)
            elif typ == 3 and count == 2:                 # two SHORTs inline
                body += struct.pack("<HHIHH", tag, typ, count, *val)
            elif typ == 3:
                body += struct.pack("<HHIHH", tag, typ, count, val, 0)
            else:
                if tag == 273:
                    strip_entry_pos = len(body) + 8
                body += struct.pack("<HHII", tag, typ, count, val)
        next_ptr_pos = ifd_off + len(body)
        body += b"\x00\x00\x00\x00"
        strip_off = extra_off + len(extra)
        struct.pack_into("<I", body, strip_entry_pos, strip_off)
        out += body
        out += extra
        out += data
        prev_next_ptr = next_ptr_pos
    return bytes(out)


# --------------------------------------------------------------------------- people

def make_person(rng, home_agency: str, on: dt.date, female: bool | None = None,
                min_age: int = 18, max_age: int = 82, key=None) -> dict:
    """A synthetic individual living in the area of `home_agency` (any agency key)."""
    if female is None:
        female = rng.random() < 0.5
    name = person_name(rng, female)
    birth_year = on.year - rng.randint(min_age, max_age)
    detail, home_key = home_detail(rng, home_agency)
    p = dict(kind="individual", key=key, name=name, female=female, birth_year=birth_year,
             citizen_id=citizen_id(rng, birth_year, female), home_detail=detail, home_key=home_key,
             phone=phone_number(rng) if rng.random() < 0.9 else None, email=None)
    if rng.random() < 0.25:
        p["email"] = f"{slug(name).replace('-', '')}{birth_year % 100:02d}@example.com"
    return p


def make_organization(rng, home_agency: str, name: str | None = None, key=None) -> dict:
    detail, home_key = home_detail(rng, home_agency)
    name = name or rng.choice(ORGANIZATIONS)
    return dict(kind="organization", key=key, name=name, female=False, birth_year=None,
                citizen_id=None, home_detail=detail, home_key=home_key, phone=phone_number(rng),
                email=f"lienhe.{slug(name).split('-')[-1]}@example.com" if rng.random() < 0.5 else None)


def honorific(p: dict, on: dt.date) -> str:
    age = on.year - (p.get("birth_year") or on.year - 40)
    if age >= 45:
        return "bà" if p["female"] else "ông"
    return "chị" if p["female"] else "anh"


# --------------------------------------------------------------------------- dossier planning

PROC_INDEX = {k: i + 1 for i, k in enumerate(PROCEDURES)}
RESULT_STATUSES = ("completed", "returned")


def office_start(t: dt.datetime) -> dt.datetime:
    """t itself during office hours of a working day, else the next opening (07:30)."""
    d = t.date()
    if is_workday(d) and (7, 30) <= (t.hour, t.minute) < (17, 0):
        return t
    if is_workday(d) and (t.hour, t.minute) < (7, 30):
        return vn(d.year, d.month, d.day, 7, 30)
    d = next_workday(d)
    return vn(d.year, d.month, d.day, 7, 30)


def _minutes(rng, lo, hi):
    return dt.timedelta(minutes=rng.randint(lo, hi))


def plan_times(rng, received: dt.datetime, days: int, status: str, timing: str = "ontime"):
    """(due, completed, returned) for a dossier; timing in ontime / early / late."""
    due = due_at(received, days)
    completed = returned = None
    base = office_start(received)
    if status in RESULT_STATUSES:
        if timing == "late":
            completed = office_start(due + _minutes(rng, 60, 3 * 24 * 60))
            if completed <= due:
                completed = due + _minutes(rng, 20, 300)
        else:
            span = (due - base).total_seconds()
            if days == 0:
                completed = base + _minutes(rng, 10, 150)
            else:
                lo, hi = (0.05, 0.3) if timing == "early" else (0.4, 0.97)
                completed = base + dt.timedelta(seconds=int(span * (lo + (hi - lo) * rng.random())))
            if completed > due:
                completed = due - _minutes(rng, 1, 20)
            if completed < received:
                completed = received + _minutes(rng, 5, 30)
        completed = completed.replace(second=rng.randrange(60))
        if status == "returned":
            returned = office_start(completed + _minutes(rng, 20, 2 * 24 * 60))
            returned = returned.replace(second=rng.randrange(60))
            if returned < completed:
                returned = completed + _minutes(rng, 5, 60)
    elif status == "rejected" and rng.random() < 0.6:
        completed = base + _minutes(rng, 30, 600)
        if completed > due:
            completed = due
        completed = completed.replace(second=rng.randrange(60))
    return due, completed, returned


def select_components(rng, proc_key: str, status: str, want_cccd: bool | None = None,
                      optional_p: float = 0.5) -> list[dict]:
    """Template components for a dossier (copies of the templates, ids c1..cn assigned)."""
    out = []
    for t in PROCEDURES[proc_key]["components"]:
        if t["role"] == "result" and status not in RESULT_STATUSES:
            continue
        if t["kind"] == "cccd" and want_cccd is not None:
            if not want_cccd:
                continue
        elif t["optional"] and rng.random() >= optional_p:
            continue
        out.append(dict(t))
    for n, c in enumerate(out, 1):
        c["id"] = f"c{n}"
    return out


def title_for(rng, proc_key: str, person: dict, on: dt.date, extras: dict,
              desk: str | None = None) -> tuple[str, list, dict]:
    """(title, extra keywords, component-name overrides by stem)."""
    name = person["name"]
    kw: list[str] = []
    names: dict[str, str] = {}
    addr = address_for(person["home_detail"], person["home_key"], on)
    if proc_key in ("thuong-tru", "tam-tru") and desk:
        desk_area = address_for("", MERGED_FROM.get(desk, (desk,))[0], on)
        if (addr["commune"], addr["district"]) != (desk_area["commune"], desk_area["district"]):
            detail, key = home_detail(rng, desk)     # the new residence lies in the desk's commune
            addr = address_for(detail, key, on)
    place = f"{addr['detail']}, {lower_first(addr['commune'])}"
    if proc_key == "khai-sinh":
        female_child = rng.random() < 0.5
        surname = name.split()[0] if (not person["female"] or rng.random() < 0.3) else pick_surname(rng)
        child = extras.get("child") or f"{surname} {rng.choice(BABY_F if female_child else BABY_M)}"
        return f"Đăng ký khai sinh cho cháu {child}", [child], names
    if proc_key == "ket-hon":
        partner = extras.get("partner") or person_name(rng, not person["female"])
        groom, bride = (partner, name) if person["female"] else (name, partner)
        return f"Đăng ký kết hôn giữa anh {groom} và chị {bride}", [groom, bride], names
    if proc_key == "ban-sao":
        docs = ORG_COPY_DOCUMENTS if person["kind"] == "organization" else COPY_DOCUMENTS
        doc = extras.get("doc") or rng.choice(docs)
        names["ban-chinh"] = f"{doc} (bản chính)"
        names["ban-sao-chung-thuc"] = f"Bản sao {lower_first(doc)} đã chứng thực"
        names["ban-chinh:pages"] = names["ban-sao-chung-thuc:pages"] = MULTI_PAGE_DOCUMENTS.get(doc, 1)
        return f"Chứng thực bản sao {doc}", [doc], names
    if proc_key == "chu-ky":
        doc = extras.get("doc") or rng.choice(SIGN_DOCUMENTS)
        names["van-ban-can-chung-thuc"] = doc
        names["van-ban-da-chung-thuc"] = f"{doc} đã chứng thực chữ ký"
        return f"Chứng thực chữ ký trên {lower_first(doc)} của {name}", [doc], names
    if proc_key == "khai-tu":
        female = rng.random() < 0.5
        dead = extras.get("deceased") or person_name(rng, female)
        return f"Đăng ký khai tử cho {'bà' if female else 'ông'} {dead}", [dead], names
    if proc_key == "tthn":
        purpose = extras.get("purpose") or rng.choice(TTHN_PURPOSES)
        return (f"Cấp giấy xác nhận tình trạng hôn nhân cho {honorific(person, on)} {name} {purpose}",
                [], names)
    if proc_key == "trich-luc":
        what = rng.choice(("khai sinh", "kết hôn", "khai sinh"))
        return f"Cấp bản sao trích lục {what} cho {name}", [f"trích lục {what}"], names
    if proc_key == "gpxd":
        t = f"Cấp giấy phép xây dựng nhà ở riêng lẻ tại {place}"
        if extras.get("canal"):
            t += f" ({extras['canal']})"
            kw.append("thủy lợi")
        return t, kw, names
    if proc_key == "hkd":
        biz = extras.get("business")
        if not biz:
            biz = rng.choice(BUSINESSES).format(g=name.split()[-1], p=rng.choice(BUSINESS_PLACES),
                                                n=rng.choice(ORDINALS))
        return f"Đăng ký thành lập hộ kinh doanh {biz}", [biz], names
    if proc_key == "thuong-tru":
        return f"Đăng ký thường trú cho {name} tại {place}", [], names
    if proc_key == "tam-tru":
        return f"Đăng ký tạm trú cho {name} tại {place}", [], names
    raise KeyError(proc_key)


def plan_dossier(rng, proc_key: str, desk: str, received: dt.datetime, seq: int, person: dict,
                 status: str = "returned", timing: str = "ontime", with_valid_to: bool = False,
                 extras: dict | None = None, components: list | None = None,
                 channel: str | None = None) -> dict:
    """Everything of a dossier but its files: components carry 'kind', 'stem', no size yet.

    desk: the agency key of the one-stop desk (a commune, a district desk before 2025-07-01,
    or a merged commune after).  Residence procedures are received by that commune's police.
    """
    extras = extras or {}
    proc = PROCEDURES[proc_key]
    a = AGENCIES[desk]
    on = received.date()
    if proc.get("police"):
        receiving = police_view(desk, with_valid_to)
        handling = receiving
    else:
        receiving = agency_view(desk, with_valid_to)
        handling = receiving
        if a["level"] == "district" and proc.get("unit"):
            code, uname = DISTRICT_UNITS[desk][proc["unit"]]
            handling = dict(code=code, name=uname, valid_from=None,
                            valid_to=OLD_NAME_LAST_DAY if with_valid_to else None)
    level = "district" if a["level"] == "district" else "commune"
    number = f"{receiving['code']}-{received:%y%m%d}-{seq:04d}"
    title, kw, comp_names = title_for(rng, proc_key, person, on, extras, desk)
    due, completed, returned = plan_times(rng, received, proc["days"], status, timing)
    if components is None:
        components = select_components(rng, proc_key, status, extras.get("cccd"))
    for c in components:
        if c.get("stem") in comp_names:
            c["name"] = comp_names[c["stem"]]
        if f"{c.get('stem')}:pages" in comp_names:
            c["pages"] = comp_names[f"{c['stem']}:pages"]
    applicant = dict(kind=person["kind"], full_name=person["name"], citizen_id=person["citizen_id"],
                     address=address_for(person["home_detail"], person["home_key"], on),
                     phone=person["phone"], email=person["email"])
    result = None
    if status in RESULT_STATUSES:
        ref = next((c["id"] for c in components if c["role"] == "result"), components[-1]["id"])
        n = rng.randint(1, 420)
        result = dict(document_type=proc["result"], number=str(n), notation=None,
                      issued_on=completed.date(), issuer=handling["name"], signer=None,
                      component_ref=ref)
        if proc_key == "gpxd":
            result["notation"] = f"{n}/GPXD"
        elif proc_key == "hkd":
            result["number"] = f"32A8{rng.randrange(10 ** 6):06d}"
        elif proc_key in ("ban-sao", "chu-ky"):
            result["number"] = f"{n}"
            result["notation"] = "Quyển số 01/" + str(completed.year) + "-SCT/BS" \
                if proc_key == "ban-sao" else "Quyển số 01/" + str(completed.year) + "-SCT/CK"
        if rng.random() < 0.6:
            result["signer"] = person_name(rng, rng.random() < 0.3)
    keywords = list(proc["keywords"]) + kw + list(extras.get("keywords", ()))
    d = dict(number=number, local_code=None, organ_id=receiving["code"], archival_year=received.year,
             file_notation=f"{proc['abbr']}.{PROC_INDEX[proc_key]:02d}.{received.month:02d}",
             title=extras.get("title") or title,
             procedure=dict(code=proc["code"], name=proc["name"], sector=proc["sector"], level=level),
             receiving=receiving, handling=handling, applicant=applicant,
             channel=channel or rng.choice(("in-person", "in-person", "in-person", "online", "online", "postal")),
             received=received, due=due, completed=completed, returned=returned, status=status,
             result=result,
             retention=dict(permanent=proc["permanent"], years=proc.get("years"), legal=proc["legal"]),
             access=proc["access"], language="vi", keywords=keywords, page_count=0, document_count=0,
             digitization=None, components=components)
    if rng.random() < 0.3:
        d["local_code"] = f"MC{received:%y}.{rng.randrange(10 ** 6):06d}"
    if rng.random() < 0.5:
        last = returned or completed or received
        d["digitization"] = dict(at=last + _minutes(rng, 30, 5 * 24 * 60),
                                 operator=person_name(rng, rng.random() < 0.6),
                                 device=rng.choice(SCANNER_DEVICES) if rng.random() < 0.8 else None,
                                 dpi=rng.choice((200, 300, 300)), color=rng.choice(("grayscale", "color", "bitonal")))
    return d


def finalize_text(d: dict, style: str = "old", nfd_fields=()) -> None:
    """Apply a tone-placement style to the free text of a dossier, then NFD to chosen fields.

    nfd_fields: any of 'title', 'applicant', 'keywords', 'components', 'result'.
    """
    st = lambda s: tone_style(s, style) if s else s
    d["title"] = st(d["title"])
    ap = d["applicant"]
    ap["full_name"] = st(ap["full_name"])
    ap["address"] = {k: st(v) if v else v for k, v in ap["address"].items()}
    d["keywords"] = [st(k) for k in d["keywords"]]
    for c in d["components"]:
        c["name"] = st(c["name"])
    if d.get("result"):
        d["result"]["document_type"] = st(d["result"]["document_type"])
        if d["result"].get("signer"):
            d["result"]["signer"] = st(d["result"]["signer"])
    if "title" in nfd_fields:
        d["title"] = nfd(d["title"])
    if "applicant" in nfd_fields:
        ap["full_name"] = nfd(ap["full_name"])
    if "keywords" in nfd_fields:
        d["keywords"] = [nfd(k) for k in d["keywords"]]
    if "components" in nfd_fields:
        for c in d["components"]:
            c["name"] = nfd(c["name"])
    if "result" in nfd_fields and d.get("result"):
        d["result"]["document_type"] = nfd(d["result"]["document_type"])


def finish_counts(d: dict) -> None:
    d["page_count"] = sum(c["pages"] for c in d["components"])
    d["document_count"] = len(d["components"])
