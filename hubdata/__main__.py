"""Command line: python -m hubdata status | fetch | import | table | rank (+ programs
subcommands).

Exit codes: 0 success, 2 usage or configuration error, 1 data or source error. Every expected
failure is one line on stderr, without a traceback. Each subcommand sets `func(args) -> int`;
hubdata.programs_cli adds its own (`registry check`, `fetch awards`, `import-awards`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hubdata import cache, programs_cli
from hubdata.dataset import LATEST_YEAR
from hubdata.errors import ConfigError, HubDataError
from hubdata.metrics import DEFAULT_MIN_EMPLOYMENT, DEFAULT_MIN_ESTABLISHMENTS

GEOS = ("county", "msa", "state", "us")


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2) instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parse_years(text: str) -> list[int]:
    """'2019-2023' -> [2019, ..., 2023]; '2021' or '2019,2021' also work."""
    years: list[int] = []
    try:
        for part in text.split(","):
            start, _, end = part.strip().partition("-")
            years.extend(range(int(start), int(end or start) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad years {text!r}: use 2019-2023 or 2021") from None
    if not years or any(not 1900 < y < 2100 for y in years):
        raise argparse.ArgumentTypeError(f"bad years {text!r}: use 2019-2023 or 2021")
    return years


def parse_codes(text: str) -> list[str]:
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise argparse.ArgumentTypeError("give at least one NAICS code, e.g. 3399 or 31-33")
    return codes


class _Bar:
    """A tqdm progress bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, desc: str):
        from tqdm import tqdm
        self.bar = tqdm(desc=desc, unit="file", file=sys.stderr, disable=None, leave=False)

    def __call__(self, done: int, total: int, label: str) -> None:
        self.bar.total = total
        self.bar.set_postfix_str(label, refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def _warn(lines) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


# ---- status ------------------------------------------------------------------------------

def cmd_status(args: argparse.Namespace) -> int:
    entries, corrupt = cache.manifest(), cache.corrupt_entries()
    if entries.empty and not corrupt:
        print(f"The cache at {cache.cache_root()} is empty: run `python -m hubdata fetch ...` "
              "or `python -m hubdata import FILE`.")
        return 0
    if not entries.empty:
        shown = entries[["source", "rows", "fetched_at", "age", "stale", "params", "url"]]
        print(f"{len(entries)} cached entries in {cache.cache_root()}:")
        print(shown.fillna("").to_string(index=False))
    unchecked = int((~entries["checksum"]).sum()) if not entries.empty else 0
    if unchecked:
        print(f"{unchecked} of them were written before entries had checksums (no checksum): "
              "they are read as they are; fetch or import them again to add one.")
    for entry in corrupt:
        print(f"corrupt: {entry.path} ({entry.source}"
              + (f", {entry.file}" if entry.file else "") + f"): {entry.advice}")
    return 0


# ---- fetch -------------------------------------------------------------------------------

def cmd_fetch_data(args: argparse.Namespace) -> int:
    from hubdata.dataset import load_observations

    cache.check_writable(args.source)
    bar = _Bar(f"fetch {args.source}")
    try:
        obs = load_observations(args.source, args.years, args.naics, args.geo, args.state,
                                base=args.base, progress=bar)
    finally:
        bar.close()
    _warn(obs.warnings)
    if any(cache.NOT_KEPT in warning for warning in obs.warnings):
        return 1  # fetched, but the disk refused to keep it (said in the warning)
    counts = obs.frame.groupby("year").size()
    for entry in obs.provenance:
        where = entry.get("url") or entry.get("file")
        print(f"{entry['label']} {entry['year']} {entry.get('industry', '')} ({entry['geography']})"
              f": {where}, fetched {entry['fetched_at']}")
    print(f"cached {args.source}: " + ", ".join(f"{y}: {n:,} rows" for y, n in counts.items()))
    return 0


def cmd_fetch_delineation(args: argparse.Namespace) -> int:
    from hubdata.sources.delineation import fetch_delineation

    cache.check_writable("delineation")
    hit = fetch_delineation(args.vintage)
    _warn([hit.warning] if hit.warning else [])
    if hit.warning and cache.NOT_KEPT in hit.warning:
        return 1
    print(f"cached the {args.vintage} delineation: {len(hit.frame):,} counties in "
          f"{hit.frame['cbsa_code'].nunique():,} metro and micro areas ({hit.meta.get('url')})")
    return 0


# ---- import ------------------------------------------------------------------------------

def cmd_import(args: argparse.Namespace) -> int:
    """Import each file whole or not at all; the worst outcome sets the exit code."""
    from hubdata.importers import import_path

    code = 0
    for path in args.paths:
        try:
            report = import_path(path, year=args.year)
        except ConfigError as exc:
            print(f"error: {exc.user_message}", file=sys.stderr)
            code = 2
            continue
        except HubDataError as exc:
            print(f"error: {exc.user_message}", file=sys.stderr)
            code = max(code, 1)
            continue
        print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
        for text in report.rejected_lines():
            print(f"  {text}", file=sys.stderr)
        if not report.ok:
            code = max(code, 1)
    return code


# ---- table and rank ----------------------------------------------------------------------

def file_bytes(table, about: list[tuple[str, str]], fmt: str) -> bytes:
    """hubdata.export's CSV/XLSX (the app's downloads, byte for byte), or JSON."""
    from hubdata import export

    if fmt == "csv":
        return export.table_csv(table, about)
    if fmt == "xlsx":
        return export.table_xlsx(table, about)
    rows = json.loads(export.tidy(table).to_json(orient="records"))
    return json.dumps({"about": dict(about), "rows": rows}, indent=1).encode("utf-8")


def table_bytes(table, provenance: list[dict], fmt: str, selection: dict) -> bytes:
    """The file for a table selection, with export.table_about's provenance block."""
    from hubdata import export

    return file_bytes(table, export.table_about(table, provenance, **selection), fmt)


def _write(data: bytes, output: str | None, rows: int) -> None:
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise ConfigError(f"Cannot write {output}: {exc.strerror}.") from None
        print(f"wrote {rows:,} rows to {output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _year(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and not args.output:
        raise ConfigError("--format xlsx writes a binary file: give -o FILE.xlsx.")
    year = args.year or LATEST_YEAR.get(args.source)
    if year is None:
        raise ConfigError("Give --year for imported data.")
    return int(year)


def cmd_table(args: argparse.Namespace) -> int:
    """One industry pick (a code, theme:<id> or codes:a+b) at a geography, or the chosen
    regions (--regions), through hubdata.views: the tables the dashboard shows."""
    from hubdata import views

    year = _year(args)
    bar = _Bar("load")

    def loader(*selection):  # hubdata.views' per-code loader, with the progress bar
        return views.code_table(*selection, progress=bar)

    options = {"min_employment": args.min_employment,
               "min_establishments": args.min_establishments}
    try:
        if args.regions:
            if args.state:
                raise ConfigError("--state narrows a geography; with --regions name the "
                                  "regions themselves.")
            tokens = views.parse_region_tokens(args.regions)
            if args.start:
                table, provenance, warnings = views.compare_rows(
                    args.source, args.start, year, tokens, args.naics, args.base, table=loader,
                    **options)
            else:
                table, provenance, warnings = views.region_rows(
                    args.source, year, tokens, args.naics, args.base, table=loader)
        elif args.start:  # growth, shift-share, quadrant, strong flags, emerging score
            table, provenance, warnings = views.growth_table(
                args.source, args.start, year, args.geo, args.naics, args.state, args.base,
                table=loader, **options)
        else:
            table, provenance, warnings = views.industry_table(
                args.source, year, args.geo, args.naics, args.state, args.base, table=loader)
    finally:
        bar.close()
    _warn(warnings)
    if args.regions:
        filters = {"source": args.source, "start": args.start, "year": year,
                   "naics": args.naics, "regions": ";".join(tokens), "base": args.base}
        about = views.about(table, provenance, filters, title="Hub Atlas regions table") + [
            ("note", note) for note in table.attrs.get("notes", [])]
        data = file_bytes(table, about, args.format)
    else:
        selection = {"source": args.source, "year": year, "geo": args.geo, "naics": args.naics,
                     "state": args.state, "base": args.base}
        data = table_bytes(table, provenance, args.format, selection)
    _write(data, args.output, len(table))
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    """The Emerging hubs page's ranking (hubdata.ranking.leaderboard), as its download."""
    from hubdata import ranking, views
    from hubdata.dataset import load_national

    year = _year(args)
    bar = _Bar("load")
    try:
        obs = load_national(args.source, (args.start, year), progress=bar)
    finally:
        bar.close()
    _warn(obs.warnings)
    board = ranking.leaderboard(obs, args.source, args.start, year, args.geo, args.level,
                                args.min_employment, args.min_establishments)
    for note in board.notes:
        print(f"note: {note}", file=sys.stderr)
    summary = board.summary
    print(f"{summary['eligible']:,} of {summary['pairs']:,} pairs ranked; left out: " + (
        "; ".join(f"{reason}: {n:,}" for reason, n in summary["left_out"].items()) or "none"),
        file=sys.stderr)
    table = ranking.rank_table(board.ranked, args.find, args.top)
    filters = ranking.rank_filters(args.source, args.start, year, args.geo, args.level,
                                   args.min_employment, args.min_establishments, args.find)
    about = views.about(table, board.provenance, filters, title=ranking.RANK_TITLE)
    _write(file_bytes(table, about, args.format), args.output, len(table))
    return 0


# ---- parser ------------------------------------------------------------------------------

def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--geo", choices=GEOS, default="county", help="geography (default county)")
    p.add_argument("--state", default=None, help="narrow to one state: postal code or FIPS")
    p.add_argument("--base", default="us",
                   help="base area for location quotients: us | state:SS | cbsa:NNNNN")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m hubdata",
                    description="Hub Atlas data layer: fetch, import and tabulate federal "
                                "industry data.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status = sub.add_parser("status", help="what is cached, from where, how old",
                            description="List every cached file: source, rows, age, URL.")
    status.set_defaults(func=cmd_status)

    fetch = sub.add_parser("fetch", help="download source data into the cache",
                           description="Download data into the cache (with a progress bar).")
    fetch_sub = fetch.add_subparsers(dest="fetch_what", required=True, metavar="SOURCE")
    for source, text in (("qcew", "BLS QCEW annual averages (no key)"),
                         ("cbp", "Census County Business Patterns (needs CENSUS_API_KEY)")):
        p = fetch_sub.add_parser(source, help=text, description=f"Fetch {text}.")
        p.add_argument("--years", type=parse_years, required=True, help="e.g. 2019-2023")
        p.add_argument("--naics", type=parse_codes, required=True,
                       help="NAICS code(s), comma-separated, e.g. 3399,5221")
        _add_data_options(p)
        p.set_defaults(func=cmd_fetch_data, source=source)
    delin = fetch_sub.add_parser("delineation", help="OMB county -> metro delineation (Census)",
                                 description="Download the Census list1 delineation file.")
    delin.add_argument("--vintage", type=int, default=2023, help="delineation year (2023)")
    delin.set_defaults(func=cmd_fetch_delineation)

    imp = sub.add_parser("import", help="load files you already have into the cache",
                         description="Import QCEW CSV slices, Census CBP API JSON, CBP-style "
                                     "CSV tables or the OMB delineation file. Each file is "
                                     "imported whole or not at all; rejected lines are listed.")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--year", type=int, default=None,
                     help="data year for files without a year column (default: the year in "
                          "the file name)")
    imp.set_defaults(func=cmd_import)

    table = sub.add_parser("table", help="the download table (CSV, XLSX or JSON)",
                           description="One row per region for one industry and year: "
                                       "employment, establishments, payroll, totals, location "
                                       "quotients, suppression flags, source and vintage.")
    table.add_argument("--year", type=int, default=None,
                       help=f"data year (default: latest, QCEW {LATEST_YEAR['qcew']}, "
                            f"CBP {LATEST_YEAR['cbp']})")
    table.add_argument("--naics", required=True,
                       help="a NAICS code (5221, 31-33), a hub theme (theme:sporting_goods: its "
                            "codes summed per region) or a code list (codes:339920+423910)")
    table.add_argument("--regions", default=None,
                       help="instead of every region at --geo, these regions, ';'-separated: "
                            "county:49057, msa:36260, state:49, or a custom region "
                            "'Wasatch Front:49011,49035,49057' (its counties summed)")
    table.add_argument("--start", type=int, default=None,
                       help="start year: adds growth, shift-share, quadrant, strong-cluster "
                            "and emerging-hub columns for START..YEAR")
    table.add_argument("--min-employment", type=float, default=DEFAULT_MIN_EMPLOYMENT,
                       help=f"emerging score: jobs needed in the start year "
                            f"({DEFAULT_MIN_EMPLOYMENT:.0f})")
    table.add_argument("--min-establishments", type=float, default=DEFAULT_MIN_ESTABLISHMENTS,
                       help=f"emerging score: establishments needed in the start year "
                            f"({DEFAULT_MIN_ESTABLISHMENTS:.0f})")
    _add_data_options(table)
    table.add_argument("--source", choices=("qcew", "cbp", "import"), default="qcew",
                       help="data source (default qcew; import = files loaded with import)")
    table.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    table.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    table.set_defaults(func=cmd_table)

    rank = sub.add_parser("rank", help="the emerging-hub ranking (the Emerging hubs page)",
                          description="Every region x industry at one geography and NAICS "
                                      "level, ranked by the emerging-hub score from START to "
                                      "YEAR (docs/methodology.md): eligible pairs best first, "
                                      "as the Emerging hubs page shows and downloads them. "
                                      "BLS QCEW uses its national files (tens of MB a year, "
                                      "cached); import uses every imported file.")
    rank.add_argument("--start", type=int, required=True, help="start year")
    rank.add_argument("--year", type=int, default=None,
                      help=f"end year (default: latest, QCEW {LATEST_YEAR['qcew']})")
    rank.add_argument("--geo", choices=("county", "msa", "state"), default="county",
                      help="geography (default county)")
    rank.add_argument("--level", type=int, choices=range(2, 7), default=6, metavar="2..6",
                      help="NAICS digits (default 6)")
    rank.add_argument("--min-employment", type=int, default=int(DEFAULT_MIN_EMPLOYMENT),
                      help=f"jobs needed in the start year ({DEFAULT_MIN_EMPLOYMENT:.0f})")
    rank.add_argument("--min-establishments", type=int, default=int(DEFAULT_MIN_ESTABLISHMENTS),
                      help=f"establishments needed in the start year "
                           f"({DEFAULT_MIN_ESTABLISHMENTS:.0f})")
    rank.add_argument("--source", choices=("qcew", "import"), default="qcew",
                      help="data source (default qcew; import = files loaded with import)")
    rank.add_argument("--find", default="",
                      help="only rows matching these words or code starts (the page's filter)")
    rank.add_argument("--top", type=int, default=None, help="only the first N rows")
    rank.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    rank.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    rank.set_defaults(func=cmd_rank)

    programs_cli.add_subcommands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc.user_message}", file=sys.stderr)
        return 2
    except HubDataError as exc:
        print(f"error: {exc.user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
