"""Streamlit-side helpers: the only code besides pages/ that imports streamlit."""
