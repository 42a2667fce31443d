"""Deep-link parsing (ui.state): typed values, validation, and that nothing a URL holds raises."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui import state

REGIONS = state.Param("regions", state.parse_region, [], many=state.MAX_REGIONS)
PARAMS = [
    state.Param("year", state.year_parser(2001, 2024), 2024),
    state.Param("naics", state.parse_naics, "339920"),
    state.Param("geo", state.choice(["county", "msa", "state"]), "county"),
    state.Param("state", state.parse_optional_state, "", text=state.state_text),
    state.Param("min", state.int_parser(0, 1_000_000), 0),
    state.Param("indexed", state.parse_bool, False),
    REGIONS,
]


def test_valid_values_are_typed_and_canonical():
    values, notes = state.parse_query(
        {"year": "2019", "naics": "31-33", "geo": "MSA", "state": "ut", "min": "1,000",
         "indexed": "true", "regions": "county:49057;msa:36260;state:UT"}, PARAMS)
    assert notes == []
    assert values == {"year": 2019, "naics": "31-33", "geo": "msa", "state": "49", "min": 1000,
                      "indexed": True,
                      "regions": ["county:49057", "msa:36260", "state:49"]}


@pytest.mark.parametrize("key,value,reason", [
    ("year", "1850", "outside 2001-2024"),
    ("year", "20x9", "not a 4-digit year"),
    ("naics", "3399201", "not a NAICS code"),
    ("naics", "33;DROP TABLE", "not a NAICS code"),
    ("geo", "planet", "not one of county, msa, state"),
    ("state", "ZZ", "not a state"),
    ("min", "-5", "not a whole number"),
    ("indexed", "maybe", "not true or false"),
])
def test_invalid_values_are_ignored_with_a_reason(key, value, reason):
    values, notes = state.parse_query({key: value}, PARAMS)
    assert key not in values
    assert len(notes) == 1 and notes[0].startswith(f"{key}=") and reason in notes[0]


def test_a_long_choice_list_is_not_quoted_back():
    param = state.Param("naics", state.choice([str(100 + i) for i in range(50)]), "100")
    _, notes = state.parse_query({"naics": "999"}, [param])
    assert notes == ["naics='999' (not a known value)"]


def test_unknown_parameters_are_reported_unless_ignored():
    _, notes = state.parse_query({"foo": "1", "utm_source": "x"}, PARAMS, ignore=["utm_source"])
    assert notes == ["unknown parameter 'foo'"]


def test_region_lists_keep_valid_items_dedupe_and_cap_at_ten():
    tokens = [f"county:{49001 + 2 * i:05d}" for i in range(12)]
    raw = ";".join(["county:49057", "county:49057", "county:4905", *tokens])
    values, notes = state.parse_query({"regions": raw}, [REGIONS])
    assert len(values["regions"]) == 10 and values["regions"][0] == "county:49057"
    assert any("county:4905" in n and "5-digit" in n for n in notes)
    assert any("only the first 10" in n for n in notes)


def test_repeated_keys_are_read_as_a_list():
    values, notes = state.parse_query({"regions": ["state:49", "state:06"]}, [REGIONS])
    assert values["regions"] == ["state:49", "state:06"] and notes == []


def test_custom_regions_use_hubdata_encoding():
    token = state.parse_region("custom:Wasatch Front:49057,49011,49011")
    assert token == "custom:Wasatch Front:49011,49057"
    assert state.region_parts(token) == ("custom", "Wasatch Front:49011,49057")
    with pytest.raises(ValueError):
        state.parse_region("custom:<img src=x>:49057")
    with pytest.raises(ValueError):
        state.parse_region("custom:NoCounties:")


def test_to_url_round_trips():
    for param, value in [(PARAMS[0], 2019), (PARAMS[3], "49"), (PARAMS[5], True),
                         (REGIONS, ["county:49057", "custom:A:49011,49057"])]:
        parsed, notes = state.parse_query({param.name: param.to_url(value)}, [param])
        assert notes == [] and parsed[param.name] == value


def test_notice_text_quotes_values_without_markup():
    _, notes = state.parse_query({"naics": "`**x**`[a](http://e.vil)<script>"}, PARAMS)
    text = state.notice_text(notes)
    assert text.startswith("Some link parameters were ignored")
    for dangerous in ("`", "<", ">", "[", "]", "*"):
        assert dangerous not in text.split("naics=")[1]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=60),
                                                       st.lists(st.text(max_size=30),
                                                                max_size=4))))
def test_no_query_string_can_raise(raw):
    values, notes = state.parse_query(raw, PARAMS)
    assert set(values) <= {p.name for p in PARAMS}
    assert isinstance(notes, list)
