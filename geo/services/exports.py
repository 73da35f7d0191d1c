"""Every download of the dashboard goes out through :func:`export`: the role is checked
on the server, the content is made safe, and the export is audited."""

from __future__ import annotations

import pandas as pd

from geo.config import Settings
from geo.render.exports import safe_csv
from geo.services import actions


def export(content: pd.DataFrame | bytes, *, actor: str, role: str, what: str,
           action: str = "export", settings: Settings | None = None) -> bytes:
    """The one way a download leaves the dashboard.

    ``content`` is a table the caller has made (it becomes CSV with every cell neutralised,
    :func:`geo.render.exports.safe_csv`) or a document already rendered with every value
    escaped (the board pack's HTML). The role is checked for ``action``
    (:func:`geo.services.actions.authorise`: a refusal is audited and raises
    :class:`geo.services.actions.Denied`), then the export is audited with its size.
    """
    actions.authorise(actor, role, action, what, settings)
    if isinstance(content, pd.DataFrame):
        data, detail = safe_csv(content), {"rows": len(content)}
    else:
        data, detail = bytes(content), {"bytes": len(content)}
    actions.audit(actor, role, action, what, "ok", detail, settings)
    return data
