"""The Streamlit app (``dashboard/app.py``): pages compose :mod:`geo.services` and
:mod:`geo.render` and nothing else (checked by import-linter)."""
