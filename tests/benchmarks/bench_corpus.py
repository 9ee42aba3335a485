"""The benchmark's scaled corpus and its queries, both deterministic.

`write_corpus` copies `../shared/corpora/bbc` SCALE times into a folder, one file at a time
(never the whole corpus in memory). Each copy gets its own path, about 3 % of its body words
perturbed (a letter swapped or a suffix added) and its paragraphs rotated, so no copy is a
duplicate of another. Each file also gets a date line under its title (and most a byline),
which the plain-text importer reads, so `date:` ranges and author facets have something to
work on.

`make_queries` draws 100 queries of each class from the original texts with a fixed seed.
Each query is a pair: Gloss's query language and the same question for SQLite FTS5.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 20041
PERTURB = 0.03
SUFFIXES = ("s", "ed", "ing", "er", "ly")
AUTHORS = [f"{first} {last}" for first in ("Ann", "Ben", "Cleo", "Dev", "Eve", "Finn")
           for last in ("Hale", "Ito", "Moss", "Nunez", "Okafor")]  # fmt: skip
_STOP_WORDS = """a an and are as at be been but by for from had has have he her his i in is it
its not
of on or said says she that the their there they this to was were which will with would year years
also after more than new one two up we who what when all about over"""
STOP = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True)
class Story:
    """One BBC file: title and paragraphs, and where it came from."""

    rel: str
    title: str
    paragraphs: list[str]


def read_stories(bbc: Path) -> list[Story]:
    """The BBC folder as stories (2,225 of them; small enough to hold, the copies are not)."""
    stories = []
    for path in sorted(bbc.glob("*/*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        lines = [line for line in lines if line]
        if len(lines) < 2:
            continue
        stories.append(Story(path.relative_to(bbc).as_posix(), lines[0], lines[1:]))
    return stories


def _perturb(word: str, rng: random.Random) -> str:
    if len(word) > 3 and rng.random() < 0.5:
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word + rng.choice(SUFFIXES)


def copy_text(story: Story, copy: int) -> str:
    """The text of copy number `copy` of a story, as a file in the BBC form."""
    rng = random.Random(f"{SEED}:{copy}:{story.rel}")
    paragraphs = []
    for paragraph in story.paragraphs:
        words = paragraph.split(" ")
        for i, word in enumerate(words):
            if word.isalpha() and rng.random() < PERTURB:
                words[i] = _perturb(word, rng)
        paragraphs.append(" ".join(words))
    turn = copy % len(paragraphs)
    paragraphs = paragraphs[turn:] + paragraphs[:turn]
    year = 2004 + rng.randrange(2)
    head = [story.title, f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
    if rng.random() < 0.7:
        head.append(f"By {rng.choice(AUTHORS)}")
    return "\n\n".join(head + paragraphs) + "\n"


def write_corpus(stories: list[Story], folder: Path, scale: int) -> Iterator[Path]:
    """Write SCALE copies under `folder` (copy-NN/category/NNN.txt); yields each file's path."""
    for copy in range(scale):
        for story in stories:
            path = folder / f"copy-{copy:02d}" / story.rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(copy_text(story, copy), encoding="utf-8")
            yield path


# --- queries ---------------------------------------------------------------------------

CLASSES = ("common", "rare", "terms", "phrase", "prefix", "field", "annotation")


@dataclass(frozen=True)
class Query:
    """One question in both languages; `fts_table` is "articles" or "passages"."""

    kind: str
    gloss: str
    fts: str
    fts_table: str = "articles"
    date_range: tuple[str, str] | None = None


def _vocabulary(stories: list[Story]) -> tuple[Counter, list[list[str]], Counter]:
    df: Counter = Counter()
    docs = []
    titles: Counter = Counter()
    for story in stories:
        words = [w.lower() for p in story.paragraphs for w in WORD.findall(p)]
        docs.append(words)
        df.update(set(words) - STOP)
        titles.update({w.lower() for w in WORD.findall(story.title)} - STOP)
    return df, docs, titles


def make_queries(stories: list[Story], tags: list[str], note_words: list[str]) -> list[Query]:
    """100 queries of each class in CLASSES, from the original texts, with a fixed seed."""
    rng = random.Random(SEED)
    df, docs, titles = _vocabulary(stories)
    # ties in a fixed order (a Counter fed from sets counts in the hash seed's order)
    by_df = sorted(df, key=lambda w: (-df[w], w))
    common = by_df[:300]
    middle = [w for w in by_df if 20 <= df[w] <= 200]
    rare = [w for w in by_df if 2 <= df[w] <= 5 and len(w) > 4]
    title_words = [w for w in sorted(titles, key=lambda w: (-titles[w], w))[:400] if titles[w] >= 3]
    out: list[Query] = []

    def add(kind: str, gloss: str, fts: str, **extra) -> None:
        out.append(Query(kind, gloss, fts, **extra))

    for word in rng.sample(common, 100):
        add("common", word, word)
    for word in rng.sample(rare, 100):
        add("rare", word, word)
    while sum(q.kind == "terms" for q in out) < 100:
        doc = rng.choice(docs)
        words = sorted({w for w in doc if w in df and w not in STOP and df[w] >= 5})
        if len(words) >= 3:
            chosen = rng.sample(words, rng.choice((2, 3)))
            add("terms", " ".join(chosen), " ".join(chosen))
    while sum(q.kind == "phrase" for q in out) < 100:
        doc = rng.choice(docs)
        i = rng.randrange(max(1, len(doc) - 1))
        pair = doc[i : i + 2]
        if len(pair) == 2 and not set(pair) & STOP:
            add("phrase", f'"{pair[0]} {pair[1]}"', f'"{pair[0]} {pair[1]}"')
    for word in rng.sample([w for w in middle if len(w) >= 6], 100):
        stem = word[: rng.choice((4, 5))]
        add("prefix", f"{stem}*", f"{stem}*")
    for word in rng.sample(title_words, 50):
        add("field", f"title:{word}", f"title:{word}")
    for word in rng.sample(middle, 50):
        year = rng.choice(("2004", "2005"))
        first = rng.randint(1, 9)
        low, high = f"{year}-{first:02d}", f"{year}-{first + 3:02d}"
        add("field", f"{word} date:[{low} TO {high}]", word, date_range=(low, high + "-99"))
    for tag in (tags * 50)[:50]:
        add("annotation", f"tag:{_quoted(tag)}", f'tags:"{tag}"', fts_table="passages")
    for word in rng.sample(note_words, 50) if len(note_words) >= 50 else note_words * 2:
        add("annotation", f"note:{word}", f"note:{word}", fts_table="passages")
    return out


def _quoted(tag: str) -> str:
    return f'"{tag}"' if " " in tag else tag
