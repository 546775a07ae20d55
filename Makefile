# aimed: two commands for everyone.
#   make lab    set everything up and open the course in JupyterLab
#   make test   set everything up and run the whole test suite
# Every target bootstraps .venv first, and reinstalls only when pyproject.toml or
# constraints.txt changed, so a second run starts in seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.aimed-installed
# Learners need only the `lab` extra; contributors' STAMP (the `test` extra) includes it.
LAB_STAMP := $(VENV)/.aimed-lab-installed
# The learner edition: lessons + student versions of the exercises, no solutions.
EDITION := build/learner-edition
EDITION_SOURCES := $(shell find notebooks exercises -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null) \
                   $(shell find translations -name '*.po' 2>/dev/null) README.md
# The newest versions that pyproject.toml allows, without constraints.txt (make test-latest).
LATEST := .venv-latest
# The French edition of the sources (solutions included), generated for nbval (make notebooks).
FRENCH_SOURCES := build/french-sources
PYTEST := $(BIN)/python -m pytest
WORKERS ?= 2
ASSIGNMENTS ?=
LAB_PORT ?= 8888
# Tools started by the tools (nbgrader runs `alembic`, nbclient runs kernels) come from .venv.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help lab test lint unit notebooks grading browser release grade workspace \
        benchmark constraints clean python-check chromium screenshots formgrader hub hub-deps \
        learner-edition dist test-latest servers

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

python-check:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11, 5) else 1)' 2>/dev/null || { \
	  echo "aimed needs Python 3.11.5 or newer as '$(PYTHON)' (the versions in constraints.txt do): install it (https://www.python.org/downloads/ or 'apt-get install python3 python3-venv'), or run 'make PYTHON=/path/to/python3.x ...'"; \
	  exit 1; }

$(BIN)/python: | python-check
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "could not create $(VENV): install the venv module ('apt-get install python3-venv')"; exit 1; }

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@ $(LAB_STAMP)

$(LAB_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[lab]"
	@touch $@

$(EDITION)/EDITION.json: $(EDITION_SOURCES) | $(LAB_STAMP)
	$(BIN)/aimed build-learner $(EDITION)

learner-edition: $(LAB_STAMP)  ## build the learner edition (lessons + student exercises, no solutions) in build/learner-edition
	$(BIN)/aimed build-learner $(EDITION)

lab: $(LAB_STAMP) $(EDITION)/EDITION.json  ## set up and open the course in JupyterLab (AIMED_LANG=fr for French)
	exec $(BIN)/aimed lab --edition $(EDITION) --port $(LAB_PORT)

workspace: $(LAB_STAMP) $(EDITION)/EDITION.json  ## refresh the learner workspace (never overwrites your edits)
	$(BIN)/aimed workspace --edition $(EDITION)

dist: $(STAMP) learner-edition  ## build the sdist and the wheel (with the learner edition) in dist/
	$(BIN)/python -m hatchling build

test: $(STAMP) chromium hub-deps lint unit test-latest notebooks grading servers  ## set up and run the whole suite
	@echo "make test: every stage passed"

# The hub and browser stages spend much of their time waiting (servers starting, pages
# rendering, kernels going idle): run side by side, each with its own ports and folders,
# they share the two cores. Each stage's output is printed whole when it ends.
servers: $(STAMP) chromium hub-deps  ## the hub and browser stages at once
	@echo "servers: the hub and browser stages run side by side (about 8 min); each prints its report when it ends"
	$(MAKE) --no-print-directory -j2 --output-sync=target hub browser

lint: $(STAMP)  ## ruff, house rules and README course map
	$(BIN)/ruff check src tests benchmarks grading scripts notebooks exercises
	$(BIN)/aimed lint
	$(BIN)/aimed course-map --check

unit: $(STAMP)  ## unit tests of the library (fast)
	$(PYTEST) -n $(WORKERS) -m "not notebook and not browser and not grading and not hub"

# A classroom that installs later gets newer versions than constraints.txt: catch that here.
test-latest: | python-check  ## unit tests against the newest versions pyproject allows (.venv-latest, no constraints)
	@test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[test]"
	@$(LATEST)/bin/python -m pip list --format=freeze > $(LATEST)/versions.txt
	@echo "test-latest: pandas $$($(LATEST)/bin/python -c 'import pandas; print(pandas.__version__)'), numpy $$($(LATEST)/bin/python -c 'import numpy; print(numpy.__version__)') (all versions: $(LATEST)/versions.txt)"
	PATH="$(CURDIR)/$(LATEST)/bin:$$PATH" $(LATEST)/bin/python -m pytest -n $(WORKERS) \
	  -m "not notebook and not browser and not grading and not hub"

notebooks: $(STAMP)  ## run every lesson and exercise source with nbval, in English and in French
	rm -rf $(FRENCH_SOURCES) && $(BIN)/aimed translations --build $(FRENCH_SOURCES) > /dev/null
	$(PYTEST) -n $(WORKERS) --dist loadfile --nbval-lax --nbval-cell-timeout=120 notebooks exercises \
	  $(FRENCH_SOURCES)

grading: $(STAMP)  ## nbgrader round trips: solutions score full marks, blanks 0
	$(PYTEST) -n $(WORKERS) --dist loadfile -m grading --ignore=tests/grading
	$(PYTEST) -m grading tests/grading

browser: $(STAMP) chromium  ## JupyterLab in headless Chromium
	$(PYTEST) -m browser

hub: $(STAMP) hub-deps  ## the cohort: real PostgreSQL, JupyterHub and nbgrader's exchange on loopback
	$(PYTEST) -m hub tests/cohort

hub-deps:
	@scripts/ensure-hub-deps

chromium:
	@scripts/ensure-chromium

release: $(STAMP)  ## write student versions to <course>/release/ (ASSIGNMENTS=... to choose)
	$(BIN)/aimed release $(ASSIGNMENTS)

grade: $(STAMP)  ## autograde <course>/submitted/ and write reports (WORKERS=N)
	$(BIN)/aimed grade $(ASSIGNMENTS) --workers $(WORKERS)

formgrader: $(STAMP)  ## instructors: JupyterLab on grading/ with nbgrader's formgrader, to grade written answers
	cd grading && exec $(CURDIR)/$(BIN)/jupyter lab --port $(LAB_PORT) --ServerApp.default_url=/formgrader

screenshots: $(STAMP) chromium  ## screenshots of the Start page and a lesson mid-way (artifacts/screenshots/)
	$(BIN)/python scripts/screenshots.py $(if $(LESSON),--lesson $(LESSON)) $(if $(AIMED_LANG),--lang $(AIMED_LANG))

benchmark: $(STAMP)  ## time every notebook (30 s budget each) and the other benchmarks
	$(BIN)/python benchmarks/notebooks.py

constraints:  ## re-pin constraints.txt from the current .venv (after changing dependencies)
	$(BIN)/python -m pip freeze --exclude-editable --exclude aimed | sort -f > constraints.txt

clean:  ## remove the virtual environment and generated files (keeps workspace/)
	rm -rf $(VENV) $(LATEST) build dist .pytest_cache .ruff_cache artifacts grading/course
