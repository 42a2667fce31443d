"""Bytes for downloads: tables (CSV/XLSX, the CLI's own serialiser) and chart images (kaleido).

Tables go through hubdata.export, so a dashboard CSV equals `python -m hubdata table` output
for the same selection. Chart images are rendered server-side by kaleido, which drives a
Chrome/Chromium it finds on the machine (Debian's /usr/bin/chromium on our servers); one
kaleido server is started per process on first use and reused (about 0.3 s per image after).
"""

from __future__ import annotations

import functools
import threading
import warnings

from hubdata import export as _export

IMAGE_SIZE = {"width": 1600, "height": 900}
PNG_SCALE = 2  # 3200 x 1800 pixels: sharp on a projected slide

table_about = _export.table_about
table_csv = _export.table_csv
table_xlsx = _export.table_xlsx

_server_lock = threading.Lock()
_server_started = False


@functools.cache
def image_export_problem() -> str | None:
    """None when chart images can be rendered here, else one sentence saying why not."""
    try:
        import kaleido  # noqa: F401
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return ("Chart image downloads need the kaleido package (pip install kaleido); "
                "the chart's camera button still saves a PNG.")
    if not Chromium.find_browser(skip_local=False):
        return ("Chart image downloads need Chrome or Chromium on the server (on Debian: "
                "apt-get install chromium); the chart's camera button still saves a PNG.")
    return None


def _start_server() -> None:
    global _server_started
    with _server_lock:
        if not _server_started:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            _server_started = True


def figure_bytes(fig, fmt: str) -> bytes:
    """PNG or SVG bytes of a Plotly figure at presentation size (16:9)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported image format {fmt!r}")
    _start_server()
    scale = PNG_SCALE if fmt == "png" else 1
    with warnings.catch_warnings():  # plotly warns that its kaleido options go unused
        warnings.simplefilter("ignore", UserWarning)
        return fig.to_image(format=fmt, scale=scale, **IMAGE_SIZE)


def stem(*parts: object) -> str:
    """A file name stem from selection parts: hub-atlas_339920_county_2023."""
    clean = ["".join(ch if ch.isalnum() or ch in "-." else "-" for ch in str(p)) for p in parts
             if p not in (None, "")]
    return "_".join(["hub-atlas", *clean])

