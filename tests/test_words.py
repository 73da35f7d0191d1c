"""Words people read: labels, months, plurals, changes, the audit log (pure, no database)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from geo.render import words
from geo.store.counts import compass, grid_reference, hex_names


def test_plural_aware_phrases() -> None:
    assert words.count_phrase(1, "area", verb="is") == "1 area is"
    assert words.count_phrase(3, "area", verb="is") == "3 areas are"
    assert words.count_phrase(0, "hot spot") == "0 hot spots"
    assert words.count_phrase(1, "incident") == "1 incident"
    assert words.count_phrase(1_234, "incident") == "1,234 incidents"
    # a count a role sees as "<5" reads as a plural
    assert words.count_phrase(2, "incident", shown="<5") == "<5 incidents"
    assert words.count_phrase(1, "young person") == "1 young person"
    assert words.count_phrase(2, "young person") == "2 young people"


def test_months_and_open_ended_periods() -> None:
    assert words.month_text(date(2024, 4, 1)) == "Apr 2024"
    assert words.month_text(pd.Timestamp("2024-04-01")) == "Apr 2024"
    assert words.month_text(None) == "ongoing"
    assert words.month_text(pd.NaT) == "ongoing"
    assert words.period_text(date(2024, 4, 1), None) == "from Apr 2024, ongoing"
    assert words.period_text(date(2024, 4, 1), date(2025, 3, 1)) == "Apr 2024 to Mar 2025"
    assert words.day_text(date(2024, 4, 3)) == "3 Apr 2024"


def test_labels_from_the_vocabulary_and_readable_fallbacks() -> None:
    vocab = [("transport_hub", "Transport hub"), ("fast_food", "Fast-food outlet")]
    out = words.labels(vocab, pd.Series(["fast_food", "transport_hub", "school_vicinity"]))
    assert out.tolist() == ["Fast-food outlet", "Transport hub", "School vicinity"]
    assert words.heading("start_month") == "Start month"


def test_changes_never_read_minus_zero() -> None:
    assert words.percent_change(-0.001) == "no change"
    assert words.percent_change(0.004) == "no change"
    assert words.percent_change(0.12) == "+12%"
    assert words.percent_change(-0.08) == "\u22128%"
    assert words.percent_change(np.nan) == "n/a"


def test_the_audit_log_reads_as_a_table() -> None:
    log = pd.DataFrame({
        "at": [pd.Timestamp("2024-04-03 14:05")], "actor": ["demo-analyst"],
        "role": ["analyst"], "action": ["board_pack"], "target": ["board pack"],
        "outcome": ["ok"], "detail": ['{"rows": 1, "file": "x.csv"}']})
    out = words.audit_table(log, {"analyst": "Analyst"})
    assert list(out.columns) == ["When", "Who", "Role", "Action", "What", "Outcome", "Details"]
    row = out.iloc[0]
    assert row["When"] == "3 Apr 2024 14:05" and row["Role"] == "Analyst"
    assert row["Action"] == "Board pack" and row["Details"] == "Rows: 1; File: x.csv"
    assert "{" not in row["Details"]


def test_hexagons_are_named_by_nearest_place_and_ward_and_never_alike() -> None:
    # centres (BNG) of four hexagons: one holding Aston station, one 300 m north-east of
    # it, two with no place near in Ladywood (alike but for their grid references)
    x = np.array([407000.0, 407212.0, 405000.0, 405250.0])
    y = np.array([288000.0, 288212.0, 286500.0, 286500.0])
    ward = np.array(["Aston", "Aston", "Ladywood", "Ladywood"], dtype=object)
    place = np.array(["Aston station", "Aston station", "", ""], dtype=object)
    px = np.array([407010.0, 407000.0, np.nan, np.nan])
    py = np.array([288005.0, 288000.0, np.nan, np.nan])
    names = hex_names(250.0, x, y, ward, place, px, py, np.array([True, False, False, False]))
    assert names == ["250 m area at Aston station, Aston",
                     "250 m area 300 m north-east of Aston station, Aston",
                     "250 m area in Ladywood (grid ref SP 050 865)",
                     "250 m area in Ladywood (grid ref SP 052 865)"]
    assert grid_reference(530_000, 180_000) == "TQ 300 800"  # Trafalgar Square's square
    assert grid_reference(325_000, 673_000) == "NT 250 730"
    assert [compass(0, 1), compass(1, 1), compass(-1, 0), compass(-1, -2)] == \
        ["north", "north-east", "west", "south-west"]


def test_every_hexagon_has_a_name_of_its_own(settings) -> None:
    from geo.store import counts, db

    with db.connect("superuser", settings) as conn:
        names = counts.units(conn, "hex")["name"]
    assert len(names) > 1000 and not names.duplicated().any(), \
        names[names.duplicated(keep=False)].head().tolist()


def test_an_impact_sentence_says_1_incident() -> None:
    from geo.stats.displacement import Counts
    from geo.stats.impact import sentence

    text = sentence("Aston station", "patrols", 12, Counts(1, 3, 0, 0, 10, 10), {}, None, False)
    assert "1 incident in the period" in text and "1 incidents" not in text
    text = sentence("Aston station", "patrols", 12, Counts(2, 3, 0, 0, 10, 10), {}, None, False)
    assert "2 incidents in the period" in text


def test_the_period_ends_at_the_last_month_with_a_plausible_share() -> None:
    import pandas as pd

    from geo.services.pages import plausible_end

    months = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=15, freq="MS"),
                           "n": [500] * 12 + [480, 3, 1]})  # two stray months at the end
    assert plausible_end(months) == pd.Timestamp("2026-01-01").date()
    assert plausible_end(months.iloc[:13]) == pd.Timestamp("2026-01-01").date()
    quiet = months.assign(n=[5] * 15)  # a small area: every month alike
    assert plausible_end(quiet) == pd.Timestamp("2026-03-01").date()
    assert plausible_end(months.iloc[:0]) is None
