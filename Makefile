# Two commands for a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo
# `make run PORT=8080` serves the portal elsewhere.
PORT ?= 8000
export TIERWISE_DB ?= $(CURDIR)/$(DEMO)/tierwise.duckdb
export TIERWISE_STATE_URL ?= sqlite:///$(CURDIR)/$(DEMO)/tierwise-state.db

VENDOR := src/tierwise/web/static/vendor

.PHONY: run test install lint bench clean assets vendor browser reports java stock-check

# Installs those of the Debian packages $(1) that are not installed, with sudo when not root.
apt_install = missing=$$(for p in $(1); do \
	  dpkg-query -W -f '$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Debian's python3 makes venvs only with python3-venv: installed when missing.
$(BIN)/tierwise: pyproject.toml
	@$(PY) -c 'import ensurepip, venv' 2>/dev/null || { $(call apt_install,python3-venv); }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The portal's front-end libraries (chart.js, htmx) and axe-core (the browser tests' only)
# are committed, pinned in assets/package-lock.json, with their licences; `make assets`
# checks them against assets/SHA256SUMS, so no machine needs npm. A maintainer updating a
# version runs `make vendor` (npm registry), then commits the files and the sums.
VENDORED := $(VENDOR)/chart.umd.min.js $(VENDOR)/htmx.min.js tests/web/browser/vendor/axe.min.js
assets:
	@sha256sum --check --quiet --strict assets/SHA256SUMS

vendor:
	cd assets && npm ci --no-audit --no-fund --loglevel=error
	cp assets/node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp assets/node_modules/chart.js/LICENSE.md $(VENDOR)/chart.js.LICENSE.md
	cp assets/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp assets/node_modules/htmx.org/LICENSE $(VENDOR)/htmx.org.LICENSE
	cp assets/node_modules/axe-core/axe.min.js tests/web/browser/vendor/axe.min.js
	cp assets/node_modules/axe-core/LICENSE tests/web/browser/vendor/axe-core.LICENSE
	sha256sum $(VENDORED) > assets/SHA256SUMS

# The browser tests drive Debian's chromium (Playwright never downloads a browser here);
# Playwright's own driver (a node binary in its wheel) needs libatomic1, which a minimal
# Debian lacks.
BROWSER_PACKAGES := chromium libatomic1
browser:
	@$(call apt_install,$(BROWSER_PACKAGES))

# The reports' PDF (WeasyPrint) needs Debian's pango, HarfBuzz's font subsetter and fonts for
# Latin, Thai and Chinese; the report tests read PDFs with poppler's pdftotext and pdffonts.
# Installed when missing.
REPORT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
  fonts-thai-tlwg fonts-noto-cjk poppler-utils
reports:
	@$(call apt_install,$(REPORT_PACKAGES))

# The Spark engine's tests (and `--engine spark`) run PySpark on Debian's Java 17.
java:
	@command -v java >/dev/null 2>&1 || { $(call apt_install,openjdk-17-jre-headless); }

install: $(BIN)/tierwise assets reports

run: install
	$(BIN)/tierwise data generate --out $(DEMO)/data --scale small --seed 7
	$(BIN)/tierwise data load $(DEMO)/data --db $(TIERWISE_DB)
	$(BIN)/tierwise data info --db $(TIERWISE_DB)
	$(BIN)/tierwise overview --db $(TIERWISE_DB)
	rm -f $(DEMO)/tierwise-state.db
	$(BIN)/tierwise run buyin-mcn --from 2025-10 --to 2026-09 --publish --actor demo > /dev/null
	$(BIN)/tierwise run douyin-jixing-mcn --from 2025-10 --to 2026-09 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-sea-isv --from 2025Q4 --to 2026Q3 --publish --actor demo > /dev/null
	# Every Thai TSP registers for both categories but tsp-th-0001: it is scored, not awarded.
	$(BIN)/tierwise tsp register-all --program tts-th-tsp-shop --from 2025Q4 --to 2026Q3 --except tsp-th-0001 --actor demo
	$(BIN)/tierwise tsp register-all --program tts-th-tsp-content --from 2025Q4 --to 2026Q3 --except tsp-th-0001 --actor demo
	$(BIN)/tierwise run tts-th-tsp-shop --from 2025Q4 --to 2026Q3 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-th-tsp-content --from 2025Q4 --to 2026Q3 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-th-tsp-shop --from 2025-10 --to 2026-09 --publish --actor demo > /dev/null
	$(BIN)/tierwise run tts-th-tsp-content --from 2025-10 --to 2026-09 --publish --actor demo > /dev/null
	$(BIN)/tierwise levels
	$(BIN)/tierwise users demo
	$(BIN)/tierwise serve --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

# Two pytest-xdist workers, a test file to a worker (module fixtures are built once); the
# tests share nothing (a PostgreSQL database per worker session, free ports, tmp folders).
# CI=true (set by .ci/run) prints the slowest tests; a developer runs a subset with markers:
#   .venv/bin/pytest -m "not browser and not slow"   (or "not pg" without PostgreSQL,
#   "not spark" without Java)
test: install browser java lint
	$(BIN)/pytest -q -n 2 --dist loadfile $(if $(CI),--durations=25)

bench: install
	$(BIN)/tierwise data generate --out bench/out/medium --scale medium --seed 1
	$(BIN)/tierwise data generate --out bench/out/medium-csv --scale medium --seed 1 --format csv
	$(BIN)/python bench/load.py --parquet bench/out/medium --csv bench/out/medium-csv
	$(BIN)/python bench/evaluate.py --data bench/out/medium
	$(BIN)/python bench/backfill.py --data bench/out/medium
	command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null
	$(BIN)/python bench/api.py --state sqlite postgresql --workers 2 --wait-quiet 180 --retries 2

# The stock-machine check of docs/setup.md: a debootstrapped Debian 12 with only python3 and
# make, a fresh clone of the current branch (commit first), `make install`, `make run` and a
# marked subset of the tests in a chroot. Root and debootstrap; STOCK_ROOT outside the repo.
STOCK_ROOT ?= /work/deb12/rootfs
stock-check:
	scripts/debian12-check.sh $(STOCK_ROOT)

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache assets/node_modules
