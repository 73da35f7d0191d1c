"""The pooled effect of each type of intervention over its places, with the sentences
that say it and reconcile it with the places' own verdicts (from the impacts of
:mod:`geo.services.interventions`; the random-effects pooling is
:func:`geo.stats.synth.pooled_effect`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from geo.render.pooled import is_clear, moved_sentence
from geo.stats.impact import Impact
from geo.stats.synth import Pooled, pooled_effect


def _by_type(found: list[Impact] | list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The impacts (as dicts) that enter the pooled effect, by type: those with a verdict
    (not "too little data" or "comparison too poor") and an estimate, where the two
    measures agree. A place whose matched comparison points the other way from its own
    trend ("measures disagree") has no verdict but "no clear change"; pooled, its estimate
    alone would say what its verdict refused to (a lone such place was once listed under
    "What worked")."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for i in found:
        d = i.as_dict() if isinstance(i, Impact) else i
        est = d.get("its")
        if (d["verdict"] in ("too little data", "comparison too poor") or not est
                or d.get("rule") == "measures disagree"
                or est.get("log_effect") is None or est.get("log_se") is None
                # what pooled_effect would drop, dropped here, so the places counted in
                # a sentence ("at 1 of these 2 places") are the places pooled
                or not np.isfinite(est["log_effect"]) or not np.isfinite(est["log_se"])
                or est["log_se"] <= 0):
            continue
        groups.setdefault(d["intervention_type"], []).append(d)
    return groups


def pooled_by_type(found: list[Impact] | list[dict[str, Any]]) -> dict[str, Pooled]:
    """The pooled effect of each type of intervention over its places with a verdict
    (those with too little data or too poor a comparison are left out): each place's
    estimate of the verdict (:func:`geo.stats.segmented.segmented`: its own trend allowed
    for, honest standard error), pooled by random effects. Takes impacts or their
    :meth:`Impact.as_dict` forms."""
    out = {}
    for kind, rows in sorted(_by_type(found).items()):
        if len(rows) == 1:  # one place: its own estimate and interval, as its sentence says
            e = rows[0]["its"]
            out[kind] = Pooled(1, e["level_change"], e["level_low"], e["level_high"], 0.0,
                               "one place: its own interval")
            continue
        y = np.array([r["its"]["log_effect"] for r in rows], dtype=float)
        s = np.array([r["its"]["log_se"] for r in rows], dtype=float)
        out[kind] = pooled_effect(y, s)
    return out


def pooled_rows(found: list[Impact] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per type: type, places, effect, low, high, the sentence (with the sentence
    that reconciles it with the places' own verdicts), ``clear`` (the interval excludes
    no change) and ``moved`` (how many of its places had harm appear to move to the
    surrounding streets, which a summary of the type must carry)."""
    groups = _by_type(found)
    rows = []
    for kind, p in pooled_by_type(found).items():
        places = groups.get(kind, [])
        moved = sum(r.get("displacement") == "moved" for r in places)
        sentence = " ".join(filter(None, (
            pooled_sentence(kind, p),
            reconcile(p, [r["verdict"] for r in places], [r["its"]["mde"] for r in places]),
            moved_sentence(moved, p.places))))
        rows.append(p.as_dict() | {"type": kind, "sentence": sentence, "clear": is_clear(p),
                                   "moved": moved})
    return rows


def reconcile(p: Pooled | dict[str, Any], verdicts: list[str], mdes: list[float]) -> str:
    """One sentence explaining how the pooled effect and the places' own verdicts fit
    together ("" when there is nothing to explain): pooling places gives a narrower
    interval than any one place has, so a clear average can rest on places none of which
    was clear alone; and a clear place need not make a clear average."""
    d = p.as_dict() if isinstance(p, Pooled) else p
    if not d["places"] or d["effect"] is None or d["places"] < 2:
        return ""
    clear = d["high"] < 0 or d["low"] > 0
    way = "fall" if d["effect"] < 0 else "rise"
    n, k = d["places"], sum(v in ("reduced", "increased") for v in verdicts)
    unclear = [m for m, v in zip(mdes, verdicts, strict=True) if v == "no clear change"]
    if clear and unclear:
        return (f"{len(unclear)} of these {n} places showed no clear change on its own: one "
                f"place alone could only have detected a fall of {min(unclear) * 100:.0f}% or "
                f"more, and pooling the {n} places narrows the interval, so the average {way} "
                f"is clear where single places were not.")
    if not clear and k:
        return (f"{k} of the {n} places showed a clear change on its own, but the average "
                f"over places is not clear: the places differ, or part of that change is "
                f"chance.")
    return ""


def pooled_sentence(kind: str, p: Pooled | dict[str, Any]) -> str:
    """"Patrols: 22% fewer incidents on average over 4 places (95% CI 8% to 34% fewer)";
    "... at its one place" for one."""
    d = p.as_dict() if isinstance(p, Pooled) else p
    if not d["places"] or d["effect"] is None:
        return f"{kind}: no place with enough data and a matched comparison."
    n = d["places"]
    # one place is not an average: its own estimate, as its own sentence gives it
    over = "at its one place" if n == 1 else f"on average over {n} places"

    def pct(x: float) -> str:
        return f"{abs(x) * 100:.0f}% " + ("fewer" if x < 0 else "more")

    lo, hi = d["low"], d["high"]
    if hi < 0 or lo > 0:
        head = f"{kind}: {pct(d['effect'])} incidents {over}"
    else:
        head = f"{kind}: no clear change {over} ({pct(d['effect'])} incidents)"
    return f"{head} (95% CI {pct(lo)} to {pct(hi)})."
