# Two entry points on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint bench i18n clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kbassist

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check kbassist tests bench
	$(BIN)/ruff format --check kbassist tests bench

# The benchmarks also need the 'bench' extra (clipspy, for the CLIPS comparison);
# run and test do not.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run_all.py

# The catalog of the core's lines and the terminal UI: extract the marked strings
# (babel.cfg), merge them into the French .po (translate what is new or fuzzy
# there), compile the .mo.
LOCALE := kbassist/locale
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -c Translators: --add-location=file \
		--sort-output --project=kbassist --version=$(VERSION) \
		--copyright-holder='the kbassist authors' -o $(LOCALE)/kbassist.pot .
	$(BIN)/pybabel update -i $(LOCALE)/kbassist.pot -d $(LOCALE) -D kbassist -l fr \
		--init-missing --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) -D kbassist -l fr --statistics

clean:
	rm -rf $(VENV) build dist *.egg-info
