# eegnb: the two commands a newcomer needs are `make reports` (the main job) and `make test` (every test).
# Both create the environment first (tools/env.sh: a venv keyed by requirements.lock's hash, under
# ~/.cache/eegnb/, built once and reused), so nothing needs installing by hand.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
RUN := tools/env.sh run
# The shared data mirror beside the clone, when present, is what the tests check real-data facts against.
SHARED ?= $(abspath ../shared/data)

.PHONY: help env reports test test-fast test-slow test-nbs test-py check-sync export clean-nbs lab

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

env:  ## create (once) the project environment and print its path
	@tools/env.sh

PROFILE ?= demo
reports: env  ## the main job: run the reports on the demo data and render offline HTML to reports/html/$(PROFILE)/ (PROFILE=full: the data setting)
	$(RUN) python -m eegnb.cli report --profile $(PROFILE)

test: env  ## the whole default test suite: notebooks in sync and clean, notebook tests, pytest
	$(RUN) tools/test.sh

test-slow: env  ## the slow tests as well (real-data sweeps too long for every CI run)
	$(RUN) tools/test.sh --slow

export: env  ## regenerate eegnb/*.py from the notebooks and clean them
	$(RUN) nbdev_export
	$(RUN) nbdev_clean

lab: env  ## JupyterLab on the notebooks, in the project environment
	$(RUN) jupyter lab nbs
