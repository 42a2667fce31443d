"""Hub Atlas data layer: federal sources -> cached tidy frames -> metrics. No Streamlit here."""

import pyarrow as pa

__version__ = "0.1.0"

# Arrow's jemalloc pool where the build has it: on the 2-core machines here, the default
# (mimalloc) stalled for 0.5-1.5 s on each large fresh allocation (a national year's read,
# a million-row text column), jemalloc did not (bench/run.py; the note on issue 12).
try:
    pa.set_memory_pool(pa.jemalloc_memory_pool())
except NotImplementedError:  # a pyarrow built without jemalloc keeps its default
    pass
