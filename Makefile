# Two commands on a fresh machine: `make run` (venv, install, demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= build

.PHONY: run test test-stress clean

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

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
