"""The program overlay (hub -> region -> metrics, next to award dollars), programs_touching,
and the CLI subcommands from programs_cli on a fresh argparse parser. Metric frames here are
tiny and made up."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import responses

from hubdata import http
from hubdata.errors import ConfigError
from hubdata.programs import (BACKS, EMERGING, NO_CLUSTER, NOT_MEASURED, OVERLAY_COLUMNS,
                              hub_overlay, programs_touching)
from hubdata.registry import REGISTRY_PATH, load_registry
from hubdata.sources import usaspending as us

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_SET = "11.020;11.307;47.084"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HUBDATA_OFFLINE", raising=False)
    monkeypatch.setattr(http, "sleep", lambda seconds: None)


def hubs(*names: str) -> pd.DataFrame:
    reg = load_registry()
    return reg[reg["hub_name"].isin(names)].reset_index(drop=True)


OGDEN = "Ogden sporting goods / outdoor products hub"
THETA = "Tulsa Hub for Equitable & Trustworthy Autonomy (THETA)"
DETROIT = "Detroit 'Motor City' motor vehicle hub"


def metrics_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "region_type": ["county", "county", "county", "county", "county", "msa"],
        "region_code": ["49057", "49057", "40143", "40143", "26163", "36260"],
        "region_name": ["Weber", "Weber", "Tulsa", "Tulsa", "Wayne", "Ogden-Clearfield"],
        "industry_code": ["339920", "339920", "336411", "334511", "3361", "339920"],
        "year": [2017, 2021, 2021, 2021, 2021, 2021],
        "lq_employment": [1.1, 3.2, 0.6, 0.9, np.nan, 4.0],
        "employment": [900.0, 1200.0, 300.0, 150.0, np.nan, 2000.0],
        "employment_cagr": [np.nan, 0.05, 0.12, -0.01, np.nan, 0.03],
        "strong_cluster": pd.array([False, True, False, False, pd.NA, True], dtype="boolean"),
        "emerging_score": [np.nan, np.nan, 71.5, np.nan, np.nan, np.nan],
    })


def test_overlay_reads_each_kind_of_hub():
    frame = hub_overlay(hubs(OGDEN, THETA, DETROIT), metrics_frame())
    assert list(frame.columns) == OVERLAY_COLUMNS and len(frame) == 3
    out = frame.set_index("hub_name")
    ogden = out.loc[OGDEN]  # no delineation: the county is used, latest year only
    assert ogden["reading"] == BACKS
    assert (ogden["metrics_region_type"], ogden["metrics_year"], ogden["top_lq"]) == ("county", 2021, 3.2)
    assert "Weber (county 49057)" in ogden["reading_why"]
    theta = out.loc[THETA]
    assert theta["reading"] == EMERGING and theta["emerging_industries"] == "336411"
    assert theta["industries_measured"] == "2 of 3"
    assert theta["top_industry"] == "334511" and theta["focus_employment"] == 450.0
    assert out.loc[DETROIT, "reading"] == NOT_MEASURED  # suppressed cell: not a non-cluster
    assert "suppressed" in out.loc[DETROIT, "reading_why"]


def test_overlay_prefers_the_metro_when_the_delineation_is_given():
    delineation = pd.DataFrame({"county_fips": ["49057", "49011"], "cbsa_code": ["36260", "36260"],
                                "cbsa_title": ["Ogden-Clearfield, UT"] * 2})
    row = hub_overlay(hubs(OGDEN), metrics_frame(), delineation=delineation).iloc[0]
    assert (row["cbsa_code"], row["metrics_region_type"], row["top_lq"]) == ("36260", "msa", 4.0)


def test_overlay_falls_back_to_parent_industry_and_to_lq_rule():
    metrics = pd.DataFrame({"region_code": ["49057", "49"], "industry_code": ["3399", "339920"],
                            "lq_employment": [0.7, 5.0]})
    row = hub_overlay(hubs(OGDEN), metrics).iloc[0]
    assert row["top_industry"] == "3399 (for 339920)"  # county parent beats the state match
    assert row["reading"] == NO_CLUSTER and "LQ >= 1" in row["reading_why"]
    strong = hub_overlay(hubs(OGDEN), metrics.assign(lq_employment=[1.4, 5.0])).iloc[0]
    assert strong["reading"] == BACKS


def test_overlay_without_metrics_or_awards_says_not_measured_and_not_loaded():
    out = hub_overlay(load_registry())
    assert len(out) == 102 and (out["reading"] == NOT_MEASURED).all()
    assert out["usaspending_county_usd"].isna().all()
    assert any("No USAspending" in n for n in out.attrs["notes"])


def test_overlay_rejects_a_metrics_frame_without_keys():
    with pytest.raises(ConfigError, match="industry_code"):
        hub_overlay(hubs(OGDEN), pd.DataFrame({"region_code": ["49057"], "lq": [1.0]}))


def test_overlay_sums_awards_for_one_listing_set():
    awards = pd.DataFrame({
        "fiscal_year": [2022, 2023, 2023, 2023, 2023],
        "geo_layer": ["county", "county", "state", "county", "county"],
        "region_code": ["40143", "40143", "40", "40143", "49011"],
        "program_numbers": [DEFAULT_SET, DEFAULT_SET, DEFAULT_SET, "11.020", DEFAULT_SET],
        "amount_usd": [1_000_000.0, 2_500_000.0, 9_000_000.0, 777.0, 5.0],
    })
    out = hub_overlay(hubs(THETA, OGDEN), awards=awards).set_index("hub_name")
    assert out.loc[THETA, "usaspending_county_usd"] == 3_500_000.0  # 11.020-only row not mixed in
    assert out.loc[THETA, "usaspending_state_usd"] == 9_000_000.0
    assert out.loc[OGDEN, "usaspending_county_usd"] == 0.0  # county layer loaded, nothing there
    assert out.loc[OGDEN, "usaspending_fiscal_years"] == "FY2022-FY2023 (2 years)"
    only = hub_overlay(hubs(THETA), awards=awards, programs=["11.020"]).iloc[0]
    assert only["usaspending_county_usd"] == 777.0 and np.isnan(only["usaspending_state_usd"])


def test_programs_touching_county_state_and_metro():
    county = programs_touching(["49057"])
    assert county["hub_name"].tolist() == [OGDEN] and county["touches"].tolist() == ["anchor county"]
    state = programs_touching(["40"], "state").set_index("hub_name")["touches"]
    assert state[THETA] == "anchor in state"
    assert state["Texoma Semiconductor Tech Hub"] == "hub spans the state"
    assert len(state) == 5
    delineation = pd.DataFrame({"county_fips": ["49057"], "cbsa_code": ["36260"]})
    assert programs_touching(["36260"], "msa", delineation=delineation)["hub_name"].tolist() == [OGDEN]
    with pytest.raises(ConfigError, match="delineation"):
        programs_touching(["36260"], "msa")
    assert programs_touching(["99999"]).empty


def run_cli(argv: list[str]) -> int:
    """The real CLI entry point, so exit codes come from the one place that maps errors."""
    from hubdata.__main__ import main
    return main(argv)


def test_cli_registry_check_ok_and_broken(tmp_path, capsys):
    assert run_cli(["registry", "check"]) == 0
    assert "102 rows" in capsys.readouterr().out
    broken = tmp_path / "hubs.csv"
    text = REGISTRY_PATH.read_text(encoding="utf-8").replace(",49057,", ",4957,")
    broken.write_text(text, encoding="utf-8")
    assert run_cli(["registry", "check", str(broken)]) == 1
    assert capsys.readouterr().err.strip() == (
        "line 99: anchor_county_fips: '4957' is not a 5-digit county FIPS code")


def test_cli_fetch_awards_over_years(capsys):
    body = json.loads((FIXTURES / "usaspending_state.json").read_text(encoding="utf-8"))
    with responses.RequestsMock() as stub:
        stub.post(us.URL, json=body)
        stub.post(us.URL, json={"geo_layer": "state", "results": []})
        code = run_cli(["fetch", "awards", "--years", "2022-2023", "--geo", "state",
                        "--programs", "11.020,47.084"])
        sent = [json.loads(c.request.body) for c in stub.calls]
    assert code == 0
    assert [b["filters"]["program_numbers"] for b in sent] == [["11.020", "47.084"]] * 2
    out = capsys.readouterr().out
    assert "FY2022 state: 3 regions, $55,010,000" in out and "FY2023" in out


def test_cli_fetch_awards_failures_and_usage(capsys):
    with responses.RequestsMock() as stub:
        stub.post(us.URL, status=400, json={"detail": "bad filter"})
        assert run_cli(["fetch", "awards", "--years", "2022", "--geo", "county"]) == 1
    assert "bad filter" in capsys.readouterr().err
    assert run_cli(["fetch", "awards", "--years", "2005", "--geo", "county"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        run_cli(["fetch", "awards", "--years", "20x2", "--geo", "county"])
    assert exit_info.value.code == 2


def test_cli_import_awards(tmp_path, capsys):
    saved = tmp_path / "fy2023_county.json"
    shutil.copy(FIXTURES / "usaspending_county.json", saved)
    assert run_cli(["import-awards", str(saved), "--year", "2023", "--geo", "county"]) == 0
    assert "imported 4 county rows for FY2023" in capsys.readouterr().out
    assert len(us.cached_awards("county")) == 4
    assert run_cli(["import-awards", str(tmp_path / "absent.json"), "--year", "2023",
                    "--geo", "county"]) == 2
    assert run_cli(["import-awards", str(saved), "--year", "2023", "--geo", "state"]) == 1
