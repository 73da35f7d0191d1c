"""Names vulture (``make lint``, [tool.vulture] in pyproject.toml) reports as unused that
are used, each with why: read by a framework, through ``asdict``, or by name as a fixture.
Not a test module (pytest collects ``test_*.py`` only); vulture reads it as code that uses
these names. A name that is really dead is removed from the code, not listed here, except
the three at the end (in a folder another change was editing; the lead removes them)."""
# ruff: noqa: B018, F821

# psycopg connections: setting the attribute changes the connection's mode
_.autocommit  # bench/ingest.py, geo/store/db.py
# a protobuf field of Streamlit's BackMsg: set to be sent to the server
_.query_string  # bench/streamlit_client.py
# pydantic-settings reads model_config; @field_validator methods are called by pydantic
model_config  # geo/config.py
_._long_enough  # geo/config.py
_._k_in_range  # geo/config.py
# folium/branca call get_bounds (fit_bounds) and render data_json in the element's template
_.get_bounds  # geo/render/maps/elements.py
_.data_json  # geo/render/maps/elements.py
# the documented set of verdicts (:data:`VERDICTS` in the decision rule's docstrings)
VERDICTS  # geo/stats/impact.py
# result dataclass fields: part of the result (as_dict / asdict, the JSON export and the
# methods page), read by no Python line
slope_change  # geo/stats/common_trend.py
slope_low  # geo/stats/common_trend.py
slope_high  # geo/stats/common_trend.py
months_before  # geo/stats/common_trend.py, geo/stats/segmented.py
wdd_surrounding  # geo/stats/impact.py
pretrend_low  # geo/stats/segmented.py
pretrend_high  # geo/stats/segmented.py
rmspe_ratio  # geo/stats/synth.py
placebo_rank  # geo/stats/synth.py
time_placebo_effect  # geo/stats/synth.py
method  # geo/stats/synth.py
# fixtures asked for by name for their effect (the argument itself is not read)
hijack  # tests/test_db_attacks.py
lax_dashboard  # tests/test_db_attacks.py
signed_in_mode  # tests/test_security_attacks.py
# http.server.BaseHTTPRequestHandler calls do_GET and log_message
_.do_GET  # tests/test_upload_attacks.py
_.log_message  # tests/test_upload_attacks.py

# a Protocol's call signature: what a cached page read is called with
_.__call__  # dashboard/_data.py (Cached)
