"""Test collections for the relevance benchmark: records, judged queries, relevance sets.

Readers for the classic formats: SMART (`.I` / `.T` / `.W` fields: CACM, CISI, Cranfield,
MED) with its relevance file (`qid did ...` lines), and NPL (`doc-text`, `query-text`,
`rlv-ass`: numbered records ended by `/`). A collection is a folder; `load` tells its
format from the files it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.analysis import STOP_WORDS


@dataclass
class Collection:
    """Records (id -> (title, abstract)), queries (id -> text) and relevant ids per query."""

    name: str
    docs: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, set[str]] = field(default_factory=dict)

    def judged(self) -> list[str]:
        """Ids of the queries with at least one relevant record, in file order."""
        return [q for q in self.queries if self.qrels.get(q)]


def _smart_records(text: str, wanted: set[str]) -> list[tuple[str, dict[str, str]]]:
    """(id, {field letter: text}) for each `.I` record, keeping the fields in `wanted`."""
    records: list[tuple[str, dict[str, str]]] = []
    current: dict[str, list[str]] = {}
    letter = None
    for line in text.splitlines():
        head = re.match(r"^\.([A-Z])\b\s*(.*)$", line)
        if head and head.group(1) == "I":
            current = {}
            records.append((head.group(2).strip(), current))  # type: ignore[arg-type]
            letter = None
        elif head:
            letter = head.group(1)
            if letter in wanted:
                current.setdefault(letter, [])
                if head.group(2).strip():
                    current[letter].append(head.group(2))
        elif letter in wanted and records:
            current[letter].append(line)
    return [(rid, {k: " ".join(" ".join(v).split()) for k, v in f.items()}) for rid, f in records]


def _normal_id(value: str) -> str:
    return str(int(value)) if value.isdigit() else value


def load_smart(folder: Path, docs: str, queries: str, qrels: str) -> Collection:
    """A SMART collection: records with `.T` titles and `.W` abstracts, `.W` queries."""
    out = Collection(folder.name, {}, {})
    text = (folder / docs).read_text(encoding="latin-1")
    for rid, fields in _smart_records(text, {"T", "W"}):
        out.docs[_normal_id(rid)] = (fields.get("T", ""), fields.get("W", ""))
    text = (folder / queries).read_text(encoding="latin-1")
    numbered = _smart_records(text, {"W"})
    sequential = folder.name.startswith("cran")  # Cranfield's judgements number queries 1..225
    for n, (qid, fields) in enumerate(numbered, 1):
        out.queries[str(n) if sequential else _normal_id(qid)] = fields.get("W", "")
    for line in (folder / qrels).read_text(encoding="latin-1").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        grade = parts[2] if len(parts) >= 3 and sequential else ""
        if grade.lstrip("-").isdigit() and not 1 <= int(grade) <= 4:
            continue  # Cranfield grades relevance 1 (most) to 4; -1 means "not relevant"
        out.qrels.setdefault(_normal_id(parts[0]), set()).add(_normal_id(parts[1]))
    return out


def _npl_blocks(path: Path) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.strip() == "/":
            if current:
                blocks.append(current)
            current = []
        elif line.strip():
            current.append(line.strip())
    return blocks


def load_npl(folder: Path) -> Collection:
    """NPL: numbered abstracts without titles (the first line stands as one), numbered
    queries, numbered lists of relevant ids."""
    out = Collection(folder.name, {}, {})
    for block in _npl_blocks(folder / "doc-text"):
        out.docs[block[0]] = (block[1] if len(block) > 1 else "", " ".join(block[2:]))
    for block in _npl_blocks(folder / "query-text"):
        out.queries[block[0]] = " ".join(block[1:]).lower()
    for block in _npl_blocks(folder / "rlv-ass"):
        out.qrels[block[0]] = {i for line in block[1:] for i in line.split()}
    return out


def load(folder: Path) -> Collection:
    """The collection in `folder`, whichever of the known layouts it has."""
    names = {p.name.lower(): p.name for p in folder.iterdir()}
    if "cacm.all" in names:
        return load_smart(folder, names["cacm.all"], names["query.text"], names["qrels.text"])
    if "doc-text" in names:
        return load_npl(folder)
    if "cran.all.1400" in names:
        return load_smart(folder, names["cran.all.1400"], names["cran.qry"], names["cranqrel"])
    alls = [n for n in names if n.endswith(".all")]
    if alls:
        stem = names[alls[0]][: -len(".all")]
        return load_smart(folder, names[alls[0]], f"{stem}.QRY", f"{stem}.REL")
    raise SystemExit(f"{folder}: no test collection this benchmark knows how to read")


def query_words(text: str) -> list[str]:
    """A query's words as the measure sends them: lower-cased, stop words out, each once."""
    words = re.findall(r"\w+", text.lower())
    return list(dict.fromkeys(w for w in words if w not in STOP_WORDS and len(w) > 1))


def record_file_text(title: str, abstract: str) -> str:
    """A record as a plain-text article: the title line, a blank line, the abstract."""
    return f"{title}\n\n{abstract}\n" if abstract else f"{title}\n"
