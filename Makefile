# Two commands for a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo
export TIERWISE_DB ?= $(CURDIR)/$(DEMO)/tierwise.duckdb
export TIERWISE_STATE_URL ?= sqlite:///$(CURDIR)/$(DEMO)/tierwise-state.db

.PHONY: run test install lint bench clean

$(BIN)/tierwise: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/tierwise

run: install
	$(BIN)/tierwise data generate --out $(DEMO)/data --scale small --seed 7
	$(BIN)/tierwise data load $(DEMO)/data --db $(TIERWISE_DB)
	$(BIN)/tierwise data info --db $(TIERWISE_DB)
	$(BIN)/tierwise overview --db $(TIERWISE_DB)
	rm -f $(DEMO)/tierwise-state.db
	$(BIN)/tierwise run buyin-mcn --from 2025-10 --to 2026-09 --publish --actor demo > /dev/null
	$(BIN)/tierwise run douyin-jixing-mcn --from 2025-10 --to 2026-09 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-sea-isv --from 2025Q4 --to 2026Q3 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-th-tsp-shop --from 2025Q4 --to 2026Q3 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-th-tsp-content --from 2025Q4 --to 2026Q3 --publish --actor demo > /dev/null
	$(BIN)/tierwise levels

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: install lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/tierwise data generate --out bench/out/medium --scale medium --seed 1
	$(BIN)/tierwise data generate --out bench/out/medium-csv --scale medium --seed 1 --format csv
	$(BIN)/python bench/load.py --parquet bench/out/medium --csv bench/out/medium-csv
	$(BIN)/python bench/evaluate.py --data bench/out/medium
	$(BIN)/python bench/backfill.py --data bench/out/medium

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
