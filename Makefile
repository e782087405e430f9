# Two entry points on a fresh machine: `make run` and `make test`.
#
# Every .venv is made from the committed lock (requirements/*.txt, exact
# versions with hashes, for every supported Python), so a fresh machine runs
# with exactly what the tests last passed with. `make lock` refreshes it;
# `pip install .` for users keeps the ranges of pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   ?= requirements/dev.txt
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check
PYTEST_FLAGS ?=
TEST_ENV ?=

.PHONY: run test test-all lint lock bench i18n clean

# durable-rules 2.0.28 (its last release) calls PyEval_CallObject, which Python
# 3.13 removed; PyObject_CallObject is the same call, so its sdist is built with
# that name defined on 3.13 and later.
DURABLE_CPPFLAGS = $(shell $(PYTHON) -c 'import sys; print("-DPyEval_CallObject=PyObject_CallObject" if sys.version_info >= (3, 13) else "")')

# The venv is rebuilt from nothing whenever the lock or pyproject.toml changes,
# so nothing from an earlier lock lingers. Build tools come first, from their
# own lock, so that durable-rules' sdist and kbassist's editable install build
# without fetching an unpinned setuptools or hatchling (--no-build-isolation).
$(STAMP): pyproject.toml requirements/build.txt $(LOCK)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r requirements/build.txt
	CPPFLAGS="$(DURABLE_CPPFLAGS) $$CPPFLAGS" \
		$(PIP) install --require-hashes --no-deps --no-build-isolation -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	$(PIP) check
	echo $(LOCK) > $(STAMP)

run: $(STAMP)
	$(BIN)/kbassist

test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -q $(PYTEST_FLAGS)

# The whole suite on every supported Python present here (the classifiers of
# pyproject.toml, found by .ci/pythons.py), each in its own .venv-3.N (the
# version of $(PYTHON) reuses .venv); on the newest, a DeprecationWarning is an
# error in the tests and their subprocesses (not in pip, which builds the venv).
test-all:
	@set -e; pythons="$$($(PYTHON) .ci/pythons.py)"; \
	default="$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')"; \
	newest="$$(printf '%s\n' "$$pythons" | tail -n 1 | cut -d' ' -f1)"; \
	printf '%s\n' "$$pythons" | while read -r version path; do \
		venv=.venv-$$version; [ "$$version" = "$$default" ] && venv=$(VENV); \
		echo "== Python $$version ($$path) in $$venv"; \
		if [ "$$version" = "$$newest" ]; then \
			$(MAKE) --no-print-directory test PYTHON="$$path" VENV=$$venv \
				TEST_ENV="PYTHONWARNINGS=error::DeprecationWarning" \
				PYTEST_FLAGS="-W error::DeprecationWarning"; \
		else \
			$(MAKE) --no-print-directory test PYTHON="$$path" VENV=$$venv; \
		fi; \
	done

# The static checks CI runs: style, types, and the layering contracts
# ([tool.importlinter] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check kbassist tests bench .ci
	$(BIN)/ruff format --check kbassist tests bench .ci
	$(BIN)/mypy kbassist
	$(BIN)/lint-imports

# Re-resolve every lock for all supported Pythons at once (uv's universal
# resolution: one file serves 3.11 to 3.13, with markers where they differ).
# uv is only needed here, in a venv of its own.
UV_VERSION := 0.13.8
UV := .venv-uv/bin/uv
COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock"
lock:
	test -x $(UV) || { $(PYTHON) -m venv .venv-uv && .venv-uv/bin/pip install --quiet uv==$(UV_VERSION); }
	$(COMPILE) --upgrade pyproject.toml requirements/build.in --extra test --extra lint \
		-o requirements/dev.txt
	$(COMPILE) requirements/build.in -c requirements/dev.txt -o requirements/build.txt
	$(COMPILE) pyproject.toml requirements/build.in --extra test --extra lint --extra bench \
		-c requirements/dev.txt -o requirements/bench.txt

# The benchmarks also need the 'bench' extra (clipspy, for the CLIPS comparison);
# run and test do not. Their own venv, from their own lock.
bench:
	$(MAKE) --no-print-directory VENV=.venv-bench LOCK=requirements/bench.txt .venv-bench/.installed
	.venv-bench/bin/python bench/run_all.py

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
	rm -rf $(VENV) .venv-3.* .venv-bench .venv-uv build dist *.egg-info
