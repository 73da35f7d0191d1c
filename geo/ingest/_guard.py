"""The de-identification guard: stop a file that carries direct identifiers.

Names, dates of birth, full postcodes, phone numbers, e-mail addresses, NHS numbers and
free-text notes must never enter the database. A column that is one (by its name) or holds
one (by its values) rejects the whole file, naming the column; the offending values are not
repeated in the message, the quarantine or any log.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.ingest._columns import normalise

#: column names that are direct identifiers whatever they hold
IDENTIFYING_NAMES: dict[str, str] = {
    "name": "a name",
    "forename": "a name",
    "firstname": "a name",
    "surname": "a name",
    "lastname": "a name",
    "fullname": "a name",
    "childname": "a name",
    "personname": "a name",
    "youngpersonname": "a name",
    "givenname": "a name",
    "familyname": "a name",
    "dob": "a date of birth",
    "dateofbirth": "a date of birth",
    "birthdate": "a date of birth",
    "birthday": "a date of birth",
    "postcode": "a postcode",
    "postalcode": "a postcode",
    "homepostcode": "a postcode",
    "address": "an address",
    "homeaddress": "an address",
    "street": "an address",
    "phone": "a phone number",
    "telephone": "a phone number",
    "mobile": "a phone number",
    "phonenumber": "a phone number",
    "tel": "a phone number",
    "email": "an e-mail address",
    "emailaddress": "an e-mail address",
    "nhsnumber": "an NHS number",
    "nhsno": "an NHS number",
    "nhs": "an NHS number",
    "upn": "a pupil number",
    "nino": "a National Insurance number",
    "notes": "free-text notes",
    "note": "free-text notes",
    "comments": "free-text notes",
    "comment": "free-text notes",
    "narrative": "free-text notes",
    "freetext": "free-text notes",
    "casenotes": "free-text notes",
    "details": "free-text notes",
}

#: words that make a column name an identifier wherever they stand in it ("Child
#: Forename", "YP_DOB", "homeAddress"), and phrases of two or three words
IDENTIFYING_WORDS: dict[tuple[str, ...], str] = {
    ("forename",): "a name", ("forenames",): "a name", ("surname",): "a name",
    ("firstname",): "a name", ("lastname",): "a name", ("fullname",): "a name",
    ("first", "name"): "a name", ("last", "name"): "a name", ("given", "name"): "a name",
    ("family", "name"): "a name", ("full", "name"): "a name", ("middle", "name"): "a name",
    ("dob",): "a date of birth", ("date", "of", "birth"): "a date of birth",
    ("birth", "date"): "a date of birth", ("birthdate",): "a date of birth",
    ("dateofbirth",): "a date of birth",
    ("address",): "an address", ("postcode",): "a postcode", ("post", "code"): "a postcode",
    ("email",): "an e-mail address", ("e", "mail"): "an e-mail address",
    ("phone",): "a phone number", ("telephone",): "a phone number",
    ("mobile",): "a phone number", ("nhs", "number"): "an NHS number",
    ("nhs", "no"): "an NHS number", ("ni", "number"): "a National Insurance number",
}
#: "name" alone is a person's unless it names a thing: "LSOA name", "Place name", "Ward
#: name", "Station name" (what real police.uk files and boundary files have)
_THING_WORDS = frozenset({
    "lsoa", "msoa", "oa", "ward", "wd", "place", "station", "area", "lad", "la", "street",
    "road", "location", "school", "agency", "organisation", "organization", "site",
    "operation", "team", "service", "district", "borough", "county", "force", "region",
    "country", "venue", "premises", "business", "shop", "layer", "category", "type",
    "crime", "offence", "harm", "intervention", "context", "unit", "ward18", "lsoa21",
    "lsoa11", "ctry", "rgn", "town", "city", "park", "route", "line", "operator", "partner",
    "stop", "zone", "beat", "neighbourhood", "sector", "file", "sheet", "field", "column",
})
#: a postcode's district or sector is not a full postcode (the values are scanned still)
_PARTIAL_POSTCODE = frozenset({"district", "sector", "area", "outward", "outcode"})


def _words(name: str) -> list[str]:
    """A column name's words, lower case: split at spaces, punctuation, underscores,
    digits-to-letters and camelCase (``childForename`` is child, forename)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


#: words of a column name that say it holds free text (a description, notes, a summary,
#: the factors of an assessment, a title): such a column is never loaded from a file
FREE_TEXT_NAME_WORDS = frozenset({
    "description", "descriptions", "desc", "summary", "summaries", "notes", "note",
    "comments", "comment", "narrative", "narratives", "freetext", "details", "detail",
    "remarks", "remark", "observations", "observation", "factors", "riskfactors", "title",
    "titles", "text", "memo", "casenotes", "story", "concerns", "concern", "background",
    "info", "information", "rationale", "circumstances", "synopsis", "account",
    "explanation", "modusoperandi",
})
#: why a free-text column was left out, as the load's report says it
FREE_TEXT_LEFT_OUT = ("free text is never loaded from files: type notes on the page, where "
                      "they are checked")


#: words that make a column a code or a count, not free text (``note_ref``, ``Summary
#: code``, ``Description ID``)
_STRUCTURED_WORDS = frozenset({"ref", "reference", "id", "code", "codes", "number", "no",
                               "key", "type", "category", "date", "count", "flag"})


def is_free_text_column(name: str) -> bool:
    """Whether a column's name says it holds free text (``Description``, ``Case notes``,
    ``Risk factors``, ``MO``): never loaded from a file, whatever its values. A name
    that also says it is a code or a count (``note_ref``, ``Summary code``) is not."""
    norm = normalise(name)
    words = _words(name)
    if set(words) & _STRUCTURED_WORDS:
        return False
    return (norm in FREE_TEXT_NAME_WORDS or norm == "mo"
            or any(w in FREE_TEXT_NAME_WORDS for w in words))


def column_identifies(name: str) -> str | None:
    """What identifier a column's name says it holds (``"a name"`` for ``Child Forename``),
    or ``None`` (``Crime ID``, ``LSOA name``, ``Place name``, ``Postcode district``): its
    normalised form among :data:`IDENTIFYING_NAMES`, or its words holding one of
    :data:`IDENTIFYING_WORDS`, or the word "name" not qualified by a thing."""
    norm = normalise(name)
    if norm in IDENTIFYING_NAMES:
        return IDENTIFYING_NAMES[norm]
    words = _words(name)
    for phrase, what in IDENTIFYING_WORDS.items():
        n = len(phrase)
        for k in range(len(words) - n + 1):
            if tuple(words[k:k + n]) == phrase:
                if phrase in (("postcode",), ("post", "code")) and (
                        set(words[k + n:k + n + 1]) & _PARTIAL_POSTCODE):
                    continue
                return what
    for k, w in enumerate(words):
        if w in ("name", "names") and not (k and words[k - 1] in _THING_WORDS):
            return "a name"
    for strong in ("forename", "surname", "dateofbirth", "firstname", "lastname"):
        if strong in norm:  # CHILDFORENAME, written with no separators at all
            return "a name" if "name" in strong else "a date of birth"
    return None


# The patterns run on Arrow's RE2 engine (``pyarrow.compute``), which has no backtracking:
# its time grows with the length of the text, never faster (a million-character cell takes
# milliseconds). RE2 has no look-around; ``(?:^|[^\d.])`` stands for "not after a digit".
_EMAIL = r"(?i)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"
_POSTCODE = r"(?i)\b(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})\b"
_PHONE = r"(?:^|[^\d.])(?:\+44\s?|0)(?:\d\s?){9,10}(?:$|[^\d.])"
_NHS_CANDIDATE = r"(?:^|[^\d.])\d{3}[ -]?\d{3}[ -]?\d{4}(?:$|[^\d.])"
#: NHS candidates found by RE2 are confirmed by their check digit with this bounded
#: pattern (fixed-length pieces: it cannot backtrack far)
_NHS = re.compile(r"(?<![\d.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d.])")
#: a word: a run of non-space characters holding a letter (a hex or base-64 blob is one)
_WORD = r"[^\sA-Za-z]*[A-Za-z]\S*"
#: this many words or more make a value free text
FREE_TEXT_WORDS = 8


def _nhs_valid(digits: str) -> bool:
    nums = [int(d) for d in digits]
    check = 11 - sum(n * w for n, w in zip(nums[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == nums[9]


def _has_nhs(value: str) -> bool:
    return any(_nhs_valid("".join(m.groups())) for m in _NHS.finditer(value))


def scan(values: pa.Array | list[str], prose_ok: bool = False) -> np.ndarray:
    """What direct identifier each value holds (an object array of descriptions, ``None``
    where it holds none), vectorised on RE2: linear in the length of the text."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.fill_null(arr, "")
    out = np.full(len(arr), None, dtype=object)
    if not len(arr):
        return out

    def mask(pattern: str) -> np.ndarray:
        return np.asarray(pc.match_substring_regex(arr, pattern).to_numpy(
            zero_copy_only=False), dtype=bool)

    nhs = mask(_NHS_CANDIDATE)
    if nhs.any():  # few values: their check digits in Python
        idx = np.flatnonzero(nhs)
        nhs[idx] = [_has_nhs(v) for v in arr.take(pa.array(idx)).to_pylist()]
    # the first kind found wins, in this order (as before: e-mail, postcode, NHS, phone)
    checks = [(mask(_EMAIL), "an e-mail address"), (mask(_POSTCODE), "a full postcode"),
              (nhs, "an NHS number"), (mask(_PHONE), "a phone number")]
    checks.append((mask(_BIRTH_RE2), "a date of birth"))
    if not prose_ok:
        words = pc.count_substring_regex(arr, _WORD).to_numpy(zero_copy_only=False)
        checks.append((np.asarray(words) >= FREE_TEXT_WORDS, "free text"))
    for hit, what in reversed(checks):
        out[hit] = what
    return out


def _value_kind(value: str, prose_ok: bool = False) -> str | None:
    found: str | None = scan([value], prose_ok)[0]
    return found


#: a date of birth named as such in free text ("DOB 02/03/2011", "born 2 March 2011");
#: bounded, so it runs in linear time
_BIRTH = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\b[\s:]{0,3}\S{0,20}\d",
                    re.IGNORECASE)
_BIRTH_RE2 = (r"(?i)\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\b[\s:]{0,3}\S{0,20}\d")


def identifier_in(text: str) -> str | None:
    """What direct identifier ``text`` holds (an e-mail address, a full postcode, an NHS or
    phone number, a date of birth named as such), or ``None``; sentences are allowed. For
    text typed into a form, and free text read from a file (the same guard).
    """
    return _value_kind(text, prose_ok=True) or (
        "a date of birth" if _BIRTH.search(text) else None)


#: words that make a run of capitalised words the name of a thing (an agency, a place, a
#: programme, a day), not of a person; the area's own ward, LSOA and place names are added
#: where the database is at hand (:func:`person_name_in`'s ``known``)
THING_WORDS = frozenset("""
police service services council city borough county team youth school schools academy
college university station stations railway rail road street lane avenue way park centre
center shopping church mosque temple gurdwara hospital clinic health nhs trust partnership
board safeguarding children childrens social care transport british west east north south
midlands community housing association authority licensing trading standards fire rescue
ambulance network project programme operation op unit department office agency group
groups peer line lines route bus coach metro tram market square green hill heath bridge
canal estate court house close crescent drive gardens place row terrace walk grove mews
view parade precinct arcade mall retail takeaway shop shops store cafe restaurant bar pub
club leisure sports gym library hub work worker workers detached early help family families
support prevention violence reduction exploitation missing young people person persons
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday the a an and of for to at in on
near outside inside around by from with after before during since seen reported referred
several many some all every weekly daily evening evenings morning night nights weekend
weekends new old high low medium risk safer safe joint multi partners partner ward wards
lsoa area areas district region local national government home office crown prosecution
probation court courts magistrates national crime serious organised county lines guardianship
training patrols patrol design environmental cctv lighting outreach mentoring diversion
integrated offender management victim victims witness education employment
""".split())
#: a title before a capitalised word: a person (Mrs Patel)
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?[ _]+[A-Z][a-z]")
#: a run of two or more capitalised words (``Jayden Okafor``, ``Jayden_Okafor``)
_CAPITALISED_RUN = re.compile(r"[A-Z][a-z]+(?:['’][a-z]+)?(?:[ _-]+[A-Z][a-z]+(?:['’][a-z]+)?)+")


#: a word of text, with its apostrophe ending (``Jayden's``)
_WORD_RE = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")
#: words before a given name that make it a word, not a person ("the lane", "a chance")
_DETERMINERS = frozenset("the a an this that these those some no any each every our their "
                         "its my your his her of".split())


#: words of :data:`THING_WORDS` that link a name to what follows, not name a thing
_LINKS = frozenset("""near outside inside around from with after before during since seen
reported referred several many some every weekly daily evening evenings morning night nights
weekend weekends and the for""".split())


def person_name_in(text: str, known: Iterable[str] = (), runs: bool = True) -> bool:
    """Whether free text appears to hold a person's name: a title before a capitalised word
    (``Mrs Patel``); two or more capitalised words in a row none of which is a word of a
    thing's name (:data:`THING_WORDS`, and the words of ``known``: the area's ward, LSOA
    and place names); or a **given name** (:func:`geo.ingest._names.given_names`: 6,800
    names, Jayden to Shanice), alone or in lower case ("seen with jayden"), that is not a
    word of a thing's name, nor a common English word written as one (``the lane``, ``may``,
    ``Hope`` starting a sentence: :data:`geo.ingest._names.COMMON_WORDS`).
    ``Jayden Okafor was seen`` and ``seen with jayden`` hold one; ``West Midlands Police``,
    ``Stratford Road takeaway`` and ``Sutton Coldfield`` (a place of the area) do not. It
    refuses rather than stores when in doubt. ``runs=False`` skips the rule of capitalised
    runs, for the names of places ("Five Ways", "Bull Ring" are places; a title or a given
    name still refuses "Jayden's flat")."""
    from geo.ingest._names import COMMON_WORDS, given_names

    text = str(text)[:20_000]
    if _TITLED.search(text):
        return True
    things = THING_WORDS | {w.lower() for w in known}
    for run in _CAPITALISED_RUN.findall(text) if runs else ():
        words = [re.sub(r"['’][a-z]+$", "", w).lower() for w in re.split(r"[ _-]+", run) if w]
        if not any(w in things for w in words):
            return True
    names = given_names()
    tokens = list(_WORD_RE.finditer(text))
    for k, m in enumerate(tokens):
        word = re.sub(r"['’][a-z]+$", "", m.group())
        low = word.lower()
        if low in things or low not in names or (word.isupper() and len(word) > 1):
            continue
        before = text[:m.start()].rstrip()
        starts = not before or before[-1] in ".!?:;\n"
        prev = tokens[k - 1].group().lower() if k else ""
        nxt = tokens[k + 1].group() if k + 1 < len(tokens) else ""
        owner = m.group() != word  # "Jayden's house" is a person's; "St Paul's Square" not
        if prev in _DETERMINERS or (nxt.lower() in things and nxt.lower() not in _LINKS
                                    and (nxt[:1].isupper() or (len(nxt) > 3 and not owner))):
            continue  # "the lane", "Rose Lane", "Aston station": a thing's name
        if low in COMMON_WORDS and (word.islower() or starts):
            continue  # the word, not a person
        return True
    return False


def words_of(names: Iterable[str]) -> frozenset[str]:
    """The words of names (the area's wards, LSOAs and places), lower case."""
    return frozenset(w.lower() for n in names for w in re.findall(r"[A-Za-z]+", str(n)))


#: a day-precision date (a date of birth?) in a file name
_FULL_DATE = re.compile(r"(?<!\d)(?:\d{1,2}[-_./ ]\d{1,2}[-_./ ](?:\d{4}|\d{2})|"
                        r"\d{4}[-_./ ]\d{1,2}[-_./ ]\d{1,2})(?!\d)")
#: words that, in a file name, say what follows identifies someone
_NAME_WORDS = {"name", "forename", "firstname", "surname", "lastname", "fullname", "dob",
               "dateofbirth", "birthdate", "birthday", "born", "nhs", "nhsno", "nino", "upn"}
#: two capitalised words in a row: a person's name?
_TWO_NAMES = re.compile(r"\b[A-Z][a-z]+[ _.-]+[A-Z][a-z]+\b")


def name_is_safe(text: str, words: bool = True) -> bool:
    """Whether a file or column name may be stored: it holds no identifier the guard
    finds, no word that names one (``DOB``, ``name``, ...: with ``words``, for a file
    name; a column may be called so), no full date and no two capitalised words in a row
    (a person's name). Strict on purpose: a name that fails is replaced, not refused."""
    text = str(text)
    if len(text) > 120 or not text.isprintable():
        return False
    spaced = " ".join(re.split(r"[^A-Za-z0-9@.+]+", text))
    if any(found is not None for found in scan([text, spaced])):
        return False
    if words and any(t.lower() in _NAME_WORDS for t in re.split(r"[^A-Za-z]+", text) if t):
        return False
    return not (_FULL_DATE.search(text) or _TWO_NAMES.search(text))


def load_label(kind: str, sha256: str, label: str | None = None,
               today: datetime.date | None = None) -> str:
    """What a load is recorded and reported as (``extract.file_name``, ``audit_log.target``,
    messages, the server log): never the file's own name, which an analyst did not choose
    to record and may hold a child's name (``Jayden_Okafor_referral.csv``), but
    ``incidents upload, 2026-12 (3fa2c1d0)``: the kind, the month of the load and the first
    digits of the file's sha256 (the ledger keeps the whole digest); or ``label``, typed by
    the analyst, when it passes :func:`label_is_safe`."""
    if label is not None and label.strip() and label_is_safe(label.strip()):
        return label.strip()
    month = (today or datetime.date.today()).strftime("%Y-%m")
    return f"{kind} upload, {month} ({sha256[:8]})"


def label_is_safe(text: str) -> bool:
    """Whether a label an analyst typed may be stored: a short line that passes the typed
    text guard (:func:`identifier_in`) and the file-name guard (:func:`name_is_safe`: no
    full date, no two capitalised words in a row, no word naming an identifier) and the
    check for a person's name (:func:`person_name_in`: "jayden referral" is not kept)."""
    return (len(text) <= 80 and identifier_in(text) is None and name_is_safe(text)
            and not person_name_in(text))


def column_label(column: str, columns: list[str] | None = None) -> str:
    """A column as a message may name it: ``'Crime type'``, or ``column 5`` when its name
    could itself identify someone."""
    if name_is_safe(column, words=False):
        return repr(str(column))
    pos = columns.index(column) + 1 if columns and column in columns else None
    return f"column {pos}" if pos else "a column"


class IdentifierFound(ValueError):
    """A column holds direct identifiers; the file is rejected."""

    def __init__(self, file_name: str, column: str, what: str, row: int | None,
                 columns: list[str] | None = None) -> None:
        where = f" (first seen in row {row})" if row is not None else ""
        super().__init__(
            f"{file_name}: column {column_label(column, columns).removeprefix('column ')} "
            f"holds {what}{where}. Direct identifiers must not "
            "be uploaded: remove the column (or use a pseudonymous person key column) and "
            "upload again. Nothing from this file was stored."
        )
        self.column = column
        self.what = what


def check(
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    file_name: str,
    *,
    allowed_names: Iterable[str] = (),
    skip_values: Iterable[str] = (),
    prose: Iterable[str] = (),
    known: Iterable[str] = (),
    named: Iterable[str] = (),
    place_names: Iterable[str] = (),
) -> None:
    """Raise :class:`IdentifierFound` for the first column that is or holds an identifier.

    ``allowed_names`` are column names legitimate for this kind of file (a place's
    ``name``); ``skip_values`` are columns already parsed as numbers, dates or codes, whose
    values need no scan; ``prose`` columns may hold sentences (an intervention's
    description) but are still scanned for postcodes, e-mails, numbers and dates of birth
    named as such, as typed text is (:func:`identifier_in`), and for a person's name
    (:func:`person_name_in`, with ``known``: the words of the area's own names), as are
    the ``named`` columns (short free text: an agency); ``place_names`` columns (a place's
    name) are checked for a title or a given name (``person_name_in(runs=False)``).
    """
    allowed = {normalise(a) for a in allowed_names}
    skip = set(skip_values)
    prose_cols = set(prose)
    name_cols = prose_cols | set(named)
    place_cols = set(place_names)
    columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        what = column_identifies(col)
        if what is not None and normalise(col) not in allowed:
            raise IdentifierFound(file_name, col, what, None, columns)
    for col in frame.columns:
        if col in skip:
            continue
        uniques = pd.unique(frame[col])  # each distinct value once
        found = scan(pa.array(uniques, type=pa.string(), from_pandas=True),
                     prose_ok=col in prose_cols)
        if col in name_cols or col in place_cols:
            things = words_of(known)
            runs = col in name_cols
            named = np.array([person_name_in(str(v), things, runs) for v in uniques],
                             dtype=bool)
            found[named & (found == None)] = "a person's name"  # noqa: E711
        hits = np.flatnonzero(found != None)  # noqa: E711 - element-wise
        if len(hits):
            value = uniques[hits[0]]
            values = frame[col].to_numpy(dtype=object)
            pos = int(np.flatnonzero(values == value)[0])
            raise IdentifierFound(file_name, col, found[hits[0]], int(row_numbers[pos]),
                                  columns)
