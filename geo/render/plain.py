"""User text is text: the one escaping helper of every page.

Streamlit reads Markdown (and its own ``:red[...]``, ``:material/...:`` and ``$...$``
extensions) in titles, headers, captions, alerts, metrics and ``st.markdown``. A place,
ward, agency, description or file name comes from an uploaded file or a form, so it is
passed through :func:`md` before it is put into any of them: every ASCII punctuation
character is backslash-escaped (CommonMark shows an escaped character as itself), so
``![b](http://host/p.png)`` shows as those characters and fetches nothing, and
``<img src=x>`` stays text. Line breaks become spaces: a name is one line.
"""

from __future__ import annotations

import re

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # all ASCII punctuation
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` as Markdown that shows exactly its characters (and nothing else)."""
    return _PUNCT.sub(r"\\\1", _BREAKS.sub(" ", str(value)))
