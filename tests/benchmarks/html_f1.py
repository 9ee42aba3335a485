"""Shingle F1 of HTML article extraction on the html-news corpus.

Usage (from the repository root):

    .venv/bin/python tests/benchmarks/html_f1.py            # our import_html only
    .venv/bin/python tests/benchmarks/html_f1.py --all      # also trafilatura, readability alone
    .venv/bin/python tests/benchmarks/html_f1.py --worst 5  # list the five weakest pages

The measure is the one of the article-extraction benchmark the corpus comes
from: both texts are split into `\\w+` tokens and counted as 4-token shingles
(a multiset); per page, true positives, false positives and false negatives
become fractions of their sum; precision and recall are averaged over the pages
(precision over pages where something was extracted, recall over pages with
a ground truth); F1 is taken from the two averages.

The corpus's ground truth is each article's body without its figure captions, so
`gloss` scores the reading text without figures (an image and its caption);
`gloss+captions` (with --all) scores the whole reading text, captions included.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = REPO.parent / "shared" / "corpora" / "html-news"

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str, size: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of `size`-token shingles of `text` (one short shingle for a short text)."""
    tokens = _TOKEN.findall(text or "")
    count = max(1, len(tokens) - size + 1)
    return Counter(tuple(tokens[i : i + size]) for i in range(count) if tokens[i : i + size])


def page_fractions(truth: str, extracted: str) -> tuple[float, float, float]:
    """True positives, false positives and false negatives of one page, as fractions of 1."""
    want, got = shingles(truth), shingles(extracted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def summarize(fractions: list[tuple[float, float, float]]) -> dict[str, float]:
    """Precision and recall averaged over pages, and the F1 of those two averages."""
    precisions = [_precision(*f) for f in fractions if f[0] + f[1] > 0]
    recalls = [_recall(*f) for f in fractions if f[0] + f[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def page_f1(truth: str, extracted: str) -> float:
    """The F1 of a single page (used by the tests to spot one bad page)."""
    fractions = page_fractions(truth, extracted)
    return summarize([fractions])["f1"]


def load_corpus(corpus: Path = CORPUS) -> list[tuple[str, str, str]]:
    """(key, decoded html, ground-truth article body) for every page of the corpus."""
    from index.importers.decode import decode_bytes

    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        html = decode_bytes((corpus / "pages" / f"{key}.html").read_bytes()).text
        pages.append((key, html, truth[key].get("articleBody") or ""))
    return pages


# --- extractors: decoded html -> plain text ---------------------------------


def gloss_text(html: str) -> str:
    """Our importer's reading text without figures, as the ground truth has it (empty when
    it finds nothing)."""
    from index.importers.html import import_html
    from index.model import reading_text_of

    try:
        blocks = import_html(html).blocks
    except ValueError:
        return ""
    return reading_text_of([b for b in blocks if b.kind != "figure"])


def gloss_reading_text(html: str) -> str:
    """Our importer's whole reading text, figure captions included."""
    from index.importers.html import import_html

    try:
        return import_html(html).reading_text
    except ValueError:
        return ""


def trafilatura_text(html: str) -> str:
    """Plain trafilatura with its default settings, as text."""
    import trafilatura

    return trafilatura.extract(html) or ""


def readability_text(html: str) -> str:
    """readability-lxml's summary, its text taken with one newline per block element."""
    import lxml.html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    if not summary.strip():
        return ""
    root = lxml.html.fromstring(summary)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    return root.text_content()


_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "pre"}

EXTRACTORS: dict[str, Callable[[str], str]] = {
    "gloss": gloss_text,
    "gloss+captions": gloss_reading_text,
    "trafilatura": trafilatura_text,
    "readability": readability_text,
}


def run(name: str, pages: list[tuple[str, str, str]]) -> tuple[dict[str, float], list]:
    """Score one extractor on the pages; also return per-page (f1, key) for the report."""
    extract = EXTRACTORS[name]
    fractions, per_page = [], []
    started = time.perf_counter()
    for key, html, truth in pages:
        text = extract(html)
        fractions.append(page_fractions(truth, text))
        per_page.append((page_f1(truth, text), key))
    elapsed = time.perf_counter() - started
    metrics = summarize(fractions)
    metrics["ms_per_page"] = 1000 * elapsed / max(1, len(pages))
    return metrics, per_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also score the libraries alone")
    parser.add_argument("--worst", type=int, default=0, help="list the N weakest pages")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    if not (args.corpus / "ground-truth.json").exists():
        print(f"{args.corpus} is absent", file=sys.stderr)
        return 2
    pages = load_corpus(args.corpus)
    names = list(EXTRACTORS) if args.all else ["gloss"]
    print(f"{len(pages)} pages")
    for name in names:
        metrics, per_page = run(name, pages)
        print(
            f"{name:<15} F1 {metrics['f1']:.4f}  precision {metrics['precision']:.4f}  "
            f"recall {metrics['recall']:.4f}  {metrics['ms_per_page']:.0f} ms/page"
        )
        for score, key in sorted(per_page)[: args.worst]:
            print(f"    {score:.3f} {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
