"""Dates, parsed in one place: an article's own date from a line, a meta tag or front matter.

`parse_date` reads a line that is only a date in a usual English form;
`iso_date` reads any full date a page or a clipping gives (ISO, RFC 2822, a
usual English form, a date inside a longer line) and keeps only plausible ones.
Both answer YYYY-MM-DD or None: a date is never guessed.
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

from index.importers.blocks import clean_inline

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_FORMS = [
    re.compile(rf"^{_WEEKDAY}{_DAY}\s+{_MONTH},?\s+{_YEAR}$"),  # 13 January 2023
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}$"),  # January 13, 2023
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[t ][\d:.+z-]*)?$"),
    re.compile(r"^(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})$"),
]


def parse_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD) for a line that is only a date in a usual English form.

    Accepts `13 January 2023`, `January 13, 2023`, `Fri 13 Jan. 2023`,
    `2023-01-13` (optionally with a time) and `2023/1/13`. Anything else,
    including impossible dates, gives None: a date is never guessed.
    """
    line = " ".join(text.strip().lower().split())
    line = line.removeprefix("published ").removeprefix("updated ").removeprefix("on ")
    for form in _DATE_FORMS:
        match = form.match(line)
        if not match:
            continue
        month_text = match.group("month")
        month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text)
        if month is None:
            return None
        try:
            return date(int(match.group("year")), month, int(match.group("day"))).isoformat()
        except ValueError:
            return None
    return None


_ISO_START = re.compile(r"^(\d{4})-(\d\d)-(\d\d)")
_DAY_INSIDE = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE_INSIDE = re.compile(
    rf"\b(?:[a-z]{{3,9}}\.?\s+{_DAY_INSIDE},?\s+\d{{4}}|{_DAY_INSIDE}\s+[a-z]{{3,9}}\.?,?\s+\d{{4}})\b",
    re.I,
)


def iso_date(value: str) -> str | None:
    """YYYY-MM-DD for a full date in ISO, RFC 2822 or a usual English form; else None.

    Only complete dates count (a year or a month alone gives None), and only
    plausible ones (from 1900 to next year).
    """
    value = " ".join(clean_inline(str(value)).split()) if value is not None else ""
    found = _parse_full_date(value) if value else None
    if found and 1900 <= int(found[:4]) <= date.today().year + 1:
        return found
    return None


def _parse_full_date(value: str) -> str | None:
    if found := parse_date(value):
        return found
    if match := _ISO_START.match(value):
        return parse_date("-".join(match.groups()))
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    # "Monday, November 18, 2019, 08:19 PM", "01:38:07 PM IST Nov 20, 2019"
    head = re.split(r"\s+(?:at\s+)?\d{1,2}:\d\d|\s*[|•·]\s*", value)[0].rstrip(", ")
    if head and head != value and (found := parse_date(head)):
        return found
    match = _DATE_INSIDE.search(value)
    return parse_date(match.group(0)) if match else None
