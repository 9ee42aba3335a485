"""The child side of the kill -9 harness (tests/test_crash.py), and sample articles for tests.

Run as `python tests/crash_child.py SCENARIO LIBRARY ACKS SEED [ARGS...]`. The
child opens the library as the app does and works until it is killed,
appending one JSON line to ACKS around every committed operation:

- `{"intent": {...}}` just before an operation, saying what it will leave
  behind (so the parent can accept either state for the one operation that
  may have been in flight at the kill);
- `{"ack": {...}}` right after the operation returned, with the state it left.

Scenarios: "annotations" (creates, edits, tag renames/merges/deletes and
deletes, each one transaction), "import" (a folder import), "reindex"
(reindex, then annotate + whoosh commit, in a loop), "reindex-pooled" (the same, the
rebuild's segments built in worker processes and merged, as for a big library).

The sample articles below were written for these tests.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = {
    "tide-mills.md": """# Notes on tide mills

By A. Walker

2024-03-02

A tide mill stores the rising sea behind a sluice gate and lets it out through the wheel
when the tide falls. The miller works by the moon, not by the clock 🌊 and keeps odd hours.

Most tide mills on the estuary stopped turning before the railway came; a few were rebuilt
as houses, and one still grinds flour for visitors on summer weekends.

The pond behind the dam silts up unless it is dredged, which is why the old leases name
the dredging days as carefully as the rents.
""",
    "lighthouse.md": """# The lighthouse keeper's log

By R. Osei

2023-11-19

Every entry starts with the weather: wind, sea state, visibility, then the lamp. The keeper
wrote in pencil on calm nights and in ink when a storm kept him awake.

Oil deliveries came by boat twice a year. A missed delivery meant rationing the lamp, which
the log records as "short light" with the hours it lasted.

After automation the log stopped, but the last keeper left a page of advice for whoever
would read it: trim the wick, trust the barometer, never the radio.
""",
    "orchard.md": """# Grafting an old orchard

By M. Duarte

2022-04-07

Scions are cut in winter while the tree sleeps and kept cool until the sap rises. A clean
diagonal cut on both pieces, bound tight, heals faster than any fancy joint.

The oldest trees were planted in rows too close for a tractor, so the orchard is still
mown by hand, and the grass between the rows holds more species than the meadow next door.

Labels rot; a map of the rows, redrawn each spring, is the only record that lasts.
""",
}


def write_samples(folder: Path) -> list[Path]:
    """Write the sample articles into `folder`; return their paths, in name order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in sorted(SAMPLES.items()):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


class Acks:
    """The acknowledgement log: one JSON line per event, flushed at once (no fsync: a
    killed process's written data is in the kernel; the harness does not cut power)."""

    def __init__(self, path: Path) -> None:
        self.handle = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def write(self, kind: str, data: dict) -> None:
        self.handle.write(json.dumps({kind: data}) + "\n")
        self.handle.flush()


TAGS = ["alpha", "beta", "gamma", "delta", "epsilon"]
COLORS = ["yellow", "green", "blue", "pink", "purple", "underline"]


def state(annotation) -> dict:
    """What the harness compares: everything the reader made, not the timestamps."""
    return {
        "id": annotation.id,
        "article_id": annotation.article_id,
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "color": annotation.color,
        "note": annotation.note,
        "tags": sorted(annotation.tags),
    }


def run_annotations(library, acks: Acks, rng: random.Random) -> None:
    """An endless stream of passage changes, each acknowledged after it returned."""
    from index.passages.anchoring import make_selector

    articles = [a.id for a in library.list_articles()]
    texts = {a: library.get_article(a).reading_text for a in articles}
    model = {a.id: state(a) for a in library.annotations()}
    tag_names = {t for s in model.values() for t in s["tags"]} | set(TAGS[:2])
    counter = 0
    while True:
        counter += 1
        roll = rng.random()
        if roll < (0.4 if len(model) < 150 else 0.15) or len(model) < 3:
            article = rng.choice(articles)
            text = texts[article]
            start = rng.randrange(0, len(text) - 40)
            end = start + rng.randrange(5, 40)
            color = rng.choice(COLORS)
            note = f"note {counter} <i>{rng.random():.3f}</i>"
            tags = _pick_tags(rng, tag_names)
            sel = make_selector(text, start, end)
            after = {"id": None, "article_id": article, "start": sel.start, "end": sel.end,
                     "exact": sel.exact, "color": color, "note": note, "tags": tags}  # fmt: skip
            acks.write("intent", {"op": "create", "after": [after]})
            made = library.annotate(article, start, end, color=color, note=note, tags=tags)
            model[made.id] = state(made)
            acks.write("ack", {"op": "create", "after": [model[made.id]]})
        elif roll < 0.7:
            pid = rng.choice(sorted(model))
            before = model[pid]
            after = dict(before, color=rng.choice(COLORS), note=f"edited {counter}")
            if rng.random() < 0.5:
                after["tags"] = sorted(
                    rng.sample(sorted(tag_names), k=min(len(tag_names), rng.randrange(0, 3)))
                )
            acks.write("intent", {"op": "edit", "after": [after]})
            done = library.update_annotation(
                pid, color=after["color"], note=after["note"], tags=after["tags"]
            )
            model[pid] = state(done)
            acks.write("ack", {"op": "edit", "after": [model[pid]]})
        elif roll < 0.85:
            pid = rng.choice(sorted(model))
            acks.write("intent", {"op": "delete", "deleted": [pid]})
            library.delete_annotation(pid)
            del model[pid]
            acks.write("ack", {"op": "delete", "deleted": [pid]})
        else:
            _tag_change(library, acks, rng, model, tag_names, counter)


def _pick_tags(rng: random.Random, names: set) -> list[str]:
    return sorted(rng.sample(sorted(names), k=min(len(names), rng.randrange(0, 3))))


def _tag_change(library, acks: Acks, rng, model: dict, tag_names: set, counter: int) -> None:
    used = sorted({t for s in model.values() for t in s["tags"]})
    if not used:
        return
    old = rng.choice(used)
    action = rng.choice(["rename", "merge", "delete"])
    others = sorted(set(used) - {old})
    if action == "merge" and not others:
        action = "rename"
    new = f"tag{counter}" if action == "rename" else (rng.choice(others) if others else None)
    expected = []
    for s in model.values():
        if old in s["tags"]:
            tags = [t for t in s["tags"] if t != old]
            if action != "delete":
                tags = sorted(set(tags) | {new})
            expected.append(dict(s, tags=tags))
    acks.write("intent", {"op": f"tag {action}", "after": expected})
    if action == "rename":
        library.rename_tag(old, new)
    elif action == "merge":
        library.merge_tags(old, new)
    else:
        library.delete_tag(old)
    tag_names.discard(old)
    if new:
        tag_names.add(new)
    for s in expected:
        model[s["id"]] = s
    acks.write("ack", {"op": f"tag {action}", "after": expected})


def run_import(library, acks: Acks, folder: str) -> None:
    """A folder import; progress acknowledges each file read (commits go in batches)."""
    acks.write("intent", {"op": "import", "folder": folder})
    report = library.import_paths([folder])
    acks.write("ack", {"op": "import", "imported": report.imported})
    library.wait_indexed(timeout=600)
    acks.write("ack", {"op": "indexed"})


def run_reindex(library, acks: Acks, rng: random.Random) -> None:
    """Rebuild the index, then annotate and commit to whoosh, over and over."""
    from index.passages.anchoring import make_selector

    articles = [a.id for a in library.list_articles()]
    while True:
        acks.write("intent", {"op": "reindex"})
        count = library.reindex()
        acks.write("ack", {"op": "reindex", "documents": count})
        for _ in range(3):
            article = rng.choice(articles)
            text = library.get_article(article).reading_text
            start = rng.randrange(0, max(1, len(text) - 30))
            sel = make_selector(text, start, start + 20)
            after = {"id": None, "article_id": article, "start": sel.start, "end": sel.end}
            after |= {"exact": sel.exact, "color": "yellow", "note": "reindex stream", "tags": []}
            acks.write("intent", {"op": "create", "after": [after]})
            made = library.annotate(article, start, start + 20, note="reindex stream")
            acks.write("ack", {"op": "create", "after": [state(made)]})
            library.wait_indexed(timeout=60)
            acks.write("ack", {"op": "indexed"})


def main(argv: list[str]) -> int:
    scenario, folder, ack_path, seed = argv[:4]
    from index.library import Library

    rng = random.Random(int(seed))
    acks = Acks(Path(ack_path))
    # As the window opens it: the indexer drains the outbox in a background thread.
    library = Library.open(folder, writer_wait=30.0, background=scenario != "import")
    acks.write("ack", {"op": "opened", "pid": os.getpid()})
    if scenario == "annotations":
        run_annotations(library, acks, rng)
    elif scenario == "import":
        run_import(library, acks, argv[4])
    elif scenario == "reindex":
        run_reindex(library, acks, rng)
    elif scenario == "reindex-pooled":  # built by worker processes and merged, as a big one
        from index import index_opening
        from index.search import rebuilding

        index_opening.POOL_FROM_DOCUMENTS, rebuilding.SEGMENT_DOCS = 50, 60
        run_reindex(library, acks, rng)
    elif scenario == "hold":  # keep the library open for writing until killed
        sys.stdin.read()
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    library.close()
    acks.write("ack", {"op": "closed"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
