"""How the importer finds a CBP-style table's plain cells (issue 12: speed at national scale).
Structural tests, never timed: the plain digits of a count column and the alphanumeric cells
the blank-row check sees are found by pyarrow's plain tests, so the regular expression only
sees the other cells; and the cells found are the ones the pattern alone finds. The tables
are made up.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from hubdata import cache, importers
from hubdata.importers import import_path

CELLS = ["12", "0", "00012", "99999999999", "999999999999", " 12", "12 ", "\t3", "7.5",
         " 7.25 ", "12.", ".5", "1e5", "+5", "-3", "", " ", "(D)", "1,234", "inf", "\u0663",
         "1_000", "0.000001", "12a", "a"]


def test_plain_cells_are_the_cells_the_pattern_matches():
    column = pa.array(CELLS, type=pa.string())
    for label in ("establishments", "employees", "payroll", "annual_avg_estabs"):
        for blank in (False, True):
            plain = importers._within(label, blank)
            found, digits = plain.cells(column)
            expected = [re.fullmatch(plain.pattern[1:-1], c.strip(" \t\n\r\v\f")) is not None
                        for c in CELLS]
            assert found.tolist() == expected, (label, blank)
            assert not (digits & ~found).any()
            assert digits.tolist() == [c.isascii() and c.isdigit() and len(c) <= plain.digits
                                       for c in CELLS]


def test_the_regular_expression_sees_only_cells_that_are_not_plain_digits(tmp_path,
                                                                         monkeypatch):
    rows = [f"49{1 + 2 * (i % 29):03d},{311000 + i // 29},{i % 9 + 1},{i * 3},{i * 50}\n"
            for i in range(400)]
    rows[7] = "49015,311000, 4,7.5,100\n"  # a spaced and a decimal cell: both plain
    path = tmp_path / "made_up_2021.csv"
    path.write_text("Fips,Naics,Establishments,Employees,Payroll\n" + "".join(rows))
    seen = []
    regex = pc.match_substring_regex
    monkeypatch.setattr(pc, "match_substring_regex",
                        lambda cells, *a, **k: (seen.append(len(cells)), regex(cells, *a, **k))[1])
    report = import_path(path)
    assert report.ok and report.rows == 400
    assert sum(seen) == 2  # the two cells that are not plain digits, not 400 rows x 4 columns
    frame = cache.read("import:cbp_csv", {"file": path.name}).frame
    first = frame[(frame["region_code"] == "49015") & (frame["industry_code"] == "311000")].iloc[0]
    assert (first["establishments"], first["employment"], first["payroll"]) == (4, 7.5, 100_000)
