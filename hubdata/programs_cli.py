"""CLI subcommands for federal cluster programs: `registry check`, `fetch awards`, `import-awards`.

hubdata/__main__.py calls add_subcommands(subparsers). Each handler returns an exit code:
0 ok, 1 data/source problem, 2 usage/config problem; problems go to stderr, one per line.
`fetch` may already exist (other sources); then `awards` is added under it.
"""

from __future__ import annotations

import argparse
import sys


def _parse_years(text: str) -> list[int]:
    """"2021-2024" -> [2021, ..., 2024]; "2022" -> [2022]; "2021,2023" -> [2021, 2023]."""
    try:
        years: list[int] = []
        for part in text.split(","):
            start, _, end = part.strip().partition("-")
            years.extend(range(int(start), int(end or start) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad years {text!r}: use 2021-2024 or 2022") from None
    if not years:
        raise argparse.ArgumentTypeError(f"bad years {text!r}: use 2021-2024 or 2022")
    return years


def _parse_programs(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def cmd_registry_check(args: argparse.Namespace) -> int:
    from hubdata.errors import HubDataError
    from hubdata.registry import registry_problems

    try:
        problems, rows = registry_problems(args.path)
    except HubDataError as exc:
        print(exc.user_message, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"registry ok: {rows} rows")
    return 0


def cmd_fetch_awards(args: argparse.Namespace) -> int:
    """Errors reach hubdata.__main__.main, which maps them to exit codes 2 and 1."""
    from hubdata.errors import NoDataError
    from hubdata.sources import usaspending

    for year in args.years:
        try:
            result = usaspending.fetch_awards(year, args.geo, args.programs, refresh=args.refresh)
        except NoDataError as exc:  # a year without awards is information, not a failure
            print(exc.user_message)
            continue
        if result.warning:
            print(result.warning, file=sys.stderr)
        print(f"FY{year} {args.geo}: {len(result.frame)} regions, "
              f"${result.frame['amount_usd'].sum():,.0f}"
              + (" (cached)" if result.from_cache else ""))
    return 0


def cmd_import_awards(args: argparse.Namespace) -> int:
    from hubdata.sources import usaspending

    frame = usaspending.import_awards_json(args.file, args.year, args.geo, args.programs)
    print(f"imported {len(frame)} {args.geo} rows for FY{args.year} from {args.file}")
    return 0


def _subparsers_of(parser: argparse.ArgumentParser):
    for action in parser._actions:  # argparse has no public accessor for this
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="fetch_what")


def add_subcommands(subparsers) -> None:
    """Add `registry check`, `fetch awards` and `import-awards`; each sets args.func -> exit code."""
    registry = subparsers.add_parser("registry", help="the curated program/hub registry")
    reg_sub = registry.add_subparsers(dest="registry_command", required=True)
    check = reg_sub.add_parser("check", help="validate hubs.csv (exit 1 lists bad rows)")
    check.add_argument("path", nargs="?", default=None,
                       help="CSV to check (default: hubdata/registry/hubs.csv)")
    check.set_defaults(func=cmd_registry_check)

    fetch = subparsers.choices.get("fetch") or subparsers.add_parser(
        "fetch", help="download source data into the cache")
    awards = _subparsers_of(fetch).add_parser(
        "awards", help="USAspending award dollars by county or state")
    awards.add_argument("--years", type=_parse_years, required=True, help="e.g. 2021-2024")
    awards.add_argument("--geo", choices=["county", "state"], default="county")
    awards.add_argument("--programs", type=_parse_programs, default=None,
                        help="assistance listings, e.g. 11.020,47.084 (default: the built-in list)")
    awards.add_argument("--refresh", action="store_true", help="ignore fresh cached copies")
    awards.set_defaults(func=cmd_fetch_awards)

    imp = subparsers.add_parser("import-awards",
                                help="load a saved spending_by_geography JSON response")
    imp.add_argument("file")
    imp.add_argument("--year", type=int, required=True, help="fiscal year of the saved response")
    imp.add_argument("--geo", choices=["county", "state"], required=True)
    imp.add_argument("--programs", type=_parse_programs, default=None,
                     help="assistance listings the saved response was filtered by")
    imp.set_defaults(func=cmd_import_awards)
