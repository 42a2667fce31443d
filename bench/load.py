"""Load on one local `streamlit run app.py`: N concurrent sessions; prints one JSON object.

Each session is a protocol-level client, as the browser is one: a websocket at
`/_stcore/stream` (127.0.0.1 only) carrying protobuf BackMsgs (a `rerun_script` with the
page, its query string and widget states) and ForwardMsgs, read until the run's
`script_finished`. A session opens a page (by default Explore with a link's filters),
then changes filters K times (reruns with another link's query string: the app reads a
new URL the way it reads a shared link, so each rerun computes the view the filters ask
for); it times the page open (send -> script_finished) and every rerun. Every session
starts at once and reruns as soon as its last run finished (no think time: the worst
case for the server).

The server is started here (headless, a free port, the file watcher off, its own log)
and always stopped at the end, also on Ctrl-C or an error. Before the measured runs one
unmeasured session opens every filter set once (so N = 1 is not timing cold loads that
N = 20 would find cached); each session still starts with its own empty session state.
While a run goes on the server's process tree is sampled from /proc: CPU (% of one
core) and RSS.

Data: `--cache DIR` serves that cache folder (e.g. the bench's SYNTHETIC national cache,
`bench/run.py`'s `<work>/cache`: speed only, no real figures); by default a temp cache
into which the real demo files of ../shared/data are imported with `python -m hubdata
import` (read from there, never copied into the project). HUBDATA_OFFLINE=1 is set for
the server unless --online is given.

    .venv/bin/python bench/load.py [--sessions 1,5,20] [--reruns 10] [--timeout 180]
        [--max-seconds 1800] [--cache DIR] [--page explore] [--soak 600 --sessions 5]

Targets (issue 13): 0 errors at N = 20; p95 rerun at N = 20 <= 3 x (p95 rerun at N = 1
x 20 / cores); RSS flat over a 10-minute soak (`--soak 600`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEMO_FILES = ("cbp_counties/US-UT-census-naics6-counties-2017.csv",
              "cbp_counties/US-UT-census-naics6-counties-2021.csv",
              "cbp_samples/US-DE-census-naics4-counties-2021.csv",
              "cbp_states/US-naics4-country-2022.csv",
              "xwalk/list1_2020.csv")
HOST = "127.0.0.1"  # the only host this bench talks to
TARGET_RATIO = 3.0
LINK_NOTICE = "Some link parameters were ignored"  # ui.state.notice_text

# page url path -> the filter sets a session goes through (query strings of shared links);
# each names every filter it uses (a filter a link leaves out keeps the session's value);
# the sidebar's source and year come from the data (see data_link)
_EXPLORE = {"naics": "339920", "geo": "county", "state": "all", "metric": "lq", "min": "0"}
FILTERS = {
    "explore": [{**_EXPLORE, **change} for change in (
        {"state": "UT"},
        {"metric": "employment"},
        {"naics": "theme:sporting_goods"},
        {"geo": "msa"},
        {"metric": "growth"},
        {"naics": "cluster:41"},
        {"geo": "state", "metric": "establishments"},
        {"state": "UT", "metric": "wages", "min": "50"},
    )],
    "": [{}],  # the hub map (the default page)
    "trends": [{}],
    "compare": [{}],
    "emerging": [{"geo": "county", "level": "6"}],
    "programs": [{}],
    "data": [{}],
}


# ---- pure parts (tests/test_load_bench.py) ----------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's
    default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: list[float]) -> dict:
    """count, p50, p95, max of durations in seconds (rounded to ms)."""
    def r(x):
        return None if x is None else round(x, 3)
    return {"count": len(values), "p50": r(percentile(values, 50)),
            "p95": r(percentile(values, 95)), "max": r(max(values) if values else None)}


def rerun_message(query: dict | str, page_name: str = "", page_script_hash: str = "",
                  widget_states=None) -> bytes:
    """The BackMsg a browser sends to run a page: rerun_script with the URL's query
    string, the page (by url path on opening, by script hash afterwards) and the widget
    states (none: every filter of this app is seeded from st.session_state)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query if isinstance(query, str) else urlencode(query)
    state.page_name = page_name
    state.page_script_hash = page_script_hash
    if widget_states is not None:
        state.widget_states.CopyFrom(widget_states)
    else:
        state.widget_states.SetInParent()
    return msg.SerializeToString()


def target_check(runs: dict, cores: int) -> dict:
    """Issue 13's targets on the per-N results: 0 errors at the largest N (20), and its p95
    rerun within TARGET_RATIO x (N = 1's p95 rerun x N / cores)."""
    out: dict = {}
    if not runs:
        return out
    top = max(runs, key=int)
    big, one = runs[top], runs.get("1")
    out["errors_at_max_n"] = {"n": int(top), "errors": big["errors"]["count"],
                              "met": big["errors"]["count"] == 0}
    if one and one["rerun"]["p95"] is not None and big["rerun"]["p95"] is not None:
        limit = TARGET_RATIO * one["rerun"]["p95"] * int(top) / cores
        out["p95_rerun_at_max_n"] = {"n": int(top), "p95": big["rerun"]["p95"],
                                     "limit": round(limit, 3),
                                     "formula": f"{TARGET_RATIO:g} x N=1 p95 "
                                                f"{one['rerun']['p95']} x {top}/{cores}",
                                     "met": big["rerun"]["p95"] <= limit}
    return out


def rss_slope(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return None
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mm = sum(m for _, m in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    if var == 0:
        return None
    return round(60 * sum((t - mt) * (m - mm) for t, m in samples) / var, 2)


# ---- the server --------------------------------------------------------------------------

def server_flag(option: str) -> list[str]:
    """'runner.postScriptGC=false' -> ['--runner.postScriptGC', 'false'] (streamlit run's
    flag for a config option)."""
    key, sep, value = option.partition("=")
    if not sep or "." not in key or not key.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"not a config option KEY=VALUE: {option!r}")
    return [f"--{key.strip()}", value.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _env(cache: Path, online: bool) -> dict:
    env = {**os.environ, "HUBDATA_CACHE_DIR": str(cache),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if not online:
        env["HUBDATA_OFFLINE"] = "1"
    return env


def demo_cache(folder: Path) -> Path:
    """A cache with the real demo files of ../shared/data imported (and the map shapes
    built once, as a server that has run before has them)."""
    missing = [name for name in DEMO_FILES if not (SHARED / name).exists()]
    if missing:
        raise SystemExit(f"the demo files are not in {SHARED}: {', '.join(missing)}; "
                         "pass --cache DIR")
    cache = folder / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    env = _env(cache, online=False)
    subprocess.run([sys.executable, "-m", "hubdata", "import",
                    *[str(SHARED / name) for name in DEMO_FILES]], cwd=folder, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    subprocess.run([sys.executable, "-c", "from hubdata import geometry; "
                    "geometry.county_geojson(); geometry.county_geojson("
                    "ct_planning_regions=True); geometry.state_geojson(); "
                    "geometry.state_outlines()"], cwd=folder, env=env, check=True)
    return cache


class Server:
    """`streamlit run app.py` on 127.0.0.1:<free port>, in its own process group."""

    def __init__(self, cache: Path, log: Path, online: bool = False,
                 options: list[str] = ()):
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.headless", "true", "--server.address", HOST,
             "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false",
             *[part for option in options for part in server_flag(option)]],
            cwd=ROOT, env=_env(cache, online), stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_healthy(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("streamlit did not start:\n" + self.log_tail())
            time.sleep(0.25)  # polling the health endpoint

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


# ---- sampling the server's CPU and memory (/proc) ----------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _tree(pid: int) -> list[int]:
    """pid and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _cpu_rss(pids: list[int]) -> tuple[float, float]:
    """(CPU seconds used, RSS in MB) summed over the processes."""
    cpu = rss = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{p}/statm") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        cpu += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
        rss += pages * _PAGE_MB
    return cpu, rss


class Sampler(threading.Thread):
    """Samples the server's process tree every `every` seconds: (t, cpu %, RSS MB)."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, float]] = []
        self._halt = threading.Event()
        self.start_time = time.monotonic()

    def run(self) -> None:
        last_t, (last_cpu, rss) = time.monotonic(), _cpu_rss(_tree(self.pid))
        self.samples.append((0.0, 0.0, rss))
        while not self._halt.wait(self.every):
            now = time.monotonic()
            cpu, rss = _cpu_rss(_tree(self.pid))
            pct = 100 * (cpu - last_cpu) / max(now - last_t, 1e-6)
            self.samples.append((now - self.start_time, pct, rss))
            last_t, last_cpu = now, cpu

    def stop(self) -> dict:
        self._halt.set()
        self.join(timeout=5)
        cpu = [c for _, c, _ in self.samples[1:]]
        rss = [m for _, _, m in self.samples]
        return {"cpu_pct_mean": round(sum(cpu) / len(cpu), 1) if cpu else None,
                "cpu_pct_max": round(max(cpu), 1) if cpu else None,
                "rss_mb_start": round(rss[0]) if rss else None,
                "rss_mb_max": round(max(rss)) if rss else None,
                "rss_mb_end": round(rss[-1]) if rss else None}


# ---- protocol-level sessions -------------------------------------------------------------

@dataclass
class Session:
    """One browser tab, as the server sees it."""
    number: int
    url: str
    timeout: float
    page_times: list[float] = field(default_factory=list)
    rerun_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_alerts: int = 0
    link_notices: list[str] = field(default_factory=list)  # the bench's links are wrong
    bytes_received: int = 0
    page_hash: str = ""
    views: set = field(default_factory=set)  # each run's headings: the filters took effect

    async def run_once(self, ws, message: bytes) -> float:
        """Send one rerun request; read until its script_finished; the seconds it took."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        clock = time.perf_counter()
        headings: list[str] = []
        await ws.send(message)
        while True:
            data = await asyncio.wait_for(ws.recv(), self.timeout)
            self.bytes_received += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "navigation":  # the page that runs (st.navigation's hash of it)
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "heading":
                    headings.append(element.heading.body)
                elif which == "exception":
                    self.errors.append(f"session {self.number}: exception "
                                       f"{element.exception.type}: "
                                       f"{element.exception.message[:200]}")
                elif which == "alert" and element.alert.format == 1:  # ERROR
                    self.error_alerts += 1
                elif which == "alert" and element.alert.body.startswith(LINK_NOTICE):
                    self.link_notices.append(element.alert.body[:300])
            elif kind == "page_not_found":
                self.errors.append(f"session {self.number}: page not found")
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app asked for a rerun (st.rerun): that run's end counts
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    self.errors.append(f"session {self.number}: compile error")
                self.views.add(tuple(headings))
                return time.perf_counter() - clock

    async def drive(self, page: str, links: list[dict], reruns: int, until: float,
                    start: int = 0) -> None:
        """Open the page with links[start], then rerun with the next links, reruns times
        (or until `until`, a time.monotonic() deadline)."""
        from websockets.asyncio.client import connect

        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        try:
            async with connect(ws_url, subprotocols=["streamlit"], max_size=None,
                               open_timeout=self.timeout, ping_interval=None,
                               close_timeout=5) as ws:
                first = links[start % len(links)]
                self.page_times.append(await self.run_once(ws, rerun_message(
                    first, page_name=page)))
                done = 0
                while done < reruns and time.monotonic() < until:
                    done += 1
                    link = links[(start + done) % len(links)]
                    self.rerun_times.append(await self.run_once(ws, rerun_message(
                        link, page_script_hash=self.page_hash)))
        except asyncio.TimeoutError:
            self.errors.append(f"session {self.number}: no message for {self.timeout:g} s")
        except Exception as exc:  # a closed socket, a refused connection: counted, reported
            self.errors.append(f"session {self.number}: {type(exc).__name__}: {exc}"[:300])


def data_link(cache_years: list[int]) -> dict:
    """The sidebar's part of every link: imported files, the newest year with counties."""
    return {"source": "import", **({"year": str(max(cache_years))} if cache_years else {})}


def county_years(cache: Path, online: bool) -> list[int]:
    """Years of the cache's imported files that have county rows (hubdata.views)."""
    code = ("import json; from hubdata import views; print(json.dumps("
            "[y for y, k in views.imported_coverage(None).items() if 'county' in k]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(cache, online),
                          capture_output=True, text=True, timeout=300)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return []


async def run_sessions(url: str, n: int, page: str, links: list[dict], reruns: int,
                       timeout: float, until: float) -> tuple[list[Session], float]:
    sessions = [Session(i, url, timeout) for i in range(n)]
    clock = time.perf_counter()
    await asyncio.gather(*(s.drive(page, links, reruns, until, start=i)
                           for i, s in enumerate(sessions)))
    return sessions, time.perf_counter() - clock


def measure(server: Server, n: int, page: str, links: list[dict], reruns: int,
            timeout: float, until: float, keep_views: bool = False) -> dict:
    sampler = Sampler(server.proc.pid)
    sampler.start()
    client_cpu = time.process_time()
    sessions, wall = asyncio.run(run_sessions(server.url, n, page, links, reruns, timeout,
                                              until))
    client_cpu = time.process_time() - client_cpu
    server_figures = sampler.stop()
    errors = [e for s in sessions for e in s.errors]
    pages = [t for s in sessions for t in s.page_times]
    reruns_done = [t for s in sessions for t in s.rerun_times]
    views = sorted(" | ".join(v)[:160] for s in sessions for v in s.views)
    return {**({"views": views} if keep_views else {}),
            "sessions": n, "wall_seconds": round(wall, 2),
            "errors": {"count": len(errors), "first": errors[:5]},
            "error_alerts": sum(s.error_alerts for s in sessions),
            "link_notices": sorted({n for s in sessions for n in s.link_notices})[:3],
            "distinct_views": len(set().union(*(s.views for s in sessions))),
            "page": summary(pages), "rerun": summary(reruns_done),
            "reruns_per_second": round(len(reruns_done) / wall, 2) if wall else None,
            "server": server_figures,
            "client_cpu_seconds": round(client_cpu, 1),
            "mb_received": round(sum(s.bytes_received for s in sessions) / 2 ** 20, 1)}


def soak(server: Server, n: int, page: str, links: list[dict], seconds: float,
         timeout: float) -> dict:
    """N sessions rerunning for `seconds`; RSS at start, middle and end, and its slope."""
    sampler = Sampler(server.proc.pid, every=2.0)
    sampler.start()
    until = time.monotonic() + seconds
    sessions, wall = asyncio.run(run_sessions(server.url, n, page, links, 10 ** 9, timeout,
                                              until))
    figures = sampler.stop()
    rss = [(t, m) for t, _, m in sampler.samples]
    warm = [(t, m) for t, m in rss if t >= min(60.0, wall / 10)]  # after the first opens

    def at(fraction):
        t = wall * fraction
        return round(min(rss, key=lambda s: abs(s[0] - t))[1]) if rss else None

    errors = [e for s in sessions for e in s.errors]
    reruns_done = [t for s in sessions for t in s.rerun_times]
    return {"sessions": n, "seconds": round(wall), "errors": {"count": len(errors),
                                                              "first": errors[:5]},
            "reruns": len(reruns_done), "rerun": summary(reruns_done),
            "rss_mb": {"start": at(0), "middle": at(0.5), "end": at(1.0),
                       "max": figures["rss_mb_max"],
                       "slope_mb_per_min_after_warmup": rss_slope(warm)},
            "server": figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,5,20",
                        help="comma-separated session counts, run one after another")
    parser.add_argument("--reruns", type=int, default=10, help="filter changes per session")
    parser.add_argument("--timeout", type=float, default=180,
                        help="seconds to wait for any one message")
    parser.add_argument("--max-seconds", type=float, default=1800,
                        help="cap on each run's time (sessions stop rerunning after it)")
    parser.add_argument("--page", default="explore", choices=sorted(FILTERS),
                        help="url path of the page the sessions open ('' = hub map)")
    parser.add_argument("--cache", type=Path, help="the cache folder the server reads "
                        "(default: a temp cache of the real demo files)")
    parser.add_argument("--soak", type=float, default=0,
                        help="seconds of a soak run with the (single) --sessions count")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a streamlit config option for the server, e.g. "
                             "runner.postScriptGC=false (repeatable; to compare settings)")
    parser.add_argument("--online", action="store_true",
                        help="do not set HUBDATA_OFFLINE=1 for the server")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.sessions.split(",") if c.strip()]
    if not counts or min(counts) < 1 or max(counts) > 100:
        parser.error("--sessions: 1 to 100 sessions")
    if args.reruns < 0 or args.reruns > 1000:
        parser.error("--reruns: 0 to 1000")

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)

    with tempfile.TemporaryDirectory(prefix="hubatlas-load-") as scratch:
        scratch = Path(scratch)
        if args.cache:
            cache, data = args.cache.resolve(), {"cache": str(args.cache.resolve()),
                                                 "demo": False}
            stamp = cache / "bench-import.json"
            if stamp.exists():
                data["synthetic"] = True
                data["what"] = ("the bench's national-shape SYNTHETIC cache "
                                "(bench/synthetic.py): speed only, no real figures")
        else:
            cache = demo_cache(scratch)
            data = {"cache": "temp", "demo": True, "synthetic": False,
                    "files": [f"../shared/data/{n}" for n in DEMO_FILES]}
        links = [{**data_link(county_years(cache, args.online)), **f}
                 for f in FILTERS[args.page]]
        result = {"data": data, "page": args.page or "(hub map)",
                  "links": [urlencode(link) for link in links],
                  "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                              "load_average_at_start": round(os.getloadavg()[0], 2)},
                  "settings": {"reruns": args.reruns, "timeout": args.timeout,
                               "max_seconds": args.max_seconds, "think_time": 0}}
        for option in args.option:
            try:
                server_flag(option)
            except ValueError as exc:
                parser.error(str(exc))
        result["settings"]["server_options"] = args.option
        server = Server(cache, scratch / "streamlit.log", online=args.online,
                        options=args.option)
        try:
            server.wait_healthy()
            import streamlit

            result["streamlit"] = streamlit.__version__
            if not args.no_warmup:
                clock = time.perf_counter()
                warm = measure(server, 1, args.page, links, len(links) - 1, args.timeout,
                               time.monotonic() + args.max_seconds, keep_views=True)
                result["warmup"] = {"seconds": round(time.perf_counter() - clock, 1),
                                    "errors": warm["errors"], "headings": warm["views"]}
            if args.soak:
                print(f"load: soak, {counts[0]} session(s) for {args.soak:g} s...",
                      file=sys.stderr, flush=True)
                result["soak"] = soak(server, counts[0], args.page, links, args.soak,
                                      args.timeout)
            else:
                result["runs"] = {}
                for n in counts:
                    print(f"load: {n} session(s)...", file=sys.stderr, flush=True)
                    result["runs"][str(n)] = measure(server, n, args.page, links,
                                                     args.reruns, args.timeout,
                                                     time.monotonic() + args.max_seconds)
                result["targets"] = target_check(result["runs"], os.cpu_count() or 1)
        except KeyboardInterrupt:
            result["interrupted"] = True
        finally:
            server.stop()
            if server.proc.returncode not in (0, -signal.SIGTERM, None):
                result["server_exit"] = server.proc.returncode
            if "Traceback" in server.log_tail(200_000):
                result["server_log_tail"] = server.log_tail()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
