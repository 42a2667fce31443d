"""Hub Atlas data layer: federal sources -> cached tidy frames -> metrics. No Streamlit here."""

__version__ = "0.1.0"
