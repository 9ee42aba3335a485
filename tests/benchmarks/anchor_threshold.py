"""Evidence for the fuzzy re-anchoring threshold, measured on the BBC corpus.

Usage (from the repository root):

    .venv/bin/python tests/benchmarks/anchor_threshold.py              # default run
    .venv/bin/python tests/benchmarks/anchor_threshold.py --trials 300 --seed 7 --no-timings

Passages are picked at word boundaries inside paragraphs of real articles (read
at run time from ../shared/corpora/bbc, never copied). Positives: the passage
is edited inside (words replaced, deleted or inserted, letters mistyped) at a
growing share of its words, and half the time one word of its context on each
side is changed too; the true new span is known. Negatives: the passage's
paragraph is deleted from the article, or the annotation is re-anchored on a
different article. For every trial the script keeps the engine's scored
candidates, so one run replays `reanchor` at every threshold of the sweep.

It prints the quote similarity of true matches against the best similarity
found in unrelated text, by quote length; then, per fuzzy threshold, recall
(placed on the edited passage) and false attaches (placed anywhere else, or
placed at all for a negative), with and without the context rule; then the
same for the context thresholds of short and medium quotes (by re-running
`reanchor`); then timings of `reanchor` on 50 KB and 1 MB texts. About 15 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from index.passages import anchoring  # noqa: E402
from index.passages.anchoring import Candidate, Selector, make_selector, reanchor  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "bbc"
EDIT_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.7)
WORD_COUNTS = (1, 2, 3, 5, 8, 12, 20, 40)
BUCKETS = ((0, 16), (16, 32), (32, 64), (64, 128), (128, 10**9))
SWEEP = (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


@dataclass
class Trial:
    """One re-anchoring case and what the engine saw."""

    kind: str  # "edit", "deleted" or "other"
    level: float
    old: Selector
    truth: tuple[int, int] | None  # the edited passage's span in the new text
    status: str  # reanchor's answer at the module's constants
    placed: tuple[int, int] | None
    candidates: list[Candidate]
    true_similarity: float  # similarity of the old quote with the edited passage
    new_text: str


def load_articles() -> list[str]:
    """Distinct BBC articles as reading texts (non-empty lines joined with newlines)."""
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is absent: the shared corpora are not beside this checkout")
    seen, texts = set(), []
    for path in sorted(CORPUS.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        reading = "\n".join(line for line in lines if line)
        if reading not in seen:
            seen.add(reading)
            texts.append(reading)
    return texts


def pick_passage(rng: random.Random, text: str, words: int) -> tuple[int, int] | None:
    """A span of `words` whole words inside one paragraph of `text`, or None."""
    paragraphs, at = [], 0
    for line in text.split("\n"):
        paragraphs.append((at, line))
        at += len(line) + 1
    fitting = [(a, line) for a, line in paragraphs[1:] if len(line.split(" ")) >= words + 2]
    if not fitting:
        return None
    base, line = rng.choice(fitting)
    tokens = line.split(" ")
    first = rng.randrange(0, len(tokens) - words + 1)
    start = base + sum(len(t) + 1 for t in tokens[:first])
    end = start + len(" ".join(tokens[first : first + words]))
    return start, end


def edit_words(rng: random.Random, passage: str, level: float, vocab: list[str]) -> str:
    """The passage with about `level` of its words edited (at least one edit)."""
    words = passage.split(" ")
    for _ in range(max(1, round(level * len(words)))):
        op = rng.choice(("replace", "delete", "insert", "typo"))
        i = rng.randrange(len(words))
        if op == "replace" or (op == "delete" and len(words) == 1):
            words[i] = rng.choice(vocab)
        elif op == "delete":
            del words[i]
        elif op == "insert":
            words.insert(i, rng.choice(vocab))
        else:
            word = words[i] or "a"
            j = rng.randrange(len(word))
            words[i] = word[:j] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[j + 1 :]
    return " ".join(words)


def edit_context(rng: random.Random, text: str, lo: int, hi: int, vocab: list[str]) -> str:
    """`text` with one word of text[lo:hi] replaced (when it holds a whole word)."""
    part = text[lo:hi]
    tokens = part.split(" ")
    if len(tokens) < 3:
        return part
    i = rng.randrange(1, len(tokens) - 1)
    tokens[i] = rng.choice(vocab)
    return " ".join(tokens)


def run_trials(rng: random.Random, articles: list[str], trials: int) -> list[Trial]:
    """Positives at every edit level, then the two kinds of negatives."""
    vocab = [w for text in rng.sample(articles, 50) for w in text.split() if w.isalpha()]
    out: list[Trial] = []
    for _ in range(trials):
        text = rng.choice(articles)
        span = pick_passage(rng, text, rng.choice(WORD_COUNTS))
        if span is None:
            continue
        old = make_selector(text, *span)
        for level in EDIT_LEVELS:
            edited = edit_words(rng, old.exact, level, vocab)
            if not edited.strip() or edited == old.exact:
                continue
            before, after = text[: old.start], text[old.end :]
            if rng.random() < 0.5:
                cut = max(0, len(before) - anchoring.CONTEXT_CHARS)
                before = before[:cut] + edit_context(rng, before, cut, len(before), vocab)
                after = (
                    edit_context(rng, after, 0, anchoring.CONTEXT_CHARS, vocab)
                    + after[anchoring.CONTEXT_CHARS :]
                )
            new_text = before + edited + after
            truth = (len(before), len(before) + len(edited))
            sim = anchoring.similarity(old.exact, edited)
            out.append(_trial("edit", level, new_text, old, truth, sim))
        para_start = text.rfind("\n", 0, old.start) + 1
        para_end = text.find("\n", old.end)
        para_end = len(text) if para_end < 0 else para_end + 1
        deleted = text[:para_start] + text[para_end:]
        out.append(_trial("deleted", 0.0, deleted, old, None, 0.0))
        other = rng.choice(articles)
        if other != text:
            out.append(_trial("other", 0.0, other, old, None, 0.0))
    return out


def _trial(kind, level, new_text, old, truth, sim) -> Trial:
    result = reanchor(new_text, old)
    placed = (result.selector.start, result.selector.end) if result.selector else None
    candidates = anchoring.fuzzy_candidates(new_text, old)
    return Trial(kind, level, old, truth, result.status, placed, candidates, sim, new_text)


def overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def replay(trial: Trial, threshold: float, context_rule: bool = True) -> tuple[int, int] | None:
    """Where `reanchor` would place the passage with another fuzzy threshold."""
    if trial.status in ("exact", "moved"):
        return trial.placed
    for c in trial.candidates:
        if c.similarity >= threshold and (
            not context_rule or c.context >= anchoring.required_context(trial.old)
        ):
            return (c.start, c.end)
    return None


def bucket_of(length: int) -> str:
    for lo, hi in BUCKETS:
        if lo <= length < hi:
            return f"{lo}-{hi - 1}" if hi < 10**9 else f"{lo}+"
    return "?"


def spread(values: list[float]) -> str:
    """min / p5 / median / p95 / max of a list, or a dash."""
    if not values:
        return "-"
    v = sorted(values)

    def q(p: float) -> float:
        return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]

    return (
        f"n={len(v):4d}  min {v[0]:.2f}  p5 {q(0.05):.2f}  med {q(0.5):.2f}"
        f"  p95 {q(0.95):.2f}  max {v[-1]:.2f}"
    )


def report_distributions(trials: list[Trial]) -> None:
    print("\n== Quote similarity: true edited passage vs best in unrelated text ==")
    print("(true = similarity of the old quote with its edited version; unrelated = best")
    print(" fuzzy candidate's similarity after the paragraph was deleted or in another article;")
    print(" 'in context' = only candidates whose context agrees, as short quotes require)")
    for lo, hi in BUCKETS:
        name = bucket_of(lo)
        group = [t for t in trials if lo <= len(t.old.exact) < hi]
        print(f"\n quote length {name} chars")
        for level in EDIT_LEVELS:
            sims = [t.true_similarity for t in group if t.kind == "edit" and t.level == level]
            print(f"   true, {int(level * 100):2d}% words edited   {spread(sims)}")
        negatives = [t for t in group if t.kind != "edit"]
        best = [max((c.similarity for c in t.candidates), default=0.0) for t in negatives]
        print(f"   unrelated, best         {spread(best)}")
        in_context = [
            max(
                (
                    c.similarity
                    for c in t.candidates
                    if c.context >= anchoring.required_context(t.old)
                ),
                default=0.0,
            )
            for t in negatives
        ]
        print(f"   unrelated, in context   {spread(in_context)}")


def report_sweep(trials: list[Trial]) -> None:
    positives = [t for t in trials if t.kind == "edit"]
    negatives = [t for t in trials if t.kind != "edit"]
    print("\n== Fuzzy threshold sweep, with the context rule (context >=", end=" ")
    print(f"{anchoring.CONTEXT_THRESHOLD} under {anchoring.SHORT_QUOTE} chars,", end=" ")
    print(f">= {anchoring.MEDIUM_CONTEXT_THRESHOLD} under {anchoring.MEDIUM_QUOTE}) ==")
    print(" threshold  recall(all)  recall(sim>=t)  wrong-place  negatives attached")
    for threshold in SWEEP:
        _sweep_line(positives, negatives, threshold, True)
    print("\n same, without the context rule in the fuzzy step:")
    for threshold in SWEEP:
        _sweep_line(positives, negatives, threshold, False)
    print("\n recall by edit level at the chosen threshold", anchoring.FUZZY_THRESHOLD)
    for level in EDIT_LEVELS:
        group = [t for t in positives if t.level == level]
        hits = sum(overlaps(replay(t, anchoring.FUZZY_THRESHOLD), t.truth) for t in group)
        print(f"   {int(level * 100):2d}% words edited: {hits}/{len(group)} placed")
    print("\n negatives attached at the chosen threshold, by kind and quote length:")
    for kind in ("deleted", "other"):
        for lo, hi in BUCKETS:
            group = [t for t in negatives if t.kind == kind and lo <= len(t.old.exact) < hi]
            bad = [t for t in group if replay(t, anchoring.FUZZY_THRESHOLD) is not None]
            dup = sum(t.status in ("exact", "moved") for t in bad)
            print(
                f"   {kind:8s} {bucket_of(lo):>7s} chars: {len(bad)}/{len(group)}"
                f" (of which exact copies elsewhere: {dup})"
            )


def report_context_sweep(trials: list[Trial], name: str, lo: int, hi: int) -> None:
    """Quotes of length lo..hi-1: placements as the context threshold `name` varies."""
    group = [t for t in trials if lo <= len(t.old.exact) < hi]
    positives = [t for t in group if t.kind == "edit"]
    negatives = [t for t in group if t.kind != "edit"]
    chosen = getattr(anchoring, name)
    print(f"\n== {name} sweep (now {chosen}), quotes of {lo}-{hi - 1} chars ==")
    print(" context  placed right  placed wrong (edits)  negatives attached")
    try:
        for value in (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8):
            setattr(anchoring, name, value)
            right = wrong = attached = 0
            for t in positives:
                result = reanchor(t.new_text, t.old)
                span = (result.selector.start, result.selector.end) if result.selector else None
                right += overlaps(span, t.truth)
                wrong += span is not None and not overlaps(span, t.truth)
            for t in negatives:
                attached += reanchor(t.new_text, t.old).selector is not None
            print(
                f"   {value:.2f}   {right}/{len(positives)} = {right / len(positives):5.1%}"
                f"    {wrong} = {wrong / len(positives):5.2%}"
                f"            {attached}/{len(negatives)} = {attached / len(negatives):.2%}"
            )
    finally:
        setattr(anchoring, name, chosen)


def _sweep_line(positives, negatives, threshold, context_rule) -> None:
    placed = [(t, replay(t, threshold, context_rule)) for t in positives]
    right = sum(overlaps(p, t.truth) for t, p in placed)
    wrong = sum(p is not None and not overlaps(p, t.truth) for t, p in placed)
    eligible = [(t, p) for t, p in placed if t.true_similarity >= threshold]
    right_eligible = sum(overlaps(p, t.truth) for t, p in eligible)
    attached = sum(replay(t, threshold, context_rule) is not None for t in negatives)
    print(
        f"   {threshold:.2f}    {right / len(positives):6.1%}"
        f"        {right_eligible / max(1, len(eligible)):6.1%}"
        f"        {wrong / len(positives):6.2%}"
        f"      {attached}/{len(negatives)} = {attached / len(negatives):.2%}"
    )


def _text_of(rng: random.Random, articles: list[str], size: int) -> str:
    """About `size` characters of distinct articles, one after another."""
    pool = rng.sample(articles, len(articles))
    parts, total = [], 0
    for text in pool:
        if total >= size:
            break
        parts.append(text)
        total += len(text) + 1
    return "\n".join(parts)[:size]


def _median_ms(calls: list[tuple[str, Selector]], repeat: int = 1) -> tuple[float, float]:
    times = []
    for new_text, old in calls:
        for _ in range(repeat):
            t0 = time.perf_counter()
            reanchor(new_text, old)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def report_timings(rng: random.Random, articles: list[str]) -> None:
    print("\n== reanchor timings, ms (median and max; quotes of 12, 40 or 120 chars) ==")
    for size in (50_000, 1_000_000):
        text = _text_of(rng, articles, size)
        cases: dict[str, list[tuple[str, Selector]]] = {}
        for _ in range(200):
            start = rng.randrange(size // 10, size - size // 10)
            old = make_selector(text, start, start + rng.choice((12, 40, 120)))
            edited_at = old.start + len(old.exact) // 2
            variants = {
                "exact": text,
                "moved": "Added words at the top. " + text,
                "fuzzy": text[:edited_at] + "XYZ" + text[edited_at + 1 :],
                "orphaned": text[: old.start - 200] + text[old.end + 200 :],
            }
            for name, new_text in variants.items():
                cases.setdefault(name, []).append((new_text, old))
        line = "  ".join(
            f"{name} {median:.2f} (max {worst:.1f})"
            for name, (median, worst) in ((k, _median_ms(v)) for k, v in cases.items())
        )
        print(f"   {size // 1000:5d} KB: {line}")
    print("\n extremes: a one-letter quote and long quotes, one letter changed inside")
    for size in (50_000, 1_000_000):
        text = _text_of(rng, articles, size)
        for length in (1, 1_000, 5_000):
            calls = []
            for _ in range(10):
                start = rng.randrange(size // 10, size // 2)
                old = make_selector(text, start, start + length)
                at = old.start + length // 2
                calls.append((text[:at] + "XYZ" + text[at + 1 :], old))
            median, worst = _median_ms(calls)
            print(f"   {size // 1000:5d} KB, {length:5d} chars: {median:.1f} (max {worst:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="passages to pick")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-timings", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    articles = load_articles()
    print(f"{len(articles)} distinct BBC articles; {args.trials} passages; seed {args.seed}")
    print(
        f"constants: FUZZY_THRESHOLD {anchoring.FUZZY_THRESHOLD};"
        f" CONTEXT_THRESHOLD {anchoring.CONTEXT_THRESHOLD} under {anchoring.SHORT_QUOTE} chars,"
        f" MEDIUM_CONTEXT_THRESHOLD {anchoring.MEDIUM_CONTEXT_THRESHOLD}"
        f" under {anchoring.MEDIUM_QUOTE} chars"
    )
    t0 = time.perf_counter()
    trials = run_trials(rng, articles, args.trials)
    elapsed = time.perf_counter() - t0
    print(f"{len(trials)} re-anchorings in {elapsed:.1f} s")
    report_distributions(trials)
    report_sweep(trials)
    report_context_sweep(trials, "CONTEXT_THRESHOLD", 0, anchoring.SHORT_QUOTE)
    report_context_sweep(
        trials, "MEDIUM_CONTEXT_THRESHOLD", anchoring.SHORT_QUOTE, anchoring.MEDIUM_QUOTE
    )
    if not args.no_timings:
        report_timings(rng, articles)


if __name__ == "__main__":
    main()
