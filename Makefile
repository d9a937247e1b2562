# Two commands on a fresh machine: `make run` (venv, install, demo) and `make test`.
# `make docs` builds the documentation, `make notebook` opens the notebooks.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
NB_STAMP := $(VENV)/.installed-notebook
OUT ?= build

.PHONY: run test test-stress docs notebook clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/circuitspin solve netlists/berger_pillar.toml --current 1e-3 --compare \
		--plot $(OUT)/berger_pillar_profile.png
	$(VENV)/bin/circuitspin schematic netlists/berger_pillar.toml --current 1e-3 \
		-o $(OUT)/berger_pillar_fig3.svg
	@echo "demo outputs: $(OUT)/berger_pillar_profile.png (profile along x),"
	@echo "              $(OUT)/berger_pillar_fig3.svg (the paper's Fig. 3 from this network)"

test: $(STAMP)
	$(PY) -m pytest -q

# The suite again with every computed answer moved by 2 ulps (what another CPU, BLAS or
# libm may return): a tolerance below the rounding floor of what it compares fails here.
test-stress: $(STAMP)
	CIRCUITSPIN_ULP_STRESS=1 $(PY) -m pytest -q -p no:cacheprovider \
		--ignore=tests/test_notebooks.py --ignore=tests/test_deck_fuzz.py \
		--ignore=tests/test_fuzz.py

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[all,docs]'
	touch $(DOCS_STAMP)

# the documentation, warnings as errors: $(OUT)/docs/html/index.html
docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs $(OUT)/docs/html
	@echo "documentation: $(OUT)/docs/html/index.html"

$(NB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[all,notebook]'
	touch $(NB_STAMP)

# JupyterLab on notebooks/, with this venv's kernel (NOTEBOOK_ARGS=--no-browser ...);
# Jupyter refuses to run as root without --allow-root (containers)
notebook: $(NB_STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
