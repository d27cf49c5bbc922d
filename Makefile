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
	$(BIN)/uv pip install -q --python $(BIN)/python $(FIND_LINKS) -e '.[dev,media,postgres,milvus,serve,$(FAISS_EXTRA)]'
	touch $(BIN)/hyperlink

install: $(BIN)/hyperlink

HL := $(BIN)/hyperlink --db $(DEMO)/hyperlink.db
demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(HL) demo --out $(DEMO) --media
	$(HL) stats
	$(HL) train --model bidnn --text tfidf --visual demo-cnn --hidden 256 --rep 128 --epochs 100 --curve $(DEMO)/bidnn-curve.png
	$(HL) train --model text --text tfidf --visual demo-cnn
	$(HL) index --model bidnn
	$(HL) index --model text
	$(HL) run --model bidnn --anchors all --out $(DEMO)/run.txt --name bidnn
	$(HL) run --model text --anchors all --out $(DEMO)/run_text.txt --name text-only
	$(HL) check-run $(DEMO)/run.txt
	$(HL) query anchor_1 --model bidnn -k 5
	@echo "The demo hides each story's topic from the words of some spans (no speech, or another topic read over"
	@echo "the pictures) while the pictures keep it: the joint model (bidnn) should beat text-only there."
	$(BIN)/hyperlink evaluate $(DEMO)/qrels.txt $(DEMO)/run_text.txt $(DEMO)/run.txt --plot $(DEMO)/evaluation.png

# A throwaway PostgreSQL server (scripts/pg.sh) for the `postgres` tests; they skip with the reason
# where it cannot start (no server package and not root), and fail in CI (HYPERLINK_REQUIRE_SERVICES).
test: install
	HYPERLINK_TEST_PG="$$(scripts/pg.sh start || true)" $(BIN)/python -m pytest -q

test-slow: install
	HYPERLINK_TEST_PG="$$(scripts/pg.sh start || true)" $(BIN)/python -m pytest -q -m 'slow or data or fuzz or crash'

BENCH_DATA ?= ../shared/datasets
bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/train_speed.py
	$(BIN)/python bench/train_speed.py --xbidnn --batches 128,1024 --rounds 20
	$(BIN)/python bench/query.py
	$(BIN)/python bench/run_e2e.py
	$(BIN)/python bench/media.py
	test ! -d $(BENCH_DATA)/wikipedia-xmodal || $(BIN)/python bench/wikipedia.py --data $(BENCH_DATA)/wikipedia-xmodal --seeds 3 --ablation
	$(BIN)/python bench/scale.py --data $(BENCH_DATA)
	$(BIN)/python bench/search_backends.py
	$(BIN)/python bench/startup.py
	HYPERLINK_TEST_PG="$$(scripts/pg.sh start)" $(BIN)/python bench/postgres_copy.py --segments 200000
	$(BIN)/python bench/report.py --readme

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
