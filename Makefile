# make demo  - install what is needed and run the main job (graph picture + a small training run)
# make test  - install what is needed and run the whole test suite
# make docs  - build the documentation site (executed notebooks + API reference) into docs/_build/html
# make bench - run the benchmarks against micrograd, DeZero, PyTorch and hand-written NumPy
# make data  - download MNIST's 60,000 training images (SHA-256 checked) into ~/.cache/scratchgrad; the test set ships
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: demo test docs bench data system-deps clean

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

# The linter first (pyproject.toml's small rule set), then every test and the library's doctests.
test: $(VENV)/.installed-dev,plot
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest -q -p no:cacheprovider

# Warnings are errors (-W), so a broken docstring or a notebook that fails stops the build;
# the testing extra (hypothesis) runs the property-test page.
docs: $(VENV)/.installed-docs,plot,testing
	$(PYTHON) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "the site is in docs/_build/html/index.html"

# PyTorch is a peer, not a dependency: 2.13.0 (a CPU build on this project's machines); without it its column is left out.
bench: $(VENV)/.installed-bench,plot
	@$(PYTHON) -c 'import torch' 2>/dev/null || $(PYTHON) -m pip install -q torch==2.13.0 || \
		echo "PyTorch could not be installed: the benchmarks leave its column out"
	$(PYTHON) -m benchmarks.run

# The only data not shipped in nn/datasets; nn.load_mnist and the chapter 6-8 examples find it in the cache.
data: $(VENV)/.installed-plot
	$(PYTHON) -c "import nn; nn.load_mnist(split='train', download=True); \
		print('MNIST training set:', nn.data.find_data('mnist/train-images-idx3-ubyte.gz').parent)"

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis docs/_build docs/notebooks
