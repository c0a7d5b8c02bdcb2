# make demo  - install what is needed and run the main job (graph picture + a small training run)
# make test  - install what is needed and run the whole test suite
# make bench - run the benchmarks against micrograd, DeZero, PyTorch and hand-written NumPy
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: demo test bench system-deps clean

system-deps:
	@bash scripts/ensure_system_deps.sh

# One stamp per set of extras, redone when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | system-deps
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e '.[$*]'
	@touch $@

demo: $(VENV)/.installed-plot
	$(PYTHON) examples/demo.py

test: $(VENV)/.installed-dev,plot
	$(PYTHON) -m pytest -q -p no:cacheprovider

bench: $(VENV)/.installed-bench,plot
	$(PYTHON) -m benchmarks.run

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
