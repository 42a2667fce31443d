"""A floor page for bench/run.py: the elements one page run drew, drawn again from precomputed
objects (no loaders, no computing). bench/run.py records a page's elements (figures, frames,
widget options and values, download buttons) into a pickle and runs this script on it with
AppTest; the time of a rerun here is what Streamlit itself needs to draw that page.

The recording's path is in the BENCH_FLOOR_RECORDING environment variable.
"""

import os
import pickle

import streamlit as st


@st.cache_resource(show_spinner=False)
def recording(path: str) -> list[tuple[str, dict]]:
    """The recorded elements, read once per process (as a page's data is cached once)."""
    with open(path, "rb") as handle:
        return pickle.load(handle)


def draw(name: str, kwargs: dict) -> None:
    if name == "download_button":
        deferred = kwargs.pop("deferred")
        data = (lambda: kwargs["data_bytes"]) if deferred else kwargs["data_bytes"]
        kwargs.pop("data_bytes")
        st.download_button(data=data, **kwargs)
    else:
        getattr(st, name)(**kwargs)


for element, arguments in recording(os.environ["BENCH_FLOOR_RECORDING"]):
    draw(element, dict(arguments))
