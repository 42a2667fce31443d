"""Command line: python -m hubdata status | fetch | import | table | rank | clusters |
compare-sources (+ programs subcommands).

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


def cmd_fetch_concordance(args: argparse.Namespace) -> int:
    from hubdata.sources.concordance import URLS, fetch_concordance

    for pair in URLS:
        hit = fetch_concordance(*pair, refresh=args.refresh)
        _warn([hit.warning] if hit.warning else [])
        print(f"cached the NAICS {pair[0]}->{pair[1]} concordance: {len(hit.frame):,} code pairs "
              f"({hit.meta.get('url')})")
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
    if args.year:
        return int(args.year)
    if args.source not in ("qcew", "cbp"):
        raise ConfigError("Give --year for imported data.")
    from hubdata.discovery import latest

    newest = latest(args.source)
    if newest.basis != "published":
        print(f"note: {newest.note}", file=sys.stderr)
    return newest.year


def cmd_table(args: argparse.Namespace) -> int:
    """One industry pick (a code, theme:<id> or codes:a+b) at a geography, or the chosen
    regions (--regions), through hubdata.views: the tables the dashboard shows."""
    from hubdata import views

    if args.quarter and not args.year:
        raise ConfigError("Give --year with --quarter (e.g. --year 2025 --quarter 4).")
    year = _year(args)
    args.naics = _industry(args)
    bar = _Bar("load")

    def loader(*selection, **quarter):  # hubdata.views' per-code loader, with the progress bar
        return views.code_table(*selection, progress=bar, **quarter)

    period = {"quarter": args.quarter}
    options = {"min_employment": args.min_employment,
               "min_establishments": args.min_establishments, **period}
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
                    args.source, year, tokens, args.naics, args.base, table=loader, **period)
        elif args.start:  # growth, shift-share, quadrant, strong flags, emerging score
            table, provenance, warnings = views.growth_table(
                args.source, args.start, year, args.geo, args.naics, args.state, args.base,
                table=loader, **options)
        else:
            table, provenance, warnings = views.industry_table(
                args.source, year, args.geo, args.naics, args.state, args.base, table=loader,
                **period)
    finally:
        bar.close()
    _warn(warnings)
    if args.sort:
        table = views.ranked(table, args.sort)
    if args.regions:
        filters = {"source": args.source, "start": args.start, "year": year,
                   "quarter": args.quarter, "naics": args.naics, "regions": ";".join(tokens), "base": args.base}
        about = views.about(table, provenance, filters, title="Hub Atlas regions table") + [
            ("note", note) for note in table.attrs.get("notes", [])]
        data = file_bytes(table, about, args.format)
    else:
        selection = {"source": args.source, "year": year, "geo": args.geo, "naics": args.naics,
                     "state": args.state, "base": args.base, "sort": args.sort,
                     "quarter": args.quarter}
        data = table_bytes(table, provenance, args.format, selection)
    _write(data, args.output, len(table))
    return 0


def _industry(args: argparse.Namespace) -> str:
    """--naics, or --cluster as 'cluster:<code>' (argparse allows one of the two)."""
    if args.cluster:
        from hubdata.clusters import PREFIX, cluster_code

        return PREFIX + cluster_code(args.cluster)
    return args.naics


def cmd_rank(args: argparse.Namespace) -> int:
    """The Emerging hubs page's ranking (hubdata.clusters.emerging: NAICS codes by default
    here, (region, traded cluster) pairs with --clusters), as its download."""
    from hubdata import clusters, ranking, views
    from hubdata.dataset import load_national

    year = _year(args)
    bar = _Bar("load")
    try:
        obs = load_national(args.source, (args.start, year), progress=bar)
    finally:
        bar.close()
    _warn(obs.warnings)
    kind = "clusters" if args.clusters or args.cluster else "naics"
    board = clusters.emerging(obs, args.source, args.start, year, args.geo, args.level,
                              args.min_employment, args.min_establishments, kind=kind,
                              cluster=args.cluster, traded=args.traded_only)
    for note in board.notes:
        print(f"note: {note}", file=sys.stderr)
    summary = board.summary
    print(f"{summary['eligible']:,} of {summary['pairs']:,} pairs ranked; left out: " + (
        "; ".join(f"{reason}: {n:,}" for reason, n in summary["left_out"].items()) or "none"),
        file=sys.stderr)
    table = ranking.rank_table(board.ranked, args.find, args.top)
    filters = ranking.rank_filters(args.source, args.start, year, args.geo, args.level,
                                   args.min_employment, args.min_establishments, args.find)
    filters.update(clusters.rank_filters(kind, args.cluster, args.traded_only))
    about = views.about(table, board.provenance, filters, title=ranking.RANK_TITLE)
    _write(file_bytes(table, about, args.format), args.output, len(table))
    return 0


# ---- clusters ----------------------------------------------------------------------------

def _national_data(args: argparse.Namespace, year: int):
    """(start year, national observations) of a command with _add_national_options: --start,
    else the pages' default (five years back, or the earliest earlier year; 0 = none)."""
    from hubdata import clusters, views
    from hubdata.dataset import load_national

    available = views.imported_years() if args.source == "import" else range(2001, year + 1)
    start = None if args.start == 0 else args.start or clusters.default_start(available, year)
    bar = _Bar("load")
    try:
        obs = load_national(args.source, [y for y in (start, year) if y], progress=bar)
    finally:
        bar.close()
    _warn(obs.warnings)
    return start, obs


def cmd_clusters(args: argparse.Namespace) -> int:
    """A region's traded-cluster portfolio (hubdata.clusters.region_portfolio), the file the
    Cluster portfolio page downloads for the same region, years and base."""
    from hubdata import clusters, views

    if args.list:
        table = clusters.cluster_list()
        _write(table.to_csv(index=False, lineterminator="\n").encode("utf-8"), args.output,
               len(table))
        return 0
    if not args.region:
        raise ConfigError("Give --region, e.g. county:49057, msa:36260, state:49 or "
                          "'custom:Wasatch Front:49011,49035,49057' (or --list).")
    region = views.parse_region_tokens(args.region)
    if len(region) != 1:
        raise ConfigError("--region takes one region.")
    year = _year(args)
    start, obs = _national_data(args, year)
    portfolio = clusters.region_portfolio(obs, region[0], year, start, base=args.base)
    for note in portfolio.notes:
        print(f"note: {note}", file=sys.stderr)
    table = clusters.portfolio_file_table(portfolio, args.table)
    about = clusters.portfolio_about(portfolio, args.source, args.base, args.table)
    _write(file_bytes(table, about, args.format), args.output, len(table))
    return 0


# ---- compare-sources ---------------------------------------------------------------------

def cmd_compare_sources(args: argparse.Namespace) -> int:
    """BLS QCEW and Census CBP side by side for one cell (hubdata.compare), with why they
    differ: a readable table (default), or the table as CSV/XLSX/JSON with the notes."""
    from hubdata.compare import compare_sources, region_label

    if args.format == "xlsx" and not args.output:
        raise ConfigError("--format xlsx writes a binary file: give -o FILE.xlsx.")
    result = compare_sources(args.region, args.naics, args.year)
    where = region_label(result.region)
    about = [("title", "Hub Atlas: BLS QCEW and Census CBP side by side"),
             ("region", where), ("industry", f"NAICS {result.naics}"),
             ("year", str(result.year)), ("ownership", "private"),
             *[("source", p.get("url") or p.get("file") or p.get("label"))
               for p in result.provenance], *[("note", n) for n in result.notes]]
    if args.format != "text":
        _write(file_bytes(result.table, about, args.format), args.output, len(result.table))
        return 0
    shown = result.table.set_index("measure")[["qcew", "cbp", "cbp_minus_qcew",
                                                "cbp_vs_qcew_pct"]]
    lines = [f"{where}, NAICS {result.naics}, {result.year} (private)",
             shown.to_string(float_format=lambda v: f"{v:,.1f}", na_rep="-"), "",
             "What each measures:"]
    lines += [f"  {r.measure}: QCEW {r.qcew_measures}; CBP {r.cbp_measures}"
              for r in result.table.itertuples()]
    lines += ["", "Why they differ:", *[f"- {n}" for n in result.notes], "",
              "Sources:", *[f"- {v}" for k, v in about if k == "source"]]
    text = "\n".join(lines) + "\n"
    if args.output:
        _write(text.encode("utf-8"), args.output, len(result.table))
    else:
        print(text, end="")
    return 0


# ---- find --------------------------------------------------------------------------------

def cmd_find(args: argparse.Namespace) -> int:
    """The hub finder's answer (hubdata.finder) for a business: plain text, the figures as
    CSV/XLSX (the page's downloads), or the one-page PDF."""
    from hubdata import clusters, finder, views

    if args.format in ("xlsx", "pdf") and not args.output:
        raise ConfigError(f"--format {args.format} writes a binary file: give -o FILE.{args.format}.")
    place = finder.resolve_place(args.county, args.zip)
    if args.year:
        year = int(args.year)
    elif args.source == "import":
        years = [y for y, kinds in views.imported_coverage().items() if "county" in kinds]
        if not years:
            raise ConfigError("No imported county data: run `python -m hubdata import FILE`.")
        year = max(years)
    else:
        year = _year(args)
    industry = finder.resolve_industry(args.industry, clusters.data_vintage(
        year, "import:cbp" if args.source == "import" else args.source))
    if industry.matches:
        print(f"note: {args.industry!r} also matches " + "; ".join(
            f"{c} {t}" for c, t in industry.matches[:5]) + " (give the code to choose)",
            file=sys.stderr)
    start, obs = _national_data(args, year)
    found = finder.find(obs, args.source, industry, place, year, start, base=args.base)
    if args.format == "text":
        _write(finder.finding_text(found).encode("utf-8"), args.output, len(found.answers))
        return 0
    if args.format == "pdf":
        _write(finder.finding_pdf(found), args.output, len(found.answers))
        return 0
    _write(file_bytes(found.figures, finder.finding_about(found), args.format), args.output,
           len(found.figures))
    return 0


# ---- parser ------------------------------------------------------------------------------

def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--geo", choices=GEOS, default="county", help="geography (default county)")
    p.add_argument("--state", default=None, help="narrow to one state: postal code or FIPS")
    p.add_argument("--base", default="us",
                   help="base area for location quotients: us | state:SS | cbsa:NNNNN")


def _add_national_options(p: argparse.ArgumentParser, year_help: str, what: str) -> None:
    """--year, --start, --base and --source of the commands that read national data."""
    p.add_argument("--year", type=int, default=None, help=year_help)
    p.add_argument("--start", type=int, default=None,
                   help=f"{what} since this year (default: five years back, or the earliest "
                        f"earlier year of the data, as the page; 0 = no {what})")
    p.add_argument("--base", default="us",
                   help="base area for location quotients: us | state:SS | cbsa:NNNNN")
    p.add_argument("--source", choices=("qcew", "import"), default="qcew",
                   help="data source (default qcew; import = files loaded with import)")


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
    conc = fetch_sub.add_parser("concordance", help="Census NAICS concordances 2012->2017->2022",
                                description="Download the Census NAICS 2012->2017 and "
                                            "2017->2022 concordances (cached for good): they "
                                            "bridge the cluster definitions to current codes.")
    conc.add_argument("--refresh", action="store_true", help="download again")
    conc.set_defaults(func=cmd_fetch_concordance)
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
                       help="data year (default: the newest published year, found at run "
                            "time: hubdata.discovery)")
    pick = table.add_mutually_exclusive_group(required=True)
    pick.add_argument("--naics", default=None,
                       help="a NAICS code (5221, 31-33), a hub theme (theme:sporting_goods: its "
                            "codes summed per region), a code list (codes:339920+423910) or a "
                            "cluster (cluster:41)")
    pick.add_argument("--cluster", default=None,
                      help="instead of --naics, a benchmark cluster: its code or key (41, "
                           "recreational_and_small_electric_goods); its member codes summed")
    table.add_argument("--regions", default=None,
                       help="instead of every region at --geo, these regions, ';'-separated: "
                            "county:49057, msa:36260, state:49, or a custom region "
                            "'Wasatch Front:49011,49035,49057' (its counties summed)")
    table.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), default=None,
                       help="a QCEW quarter of --year (live or imported quarterly files): "
                            "month 3 employment, LQs on the quarter's own totals; with --start "
                            "the same quarter of START")
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
    table.add_argument("--sort", default=None, metavar="COLUMN",
                       help="rows by COLUMN, largest first, blank values last (the Explore "
                            "page's order: --sort lq_employment); default: by region code")
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
                      help="end year (default: the newest published year, found at run time)")
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
    rank.add_argument("--clusters", action="store_true",
                      help="rank (region, traded cluster) pairs instead of NAICS codes (the "
                           "Emerging hubs page's default)")
    rank.add_argument("--cluster", default=None,
                      help="rank the regions of one cluster (code or key, e.g. 41)")
    rank.add_argument("--traded-only", action="store_true",
                      help="NAICS codes: only codes in traded clusters, re-scored among them")
    rank.add_argument("--find", default="",
                      help="only rows matching these words or code starts (the page's filter)")
    rank.add_argument("--top", type=int, default=None, help="only the first N rows")
    rank.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    rank.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    rank.set_defaults(func=cmd_rank)

    clus = sub.add_parser("clusters", help="a region's traded-cluster portfolio",
                          description="Every traded benchmark cluster of one region: employment, "
                                      "LQ, national rank, strong flags, growth since START, pay, "
                                      "withheld member codes; the summary (traded share, traded "
                                      "vs local pay) in the provenance block. The file the "
                                      "Cluster portfolio page downloads. Uses the national data "
                                      "(QCEW national files, or every imported file).")
    clus.add_argument("--region", default=None,
                      help="county:49057, msa:36260, state:49 or 'custom:Name:49011,49057'")
    _add_national_options(clus, "data year (default: the newest published year, found at run "
                                "time)", "growth")
    clus.add_argument("--table", choices=("portfolio", "related", "local"), default="portfolio",
                      help="the traded clusters (default), related clusters to grow into, or "
                           "the local clusters")
    clus.add_argument("--list", action="store_true", help="list the benchmark clusters")
    clus.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    clus.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    clus.set_defaults(func=cmd_clusters)

    compare = sub.add_parser(
        "compare-sources", help="BLS QCEW and Census CBP side by side for one cell",
        description="Employment, establishments, payroll and average pay of one region, "
                    "industry and year from both BLS QCEW and Census CBP, with why they "
                    "differ. CBP needs CENSUS_API_KEY (or an imported CBP file of the cell).")
    compare.add_argument("--region", required=True,
                         help="county:49057, msa:36260, state:UT (or state:49) or us")
    compare.add_argument("--naics", required=True, help="one NAICS code, e.g. 339920")
    compare.add_argument("--year", type=int, required=True, help="data year")
    compare.add_argument("--format", choices=("text", "csv", "xlsx", "json"), default="text")
    compare.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    compare.set_defaults(func=cmd_compare_sources)

    find = sub.add_parser(
        "find", help="is a business in a hub? (the Hub finder page)",
        description="For a business's industry and county (or ZIP code): is the county and its "
                    "metro a hub for the industry and its benchmark cluster; if not, the "
                    "nearest hubs; related clusters it is strong in; federal programs and "
                    "designated hubs to talk to; peer businesses nearby; next steps. Uses the "
                    "national data (QCEW national files, or every imported file).")
    find.add_argument("--industry", required=True,
                      help="words ('sporting goods manufacturing') or a NAICS code of any level")
    where = find.add_mutually_exclusive_group(required=True)
    where.add_argument("--county", help="a county name ('Weber County, UT') or 5-digit FIPS")
    where.add_argument("--zip", help="a 5-digit ZIP code (its main county, from the zipcodes "
                                     "package)")
    _add_national_options(find, "data year (default: the newest year with county rows)",
                          "trend")
    find.add_argument("--format", choices=("text", "csv", "xlsx", "pdf"), default="text",
                      help="text (default), every number used as CSV/XLSX, or the one-page PDF")
    find.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    find.set_defaults(func=cmd_find)

    programs_cli.add_subcommands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(lambda: args.func(args))


def guarded(call) -> int:
    """Run a command (call() -> exit code): a hubdata error becomes one stderr line and exit
    2 (usage, configuration) or 1 (data, source); also for `python -m ui.brief`."""
    try:
        return call()
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
