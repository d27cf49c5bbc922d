# Every target but `install` uses the virtual environment it creates in .venv/.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
WHEELS := $(shell pip config get global.find-links 2>/dev/null || true)
FIND_LINKS := $(if $(wildcard $(WHEELS)),--find-links $(WHEELS),)
# faiss-gpu when an NVIDIA GPU answers, faiss-cpu otherwise (the two cannot coexist).
FAISS_EXTRA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
DEMO := data/demo

.PHONY: install demo test test-slow test-all bench clean

$(BIN)/hyperlink: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --python $(BIN)/python $(FIND_LINKS) -e '.[dev,$(FAISS_EXTRA)]'
	touch $(BIN)/hyperlink

install: $(BIN)/hyperlink

demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/hyperlink --db $(DEMO)/hyperlink.db demo --out $(DEMO)
	$(BIN)/hyperlink --db $(DEMO)/hyperlink.db stats

test: install
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m 'slow or data'

BENCH_DATA ?= ../shared/datasets
bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/train_speed.py
	test ! -d $(BENCH_DATA)/wikipedia-xmodal || $(BIN)/python bench/wikipedia.py --data $(BENCH_DATA)/wikipedia-xmodal

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
