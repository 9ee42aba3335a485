"""The colour legend: a name for each palette colour, chosen by the reader.

A colour means what its name says ("question", "evidence"), so the name shows
wherever the colour does (passages, exports, digests) and works in the query
language: `color:question` is the same as `color:blue`. Only renamed colours
are stored (table `legend`); the others keep their default names.
"""

from __future__ import annotations

import re

from index.passages.annotations import PALETTE, AnnotationError, check_color
from index.store.database import Store

DEFAULT_NAMES: dict[str, str] = {
    "yellow": "key point",
    "green": "evidence",
    "blue": "question",
    "pink": "disagree",
    "purple": "definition",
    "underline": "follow up",
}
MAX_NAME_LENGTH = 40


def clean_name(name: str) -> str:
    """A colour name's stored form: single spaces, bounded length, not another colour."""
    name = " ".join(str(name).split())
    if not name:
        raise AnnotationError("a colour name needs at least one character")
    if len(name) > MAX_NAME_LENGTH:
        raise AnnotationError(f"a colour name is at most {MAX_NAME_LENGTH} characters")
    return name


def legend(store: Store) -> dict[str, str]:
    """Every palette colour with its name, in palette order."""
    stored = {r["color"]: r["name"] for r in store.read("SELECT color, name FROM legend")}
    return {color: stored.get(color) or DEFAULT_NAMES[color] for color in PALETTE}


def set_name(store: Store, color: str, name: str | None) -> dict[str, str]:
    """Name a colour (None or "" puts the default back); return the whole legend.

    A name may not be another colour's word ("blue" for pink) nor another
    colour's current name, or `color:NAME` would mean two things.
    """
    color = check_color(color)
    with store.write() as conn:
        if not name or not str(name).strip():
            conn.execute("DELETE FROM legend WHERE color = ?", (color,))
        else:
            name = clean_name(name)
            key = _key(name)
            if key in PALETTE and key != color:
                raise AnnotationError(f"“{name}” is already a colour of the palette")
            current = {r["color"]: r["name"] for r in conn.execute("SELECT * FROM legend")}
            for other in PALETTE:
                taken = current.get(other) or DEFAULT_NAMES[other]
                if other != color and _key(taken) == key:
                    raise AnnotationError(f"“{name}” already names {other}")
            conn.execute("INSERT OR REPLACE INTO legend(color, name) VALUES (?, ?)", (color, name))
    return legend(store)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def aliases(names: dict[str, str]) -> dict[str, str]:
    """Query words for each colour: its name, also hyphenated or run together.

    `color:follow-up`, `color:"follow up"` and `color:followup` all reach
    underline; the search layer adds the palette words themselves.
    """
    out: dict[str, str] = {}
    for color, name in names.items():
        key = _key(name)
        for variant in (
            key,
            re.sub(r"\s+", "-", key),
            re.sub(r"\s+", "_", key),
            key.replace(" ", ""),
        ):
            out.setdefault(variant, color)
    return out


def name_of(names: dict[str, str], color: str) -> str:
    """A colour's name from a legend dict (the colour itself when unknown)."""
    return names.get(color) or DEFAULT_NAMES.get(color) or color
