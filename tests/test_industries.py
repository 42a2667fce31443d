"""NAICS titles, levels, vintages and the hub-theme CSV."""

from __future__ import annotations

import pytest

from hubdata import industries
from hubdata.errors import ConfigError


def test_titles_levels_and_hyphenated_sectors():
    assert industries.title("339920") == "Sporting and Athletic Goods Manufacturing"
    assert industries.title("31_33") == "Manufacturing"
    assert industries.title("5112", vintage=2017) == "Software Publishers"
    assert industries.title("999999") == "999999"                # unknown: the code itself
    assert industries.title("339920", labels={"339920": "Source label"}) == "Source label"
    assert industries.titles(["00", "3361", "3361"]).tolist() == [
        "All industries", "Motor Vehicle Manufacturing", "Motor Vehicle Manufacturing"]
    assert [industries.level(c) for c in ["00", "31-33", "336", "3361", "336111"]] == [0, 2, 3, 4, 6]
    assert industries.sector("336111") == "31-33" and industries.sector("541713") == "54"


def test_naics_vintage_by_source_and_year():
    assert industries.naics_vintage(2022, "cbp") == 2017     # CBP asks NAICS2017 through 2022
    assert industries.naics_vintage(2023, "cbp") == 2022
    assert industries.naics_vintage(2022, "qcew") == 2022
    assert industries.naics_vintage(2015, "import:cbp") == 2012


def test_vintage_notes_name_codes_that_cross_the_change():
    notes = industries.vintage_notes(["5112", "334"], ["513210", "334"], 2019, 2023, "cbp")
    assert len(notes) == 1 and "5112, 513210" in notes[0] and "not in NAICS 2022: 5112" in notes[0]
    assert industries.vintage_notes(["334"], ["334"], 2017, 2021, "cbp") == []


def test_seed_themes_have_codes_and_focus_regions():
    themes = industries.load_themes()
    assert {"sporting_goods", "semiconductors", "apparel", "motor_vehicles", "tech"} <= set(themes)
    ogden = themes["sporting_goods"]
    assert "339920" in ogden.codes() and set(ogden.focus_counties) == {"49057", "49011", "49029"}
    assert themes["semiconductors"].codes() == ("334413", "333242", "541713")
    assert themes["tech"].codes(2017) != themes["tech"].codes(2022)
    assert "5112" in themes["tech"].codes(2017) and "513210" in themes["tech"].codes(2022)
    assert themes["apparel"].focus_counties == ("06037",)
    for theme in themes.values():
        for code in theme.codes(2022):
            assert industries.title(code) != code, f"{code} has no NAICS 2022 title"


def test_theme_csv_is_validated(tmp_path):
    bad = tmp_path / "themes.csv"
    bad.write_text("theme_id,name,hub,naics_2017,naics_2022,focus_counties,focus_cbsas,why\n"
                   "x,X,Here,33A,33A,01001,,made up\n")
    with pytest.raises(ConfigError, match="33A"):
        industries.load_themes(bad)
    with pytest.raises(ConfigError):
        industries.theme("no_such_theme")


def test_qcew_aggregates_are_titled_as_what_they_are():
    assert industries.qcew_aggregate("1013").parts == ("31-33",)
    assert industries.qcew_aggregate("101").kind == "domain"
    assert industries.qcew_aggregate("3361") is None and industries.qcew_aggregate("10").kind == "total"
    # a source label "Manufacturing" must not make supersector 1013 look like NAICS 31-33
    assert industries.title("1013", labels={"1013": "Manufacturing"}) == (
        "Manufacturing (QCEW supersector 1013, not a NAICS code)")
    assert industries.title("102") == "Service-providing (QCEW domain 102, not a NAICS code)"
    # every supersector belongs to exactly one domain, and 12 supersectors exist
    supersectors = [a for a in industries.QCEW_AGGREGATES.values() if a.kind == "supersector"]
    domains = industries.QCEW_AGGREGATES["101"].parts + industries.QCEW_AGGREGATES["102"].parts
    assert sorted(domains) == sorted(a.code for a in supersectors) and len(supersectors) == 12


@pytest.mark.parametrize("code, words", [
    ("1013", "1013 is QCEW supersector 1013 'Manufacturing' (NAICS sectors 31-33), a group BLS "
             "QCEW publishes, not a NAICS code: ask for NAICS 31-33."),
    ("1023", "ask for NAICS 52 or 53"),
    ("101", "ask for the NAICS sectors 11, 21, 23, 31-33")])
def test_check_naics_refuses_qcew_aggregates(code, words):
    with pytest.raises(ConfigError) as info:
        industries.check_naics(code)
    assert words in str(info.value)


def test_check_naics_passes_naics_codes():
    assert [industries.check_naics(c) for c in ("3361", "31_33", "00", "10")] == [
        "3361", "31-33", "00", "10"]
