# Two commands on a fresh machine: `make run` (venv, install, demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= build

.PHONY: run test clean

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

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
