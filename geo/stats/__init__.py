"""Pure statistics: arrays and frames in, arrays and frames out.

Getis-Ord Gi* and its weights, emerging hot spots, intervention impact (WDQ, WDD,
interrupted time series), the hexagon grid, the complex-strategy flag and the disclosure
gate. May import numpy, pandas, scipy, shapely, esda/libpysal, statsmodels, ``geo.config``,
``geo.roles`` and ``geo.filters`` only: no database, no Streamlit, no files. Checked by
import-linter (``make test``) and type-checked with mypy --strict.
"""
