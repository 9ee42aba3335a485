# Gloss: every target sets up .venv from the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format fuzz crash bench relevance warc-memory screenshots clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Gloss's own bytecode is compiled first (quick when up to date), as an installed app has
# it: where PYTHONDONTWRITEBYTECODE is set, every start would compile ~18,000 lines again.
run: $(STAMP)
	$(BIN)/python -m compileall -q main.py index ui
	$(BIN)/python main.py $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The full kill -9 harness: 200 kills of the passage stream, 30 of the BBC import, 30 of
# reindexing (about 15 minutes). SEED=N replays a run; each test prints its seed.
crash: $(STAMP)
	GLOSS_CRASH_SEED=$(SEED) $(BIN)/python -m pytest -m "crash and slow" tests/test_crash.py

# Longer fuzzing: Hypothesis with many more examples, then each atheris target
# (tests/fuzz/) for FUZZ_SECONDS; crashes are saved in tests/fuzz/crashes/ and
# replayed by the regular tests.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	GLOSS_FUZZ_EXAMPLES=1000 $(BIN)/python -m pytest tests/test_fuzz_library.py
	$(BIN)/python tests/fuzz/run.py $(FUZZ_SECONDS)

# Speed at archive scale against SQLite FTS5 in the same run (issue 5): BBC ×SCALE
# (default 20 = 44,500 articles, about 15 minutes; SCALE=1 takes under a minute; SCALE=80 =
# 178,000 articles, the archive four times larger, leaves out the plain whoosh reference).
# Prints a table and writes bench-results.json.
SCALE ?= 20
bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench.py --scale $(SCALE)

# Ranking quality (issue 14): each collection imported and searched through the command line,
# beside SQLite FTS5 BM25 and plain whoosh BM25F in the same run (about 20 s for CACM).
# COLLECTIONS="DIR ..." measures others kept in the SMART or NPL layout.
COLLECTIONS ?= ../shared/corpora/ir-cacm
relevance: $(STAMP)
	$(BIN)/python tests/benchmarks/relevance.py $(COLLECTIONS)

# A WARC of 2,000 captured pages imported with peak RSS under 500 MB (issue 16; about
# 30 s). `make test` runs the same check on 300 pages.
warc-memory: $(STAMP)
	$(BIN)/python -m pytest -m slow tests/test_movein_watch.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The README's pictures: three of the window on the seed and the BBC politics folder, then
# the digest view and the anchoring report (tests/shots/dialogs.py).
SHOTLIB := /tmp/gloss-screenshot-library
screenshots: $(STAMP)
	rm -rf $(SHOTLIB)
	$(BIN)/python main.py --library $(SHOTLIB) import ../shared/corpora/seed ../shared/corpora/bbc/politics
	$(BIN)/python main.py --library $(SHOTLIB) annotate 2 --quote "state of emergency" --color blue --note "Check when it was declared" --tag peru
	$(BIN)/python main.py --library $(SHOTLIB) annotate 2 --quote "Lake Titicaca" --tag geography
	$(BIN)/python main.py --screenshot assets/screenshots/reader.png --library $(SHOTLIB) --open 2
	$(BIN)/python main.py --screenshot assets/screenshots/search.png --library $(SHOTLIB) --search "election OR peru"
	$(BIN)/python main.py --screenshot assets/screenshots/dark.png --library $(SHOTLIB) --open 2 --theme dark
	$(BIN)/python tests/shots/dialogs.py
	$(BIN)/python tests/shots/images.py /tmp/gloss-image-shots
	cp /tmp/gloss-image-shots/markdown-light.png assets/screenshots/images.png
