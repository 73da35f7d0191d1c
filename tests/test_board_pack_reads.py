"""The board pack's reads asked once (#34): the next meeting's agenda composed from the
pages' cached reads (the hot-spot table, the Interventions page's impacts, the contexts
listed) says what the agenda found by itself says, with the same verdicts as each ended
intervention's impact measured alone; page reads run without JIT compilation."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import pytest

from geo.services import interventions, meeting, pages
from geo.stats.disclosure import View
from geo.store import db

AREAS = ("*",)


def _same(a: meeting.Agenda, b: meeting.Agenda) -> None:
    assert (a.on, a.since) == (b.on, b.since)
    for name in ("reviews", "flagged", "hotspots", "ended"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


@pytest.mark.parametrize("role", ["board", "partner", "analyst"])
def test_the_composed_agenda_is_the_agenda(settings, role: str) -> None:
    from dashboard import _data

    with db.connect("dashboard", settings) as conn:
        ends = pd.to_datetime(interventions.register(conn)["end_month"]).dropna()
    # a meeting at the end of the month most interventions ended in, the last a month before
    on = (ends.value_counts().index[0] + pd.offsets.MonthEnd(0)).date()
    since = (pd.Timestamp(on) - pd.offsets.MonthEnd(1)).date()
    view = View(role, settings.suppression_k)
    alone = meeting.agenda(AREAS, on, since, view)
    assert len(alone.ended) and alone.ended["result"].astype(bool).all()
    # the sentences of the ended interventions: each measured on its own, as before
    with db.connect("dashboard", settings) as conn:
        each = {r: interventions.impacts(conn, intervention_ref=r, view=view)[0].sentence
                for r in alone.ended["ref"]}
    assert dict(zip(alone.ended["ref"], alone.ended["result"], strict=True)) == each
    v = (pages.version(AREAS), AREAS)
    cube = meeting.hotspot_filters(on)
    assert cube.start is not None and cube.end is not None
    for counted in (None, (date(cube.start.year - 2, 1, 1), cube.end)):
        _same(_data.agenda(v, on, since, view, counted=counted), alone)


def test_the_ended_interventions_are_measured_as_in_the_whole_register(settings) -> None:
    """``refs`` picks interventions out of the register; each is measured as when every
    intervention is (the donors and the busy places are the whole register's)."""
    with db.connect("dashboard", settings) as conn:
        every = {i.intervention: i.as_dict() for i in interventions.impacts(conn)}
        some = sorted(every)[::3]
        picked = interventions.impacts(conn, refs=set(some))
    assert sorted(i.intervention for i in picked) == some
    for i in picked:
        assert json.dumps(i.as_dict(), sort_keys=True, default=str) == \
            json.dumps(every[i.intervention], sort_keys=True, default=str)


def test_page_reads_compile_nothing(settings) -> None:
    """JIT compilation is off for every page read, whatever the server's default: it cost
    ~1 s on reads that run in milliseconds (the contexts list, for one)."""
    def setting(conn: Any) -> str:
        return str(conn.execute("SHOW jit").fetchone()[0])

    assert db.read(setting, AREAS, settings) == "off"
    with db.connect("dashboard", settings, areas=AREAS) as conn:
        conn.execute("SET jit = on")
        assert setting(conn) == "off"  # the guard sets it again before each statement
