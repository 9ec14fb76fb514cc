"""Checks of the agency/unit registry against its real data file and the shared seed pages."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import unicodedata
from pathlib import Path

import pytest

from indexer.registry import DATA_PATH, Entity, Registry
from indexer.textnorm import normalize

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
MAKE_ARCHIVE = SHARED / "tools" / "make_archive.py"

needs_shared = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"shared data not found at {SHARED} (seed checks skipped)")


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.default()


def canon(e: Entity | None) -> str | None:
    return e.canonical if e is not None else None


# ------------------------------------------------------------------ data file


def test_default_is_cached_and_loaded_from_data_file(reg: Registry) -> None:
    assert DATA_PATH.is_file()
    assert Registry.default() is reg


def test_coverage_counts(reg: Registry) -> None:
    kinds = [e.kind for e in reg.entities()]
    assert kinds.count("ministry") >= 22
    assert len(reg.provinces()) == 63
    assert kinds.count("people_committee") == 63
    # 15 department kinds in every province, plus Sở Du lịch / Sở VH&TT where tourism is split off.
    assert kinds.count("department") >= 63 * 15
    assert kinds.count("unit") >= 250
    cities = [p for p in reg.provinces() if p.startswith("thành phố ")]
    assert sorted(cities) == sorted(f"thành phố {n}" for n in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ"))


def test_agencies_are_not_units(reg: Registry) -> None:
    agencies = reg.agencies()
    assert {e.kind for e in agencies} == {"ministry", "government", "department", "people_committee", "broadcaster", "press"}
    names = {e.canonical for e in agencies}
    assert "Bộ Thông tin và Truyền thông" in names
    assert "Đài Phát thanh và Truyền hình tỉnh Lào Cai" in names
    assert "Văn phòng Bộ" not in names


def test_ministry_fields(reg: Registry) -> None:
    mic = reg.resolve("Bộ Thông tin và Truyền thông")
    assert mic is not None
    assert (mic.short, mic.kind, mic.doc_code, mic.province) == ("Bộ TT&TT", "ministry", "BTTTT", None)
    assert "mic.gov.vn" in mic.domains
    expected_domains = {
        "Bộ Văn hóa, Thể thao và Du lịch": "bvhttdl.gov.vn", "Bộ Tài chính": "mof.gov.vn", "Bộ Y tế": "moh.gov.vn",
        "Bộ Giáo dục và Đào tạo": "moet.gov.vn", "Bộ Nội vụ": "moha.gov.vn", "Bộ Công Thương": "moit.gov.vn",
        "Bộ Kế hoạch và Đầu tư": "mpi.gov.vn", "Bộ Tư pháp": "moj.gov.vn",
        "Bộ Nông nghiệp và Phát triển nông thôn": "mard.gov.vn", "Bộ Tài nguyên và Môi trường": "monre.gov.vn",
        "Bộ Giao thông vận tải": "mt.gov.vn", "Bộ Lao động - Thương binh và Xã hội": "molisa.gov.vn",
        "Bộ Khoa học và Công nghệ": "most.gov.vn", "Bộ Xây dựng": "moc.gov.vn",
    }
    for name, domain in expected_domains.items():
        e = reg.entity(name)
        assert e is not None and e.kind == "ministry", name
        assert domain in e.domains, name
    assert reg.entity("Bộ Giáo dục và Đào tạo").doc_code == "BGDĐT"
    assert reg.entity("Bộ Văn hóa, Thể thao và Du lịch").doc_code == "BVHTTDL"


def test_provincial_fields(reg: Registry) -> None:
    e = reg.resolve("Sở TT&TT Lào Cai")
    assert e is not None
    assert e.canonical == "Sở Thông tin và Truyền thông tỉnh Lào Cai"
    assert (e.short, e.kind, e.province) == ("Sở TT&TT Lào Cai", "department", "tỉnh Lào Cai")
    assert "stttt.laocai.gov.vn" in e.domains
    ubnd = reg.resolve("UBND tỉnh Lào Cai")
    assert ubnd is not None and (ubnd.canonical, ubnd.short) == ("Ủy ban nhân dân tỉnh Lào Cai", "UBND tỉnh Lào Cai")
    assert ubnd.kind == "people_committee"
    dai = reg.entity("Đài Phát thanh và Truyền hình tỉnh Lào Cai")
    assert dai is not None and dai.kind == "broadcaster" and "laocaitv.vn" in dai.domains
    dn = reg.entity("Sở Thông tin và Truyền thông thành phố Đà Nẵng")
    assert dn is not None and dn.province == "thành phố Đà Nẵng"


# ------------------------------------------------------------------ resolve

ABBREVIATIONS = {
    "Bộ Thông tin và Truyền thông": ["Bộ TT&TT", "Bộ TTTT", "BTTTT", "Bộ Thông tin & Truyền thông", "Bộ TT và TT"],
    "Bộ Văn hóa, Thể thao và Du lịch": ["Bộ VHTTDL", "Bộ VH,TT&DL", "Bộ VH-TT-DL", "BVHTTDL",
                                        "Bộ Văn hoá, Thể thao và Du lịch"],
    "Bộ Tài chính": ["BTC"],
    "Bộ Y tế": ["BYT"],
    "Bộ Giáo dục và Đào tạo": ["Bộ GD&ĐT", "Bộ GDĐT"],
    "Bộ Nội vụ": ["BNV"],
    "Bộ Công Thương": ["BCT"],
    "Bộ Kế hoạch và Đầu tư": ["Bộ KH&ĐT"],
    "Bộ Tư pháp": ["BTP"],
    "Bộ Nông nghiệp và Phát triển nông thôn": ["Bộ NN&PTNT"],
    "Bộ Tài nguyên và Môi trường": ["Bộ TN&MT"],
    "Bộ Giao thông vận tải": ["Bộ GTVT"],
    "Bộ Lao động - Thương binh và Xã hội": ["Bộ LĐ-TB&XH", "Bộ LĐTBXH"],
    "Bộ Khoa học và Công nghệ": ["Bộ KH&CN"],
    "Bộ Xây dựng": ["BXD"],
    "Sở Thông tin và Truyền thông tỉnh Lào Cai": ["Sở TT&TT Lào Cai", "Sở TT&TT tỉnh Lào Cai", "Sở TTTT Lào Cai",
                                                  "Sở Thông tin và Truyền thông Lào Cai"],
    "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa": ["Sở VHTTDL Thanh Hóa", "Sở VH,TT&DL Thanh Hoá"],
    "Ủy ban nhân dân tỉnh Lào Cai": ["UBND tỉnh Lào Cai", "Uỷ ban nhân dân tỉnh Lào Cai"],
    "Sở Thông tin và Truyền thông thành phố Đà Nẵng": ["Sở TT&TT Đà Nẵng", "Sở TT&TT TP. Đà Nẵng"],
    "Vụ Tổ chức cán bộ": ["Vụ TCCB"],
    "Vụ Kế hoạch - Tài chính": ["Vụ KHTC", "Vụ Kế hoạch – Tài chính"],
    "Vụ Thi đua - Khen thưởng": ["Vụ TĐKT", "Vụ Thi đua, Khen thưởng"],
    "Trung tâm Công nghệ thông tin": ["Trung tâm Công nghệ Thông tin"],
    "Cục Phát thanh, truyền hình và thông tin điện tử": ["Cục Phát thanh, Truyền hình và Thông tin điện tử"],
}


@pytest.mark.parametrize("canonical,variant", [(c, v) for c, vs in ABBREVIATIONS.items() for v in (c, *vs)])
def test_resolve_abbreviations_and_variants(reg: Registry, canonical: str, variant: str) -> None:
    assert canon(reg.resolve(variant)) == canonical


@pytest.mark.parametrize("old,new", [
    ("Sở VHTTDL Thanh Hoá", "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa"),
    ("Sở VHTTDL Thanh Hóa", "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa"),
    ("Sở Y tế tỉnh Hoà Bình", "Sở Y tế tỉnh Hòa Bình"),
    ("UBND tỉnh Khánh Hoà", "Ủy ban nhân dân tỉnh Khánh Hòa"),
    ("Tổng cục Thuỷ lợi", "Tổng cục Thủy lợi"),
    ("Uỷ ban Dân tộc", "Ủy ban Dân tộc"),
])
def test_old_and_new_tone_spellings(reg: Registry, old: str, new: str) -> None:
    assert canon(reg.resolve(old)) == new


def test_nfd_case_and_spacing(reg: Registry) -> None:
    nfd = unicodedata.normalize("NFD", "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa")
    assert nfd != unicodedata.normalize("NFC", nfd)
    assert canon(reg.resolve(nfd)) == "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa"
    assert canon(reg.resolve("  bộ   THÔNG TIN và truyền thông ")) == "Bộ Thông tin và Truyền thông"
    assert canon(reg.resolve("Bộ TT&TT.")) == "Bộ Thông tin và Truyền thông"
    assert canon(reg.resolve("Trung tâm Công nghệ thông tin (Bộ VHTTDL)")) == "Trung tâm Công nghệ thông tin"


@pytest.mark.parametrize("variant,canonical", [
    ("Bộ VH-TT&DL", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("Bộ Văn hóa – Thể thao – Du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("Bộ Thông tin Truyền thông", "Bộ Thông tin và Truyền thông"),
    ("Sở LĐ TB XH tỉnh Lào Cai", "Sở Lao động - Thương binh và Xã hội tỉnh Lào Cai"),
    ("Sở GD & ĐT Hà Nội", "Sở Giáo dục và Đào tạo thành phố Hà Nội"),
])
def test_separators_are_interchangeable(reg: Registry, variant: str, canonical: str) -> None:
    # None of these spellings is listed in the data: ", - – & và" are skipped when matching.
    assert canon(reg.resolve(variant)) == canonical


def test_missing_diacritics(reg: Registry) -> None:
    assert canon(reg.resolve("bo thong tin va truyen thong")) == "Bộ Thông tin và Truyền thông"
    assert canon(reg.resolve("So TTTT Lao Cai")) == "Sở Thông tin và Truyền thông tỉnh Lào Cai"
    assert canon(reg.resolve("vu to chuc can bo")) == "Vụ Tổ chức cán bộ"


def test_missing_diacritics_ambiguous_is_none() -> None:
    # Two real-looking units that differ only in tone marks: without diacritics neither is meant.
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    yte = next(row for row in data["national"] if row["canonical"] == "Bộ Y tế")
    yte["units"].append("Cục Thư y")
    r = Registry(data)
    assert canon(r.resolve("Cục Thú y")) == "Cục Thú y"
    assert canon(r.resolve("Cục Thư y")) == "Cục Thư y"
    assert r.resolve("cuc thu y") is None
    assert canon(Registry.default().resolve("cuc thu y")) == "Cục Thú y"


@pytest.mark.parametrize("name", ["", "   ", "xyz", "Bộ Ngoại thương", "UBND thành phố Lào Cai", "Lào Cai", "Sở Ngoại vụ tỉnh Lào Cai",
                                  "Vụ Không Có Thật", "Sở TT&TT", "Sở Thông tin và Truyền thông", "UBND tỉnh",
                                  "Sở Du lịch tỉnh Lào Cai", "Bộ TT&TT Lào Cai"])
def test_unknown_names_are_none(reg: Registry, name: str) -> None:
    assert reg.resolve(name) is None


def test_bare_provincial_needs_province(reg: Registry) -> None:
    assert canon(reg.resolve("Sở TT&TT", province="tỉnh Lào Cai")) == "Sở Thông tin và Truyền thông tỉnh Lào Cai"
    assert canon(reg.resolve("Sở Thông tin và Truyền thông", "Phú Thọ")) == "Sở Thông tin và Truyền thông tỉnh Phú Thọ"
    assert canon(reg.resolve("UBND tỉnh", province="tỉnh Lào Cai")) == "Ủy ban nhân dân tỉnh Lào Cai"
    # An explicit province in the name wins over the page's.
    assert canon(reg.resolve("Sở TT&TT Yên Bái", province="tỉnh Lào Cai")) == "Sở Thông tin và Truyền thông tỉnh Yên Bái"
    # "UBND tỉnh" on a city's page is not the city's committee.
    assert reg.resolve("UBND tỉnh", province="thành phố Đà Nẵng") is None
    assert reg.resolve("Sở TT&TT", province="tỉnh Không Có") is None


# ------------------------------------------------------------------ domains and provinces


@pytest.mark.parametrize("domain,expected", [
    ("https://mic.gov.vn/x", "Bộ Thông tin và Truyền thông"),
    ("http://www.mic.gov.vn:8080/Pages/TinTuc/1.aspx", "Bộ Thông tin và Truyền thông"),
    ("english.mic.gov.vn", "Bộ Thông tin và Truyền thông"),
    ("bvhttdl.gov.vn", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("MOH.GOV.VN", "Bộ Y tế"),
    ("stttt.laocai.gov.vn", "Sở Thông tin và Truyền thông tỉnh Lào Cai"),
    ("https://sotttt.laocai.gov.vn/tin-tuc", "Sở Thông tin và Truyền thông tỉnh Lào Cai"),
    ("svhttdl.thanhhoa.gov.vn", "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa"),
    ("laocai.gov.vn", "Ủy ban nhân dân tỉnh Lào Cai"),
    ("anything.laocai.gov.vn", "Ủy ban nhân dân tỉnh Lào Cai"),
    ("laocaitv.vn", "Đài Phát thanh và Truyền hình tỉnh Lào Cai"),
    ("toquoc.vn", "Báo Điện tử Tổ Quốc"),
])
def test_for_domain(reg: Registry, domain: str, expected: str) -> None:
    assert canon(reg.for_domain(domain)) == expected


@pytest.mark.parametrize("domain", ["example.com", "gov.vn", "notaprovince.gov.vn", "", "mic.gov.vn.evil.com"])
def test_for_domain_unknown(reg: Registry, domain: str) -> None:
    assert reg.for_domain(domain) is None


@pytest.mark.parametrize("text,expected", [
    ("Lào Cai", "tỉnh Lào Cai"), ("laocai", "tỉnh Lào Cai"), ("Lao Cai", "tỉnh Lào Cai"),
    ("tỉnh Lào Cai", "tỉnh Lào Cai"), ("Thanh Hoá", "tỉnh Thanh Hóa"), ("thanh hoa", "tỉnh Thanh Hóa"),
    ("Đà Nẵng", "thành phố Đà Nẵng"), ("TP. Hồ Chí Minh", "thành phố Hồ Chí Minh"), ("TP.HCM", "thành phố Hồ Chí Minh"),
    ("Bà Rịa – Vũng Tàu", "tỉnh Bà Rịa - Vũng Tàu"), ("Bắc Cạn", "tỉnh Bắc Kạn"),
    ("https://stttt.phutho.gov.vn/a", "tỉnh Phú Thọ"),
    ("Hội nghị tại tỉnh Yên Bái ngày 3/8", "tỉnh Yên Bái"),
    ("Giám đốc Sở TT&TT Bắc Kạn phát biểu", "tỉnh Bắc Kạn"),
])
def test_province_of(reg: Registry, text: str, expected: str) -> None:
    assert reg.province_of(text) == expected


@pytest.mark.parametrize("text", ["", "Bộ Thông tin và Truyền thông", "Hội nghị tại Hà Nội", "Paris"])
def test_province_of_none(reg: Registry, text: str) -> None:
    assert reg.province_of(text) is None


# ------------------------------------------------------------------ mentions


def mentions(reg: Registry, text: str, province: str | None = None) -> list[str]:
    return [e.canonical for e in reg.find_mentions(text, province)]


def test_longest_match_wins(reg: Registry) -> None:
    text = "Sở Thông tin và Truyền thông tỉnh Lào Cai phối hợp với Trung tâm Thông tin Du lịch."
    assert mentions(reg, text) == ["Sở Thông tin và Truyền thông tỉnh Lào Cai", "Trung tâm Thông tin Du lịch"]


def test_order_and_dedup(reg: Registry) -> None:
    text = "Bộ TT&TT và Bộ Y tế. Bộ Thông tin và Truyền thông cho biết, Vụ Pháp chế (Bộ TT&TT) sẽ ..."
    assert mentions(reg, text) == ["Bộ Thông tin và Truyền thông", "Bộ Y tế", "Vụ Pháp chế"]


def test_provinces_without_tinh_and_lists(reg: Registry) -> None:
    text = ("Ngày 15/7, tại Sở Thông tin và Truyền thông Phú Thọ, lãnh đạo các Sở TT&TT (Bắc Kạn, Yên Bái, "
            "Hòa Bình) và Sở TT&TT các tỉnh Tuyên Quang, Thái Nguyên dự họp.")
    assert mentions(reg, text) == [f"Sở Thông tin và Truyền thông tỉnh {p}" for p in
                                   ("Phú Thọ", "Bắc Kạn", "Yên Bái", "Hòa Bình", "Tuyên Quang", "Thái Nguyên")]


def test_bare_department_uses_page_province(reg: Registry) -> None:
    text = "Ngày 3/8, Sở Thông tin và Truyền thông đã tổ chức hội nghị; UBND tỉnh chỉ đạo."
    assert mentions(reg, text) == []
    assert mentions(reg, text, "tỉnh Lào Cai") == ["Sở Thông tin và Truyền thông tỉnh Lào Cai",
                                                    "Ủy ban nhân dân tỉnh Lào Cai"]
    # Plural and district-level bodies are never the page's own.
    assert mentions(reg, "lãnh đạo các Sở TT&TT và UBND huyện Bảo Thắng", "tỉnh Lào Cai") == []
    # Lào Cai city (thành phố Lào Cai) lies inside tỉnh Lào Cai: its committee is not the province's.
    assert mentions(reg, "UBND thành phố Lào Cai", "tỉnh Lào Cai") == []
    # A bare "UBND" is as often a commune's as the province's: only "UBND tỉnh" counts.
    assert mentions(reg, "Chủ tịch UBND đã ký quyết định", "tỉnh Lào Cai") == []


def test_head_word_case(reg: Registry) -> None:
    assert mentions(reg, "các trung tâm công nghệ thông tin của tỉnh") == []
    assert mentions(reg, "Trung tâm Công nghệ Thông tin báo cáo") == ["Trung tâm Công nghệ thông tin"]
    assert mentions(reg, "THEO BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH") == ["Bộ Văn hóa, Thể thao và Du lịch"]


def test_nested_and_blocked(reg: Registry) -> None:
    assert mentions(reg, "Thanh tra Bộ Tài chính và Văn phòng UBND tỉnh Lào Cai") == [
        "Thanh tra Bộ", "Bộ Tài chính", "Văn phòng Ủy ban nhân dân", "Ủy ban nhân dân tỉnh Lào Cai"]
    assert mentions(reg, "xây dựng Chính phủ điện tử, Chính phủ số") == []
    # Abbreviations that are also common words are only resolved, never spotted.
    assert mentions(reg, "BTC giải đấu thông báo") == []


def test_mentions_tone_and_nfd(reg: Registry) -> None:
    text = unicodedata.normalize("NFD", "Uỷ ban nhân dân tỉnh Thanh Hoá và Sở VH,TT&DL Thanh Hoá, Tổng cục Thuỷ lợi")
    assert mentions(reg, text) == ["Ủy ban nhân dân tỉnh Thanh Hóa", "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa",
                                   "Tổng cục Thủy lợi"]


def test_loose_mentions_for_queries(reg: Registry) -> None:
    got = [e.canonical for e in reg.find_mentions("so tttt lao cai bo y te", loose=True)]
    assert got == ["Sở Thông tin và Truyền thông tỉnh Lào Cai", "Bộ Y tế"]
    assert mentions(reg, "so tttt lao cai bo y te") == []


def test_find_units_excludes_ministries(reg: Registry) -> None:
    text = "Vụ Pháp chế (Bộ TT&TT) và Sở Y tế Hà Nội, Đài PT-TH tỉnh Yên Bái, UBND tỉnh Lào Cai"
    assert reg.find_units(text) == ["Vụ Pháp chế", "Sở Y tế thành phố Hà Nội",
                                    "Đài Phát thanh và Truyền hình tỉnh Yên Bái", "Ủy ban nhân dân tỉnh Lào Cai"]


def test_alias_forms(reg: Registry) -> None:
    forms = reg.alias_forms("Bộ Thông tin và Truyền thông")
    assert forms[:2] == ["Bộ Thông tin và Truyền thông", "Bộ TT&TT"]
    assert {"Bộ TTTT", "BTTTT"} <= set(forms)
    sở = reg.alias_forms("Sở Thông tin và Truyền thông tỉnh Lào Cai")
    assert {"Sở TT&TT Lào Cai", "Sở TT&TT tỉnh Lào Cai", "Sở TTTT Lào Cai"} <= set(sở)
    assert len(sở) == len({normalize(f).casefold() for f in sở})
    assert reg.alias_forms("Không có") == []


def test_units_and_parents(reg: Registry) -> None:
    assert "Vụ Pháp chế" in [u.canonical for u in reg.units_of("Bộ Y tế")]
    assert "Phòng Công nghệ thông tin" in [u.canonical for u in reg.units_of("Sở TT&TT Lào Cai")]
    assert "Bộ Văn hóa, Thể thao và Du lịch" in reg.parents_of("Trung tâm Công nghệ thông tin")
    assert canon(reg.for_doc_code("QĐ-BTTTT")) == "Bộ Thông tin và Truyền thông"
    assert canon(reg.for_doc_code("BNN-VP")) == "Bộ Nông nghiệp và Phát triển nông thôn"
    assert reg.for_doc_code("XYZ") is None


# ------------------------------------------------------------------ seeds (real pages)

SEED_UNITS = {
    "000": (None, ["Trung tâm Công nghệ thông tin", "Báo Điện tử Tổ Quốc"]),
    "001": (None, ["Vụ Thi đua - Khen thưởng", "Sở Thông tin và Truyền thông tỉnh Phú Thọ",
                   "Sở Thông tin và Truyền thông tỉnh Bắc Kạn"]),
    "002": (None, ["Trung tâm Thông tin"]),
    "003": (None, ["Văn phòng Bộ", "Vụ Tổ chức cán bộ", "Vụ Khoa học, Công nghệ và Môi trường",
                   "Trung tâm Công nghệ thông tin"]),
    "004": ("tỉnh Lào Cai", ["Sở Thông tin và Truyền thông tỉnh Lào Cai"]),
}


@needs_shared
@pytest.mark.parametrize("prefix", sorted(SEED_UNITS))
def test_seed_units(reg: Registry, prefix: str) -> None:
    files = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert files, f"seed {prefix} missing from {SEEDS}"
    province, expected = SEED_UNITS[prefix]
    units = reg.find_units(files[0].read_text(encoding="utf-8"), province)
    for name in expected:
        assert name in units, (name, units)
    assert not any(u.startswith("Bộ ") for u in units)


@needs_shared
def test_seed_004_without_province_names_no_department(reg: Registry) -> None:
    text = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8")
    assert "Sở Thông tin và Truyền thông tỉnh Lào Cai" not in reg.find_units(text)


# ------------------------------------------------------------------ make_archive's tables


@pytest.fixture(scope="module")
def make_archive():  # type: ignore[no-untyped-def]
    if not MAKE_ARCHIVE.is_file():
        pytest.skip(f"{MAKE_ARCHIVE} not found (shared tools absent)")
    spec = importlib.util.spec_from_file_location("_make_archive_for_registry_test", MAKE_ARCHIVE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def test_make_archive_agencies_resolve(reg: Registry, make_archive) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for a in make_archive.AGENCIES:
        for form in (a.name, a.short, *a.aliases):
            got = canon(reg.resolve(form, a.province or None))
            if got != normalize(a.name):
                failures.append((form, got))
        if canon(reg.for_domain(a.domain)) != a.name:
            failures.append((a.domain, canon(reg.for_domain(a.domain))))
        if a.ministry and canon(reg.for_doc_code(a.doc_code)) != a.name:
            failures.append((a.doc_code, canon(reg.for_doc_code(a.doc_code))))
    assert len(make_archive.AGENCIES) >= 20
    assert failures == []


def test_make_archive_units_resolve(reg: Registry, make_archive) -> None:  # type: ignore[no-untyped-def]
    tables = [*make_archive.MINISTRY_COMMON_UNITS, *make_archive.SO_COMMON_UNITS,
              *(u for units in make_archive.KIND_UNITS.values() for u in units),
              *(u for units in make_archive.AGENCY_UNITS.values() for u in units)]
    failures = []
    for unit in tables:
        for form in (unit.name, *unit.aliases):
            e = reg.resolve(form)
            if e is None or e.canonical != unit.name or e.kind != "unit":
                failures.append((form, canon(e)))
            # In running text too, with the case the table uses.
            if unit.name not in reg.find_units(f"Đại diện {form} cho biết"):
                failures.append(("text", form))
    assert len(tables) >= 100
    assert failures == []


# ------------------------------------------------------------------ speed

_PARAGRAPH = (
    "Sáng 8/7, tại Hà Nội, Bộ Thông tin và Truyền thông tổ chức hội nghị sơ kết công tác 6 tháng đầu năm. "
    "Tham dự có lãnh đạo Vụ Thi đua - Khen thưởng, Trung tâm Thông tin, Cục Chuyển đổi số quốc gia và đại diện "
    "các Sở TT&TT (Bắc Kạn, Phú Thọ, Yên Bái). Phát biểu tại hội nghị, Thứ trưởng đề nghị các đơn vị tiếp tục "
    "đẩy mạnh chuyển đổi số, bảo đảm an toàn thông tin mạng, nâng cao chất lượng dịch vụ công trực tuyến và "
    "phối hợp chặt chẽ với UBND tỉnh Lào Cai, Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa trong thời gian tới. "
)


def test_find_mentions_on_a_long_text(reg: Registry) -> None:
    # Speed is measured by bench/extraction.py (pages/s), not asserted here: a timed test flakes
    # on a busy machine.
    text = (_PARAGRAPH * 20).encode("utf-8")[:5 * 1024].decode("utf-8", "ignore")
    assert len(text.encode("utf-8")) > 5000
    assert len(reg.find_mentions(text)) == 9  # ministry, 3 units, 3 Sở TT&TT, UBND, Sở VHTTDL


def test_broken_data_file_is_an_error_that_names_it(tmp_path: Path) -> None:
    from indexer.registry import RegistryError

    bad = tmp_path / "registry.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RegistryError, match="registry.json"):
        Registry.load(bad)
    with pytest.raises(RegistryError, match="cannot read"):
        Registry.load(tmp_path / "missing.json")
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    data["national"][1]["domains"] = list(data["national"][0]["domains"])
    with pytest.raises(RegistryError, match="claimed by"):
        Registry(data)


def test_agency_kinds_are_defined_once() -> None:
    import indexer.entities as entities
    import indexer.extract as extract
    import indexer.query as query

    assert not hasattr(extract, "AGENCY_KINDS") and not hasattr(query, "_AGENCY_KINDS")
    assert entities.UNIT_KINDS < set(entities.KINDS) and entities.PUBLISHER_KINDS < set(entities.KINDS)
    assert "press" in entities.PUBLISHER_KINDS and "press" not in entities.GOVERNMENT_KINDS


def test_press_publishers(reg: Registry) -> None:
    press = [e for e in reg.agencies() if e.kind == "press"]
    assert len(press) >= 100  # national papers and news sites, and the 63 provincial dailies
    assert sum(1 for e in press if e.province) == 63
    for host, name in {"https://tuoitre.vn/a-1.htm": "Báo Tuổi Trẻ", "vnexpress.net": "Báo điện tử VnExpress",
                       "dantri.com.vn": "Báo điện tử Dân trí", "nld.com.vn": "Báo Người Lao Động",
                       "baodautu.vn": "Báo Đầu tư", "cafef.vn": "CafeF", "baochinhphu.vn": "Báo Điện tử Chính phủ",
                       "ictnews.vietnamnet.vn": "Báo VietNamNet", "baolaocai.vn": "Báo Lào Cai"}.items():
        assert canon(reg.for_domain(host)) == name, host
    # Site names as pages write them, bare or in capitals, resolve; in running text only "Báo X" counts.
    assert canon(reg.resolve("TUOI TRE ONLINE")) == "Báo Tuổi Trẻ"
    assert canon(reg.resolve("Dân trí")) == "Báo điện tử Dân trí"
    found = [e.canonical for e in reg.find_mentions("Thanh Niên và Dân trí đưa tin; Báo Lào Cai cũng vậy.")]
    assert found == ["Báo Lào Cai"]
    # A ministry's own newspaper is a press publisher and still listed among its units.
    assert "Báo VietNamNet" in [e.canonical for e in reg.units_of("Bộ Thông tin và Truyền thông")]
    assert reg.parents_of("Báo VietNamNet") == ["Bộ Thông tin và Truyền thông"]
