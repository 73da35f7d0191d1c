"""What a load says happened: :class:`LoadResult` and the sentences of its message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from geo.ingest import (
    _archive,
)
from geo.ingest._guard import (
    FREE_TEXT_LEFT_OUT,
)


@dataclass
class LoadResult:
    """What happened to one file; printed by ``contexts load --json``."""

    extract_id: int | None
    kind: str
    file_sha256: str
    status: Literal["loaded", "already_loaded", "rejected"]
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    message: str = ""
    #: records of older extracts this one replaced (the same crimes again), by extract id
    replaced: dict[str, int] = field(default_factory=dict)
    #: a police.uk download's files, each as loaded (``name`` and its own result)
    members: list[dict[str, Any]] = field(default_factory=list)
    #: the file's columns left out because they hold free text (as messages name them)
    left_out: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def left_out_sentence(left_out: list[str]) -> str:
    if not left_out:
        return ""
    which = ", ".join(left_out)
    return (f"; column{'s' if len(left_out) > 1 else ''} {which} left out: "
            f"{FREE_TEXT_LEFT_OUT}")


def replaced_sentence(replaced: dict[int, int], what: str) -> str:
    """"; 272 incidents already loaded from extract 5: replaced (the newer file's kept)"."""
    if not replaced:
        return ""
    parts = [f"{n} from extract {e}" for e, n in sorted(replaced.items())]
    first = parts[0].replace(" from", f" {what} already loaded from", 1)
    listed = ", ".join([first, *parts[1:]])
    return (f"; {listed}: replaced by this file's (the newer extract wins, so none counts "
            "twice)")


def archive_result(kind: str, sha: str, name: str,
                   done: list[tuple[_archive.Member, LoadResult]]) -> LoadResult:
    """One report for an archive: its totals, then a line a file."""
    results = [r for _, r in done]
    new = [r for r in results if r.status == "loaded"]
    read, ok, q = (sum(getattr(r, a) for r in new)
                   for a in ("rows_read", "rows_loaded", "rows_quarantined"))
    reasons: Counter[str] = Counter()
    replaced: Counter[str] = Counter()
    for r in new:
        reasons.update(r.reasons)
        replaced.update(r.replaced)
    before = len(results) - len(new)
    head = (f"{name}: a police.uk download of {len(results)} files, loaded in one "
            f"transaction: {read} rows read, {ok} loaded, {q} quarantined"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(reasons.items()))})"
               if reasons else "")
            + (f"; {sum(replaced.values())} records already loaded from extract(s) "
               f"{', '.join(sorted(replaced, key=int))}: replaced by this download's (the "
               "newer extract wins)" if replaced else "")
            + (f"; {before} of its files were loaded before (nothing changed for them)"
               if before else ""))
    if not new:
        head = (f"{name}: every one of the {len(results)} files of this police.uk download "
                "was loaded before; nothing changed")
    lines = [head, *(f"- {m.name}: {r.message}" for m, r in done)]
    return LoadResult(None, kind, sha, "loaded" if new else "already_loaded", read, ok, q,
                      dict(reasons), "\n".join(lines), dict(replaced),
                      [{"name": m.name, **r.as_dict()} for m, r in done])
