# Everything the project needs is installed from here and tox.ini; nothing by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# An unpinned torch resolves to the newest CUDA build (gigabytes); the constraints file pins
# the CPU wheel. PIP_CONSTRAINT reaches every pip call, tox's included.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
TOX_ENVS ?= lint,jax,tensorflow,cross,torch,keras-min
# The envs run side by side, one per core (auto): a test process keeps about one core busy (most
# of the work is in the subprocesses it starts, one at a time). The longest envs come first.
TOX_PARALLEL ?= auto
# `make test` needs only tox (each env installs the project itself), so it does not wait for $(VENV).
TOX_VENV ?= .venv-tox

.PHONY: help install demo test test-fast peer bench clean

help:
	@echo "make install   create $(VENV) with multikeras and all three backends"
	@echo "make demo      train the six recipes on torch, jax and tensorflow (embedded data)"
	@echo "make test      the test suite on each backend, plus the cross-backend env (tox)"
	@echo "make test-fast the suite in $(VENV) on one backend (KERAS_BACKEND, default torch)"
	@echo "make peer      scikeras's and Keras's own test suites against ours (MULTIKERAS_PEER_DIR)"
	@echo "make bench     the benchmark suite (writes benchmarks/results/)"

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e ".[dev]"
	touch $@

install: $(BIN)/.installed

$(TOX_VENV)/bin/.installed: constraints.txt
	$(PYTHON) -m venv $(TOX_VENV)
	$(TOX_VENV)/bin/pip install --upgrade pip
	$(TOX_VENV)/bin/pip install "tox>=4.20"
	touch $@

demo: install
	$(BIN)/multikeras compare --data embedded --out runs/demo

test: $(TOX_VENV)/bin/.installed
	$(TOX_VENV)/bin/tox run-parallel --parallel $(TOX_PARALLEL) --parallel-no-spinner -e $(TOX_ENVS)

test-fast: install
	$(BIN)/pytest -m "not cross" -q

peer: install
	$(BIN)/python -m peer
	KERAS_BACKEND=torch $(BIN)/python -m peer.keras_suite

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(TOX_VENV) .tox build *.egg-info runs
