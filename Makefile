# One command per habit. `make run` and `make test` work on a fresh Debian/Ubuntu
# machine with Python 3.11: they create .venv and install what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export FLASK_APP := portal
PYTEST_ARGS ?= -q
# A test pass uses every CPU (pytest-xdist; each worker has a database of its own) and
# keeps its test folders (SQLite, the vault, servers' instances) in memory when
# /dev/shm is there: a test never outlives a power cut, so waiting for the disk at each
# commit would only slow it (docs/testing.md). XDIST_ARGS= runs in one process.
XDIST_ARGS ?= -n auto --dist loadscope
# The browser journeys test pages, and tests marked database_independent test files and
# tools (signatures, PDF/A, the standalone verifier, storage servers), which do not depend
# on the database: they run in the SQLite pass only (every other HTTP test runs in both).
# POSTGRES_ONLY_ARGS= runs them twice.
POSTGRES_ONLY_ARGS ?= --ignore=tests/browser -m "not proof and not deploy and not database_independent"
define pytest_pass
tmp=$$(mktemp -d "$$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "$${TMPDIR:-/tmp}" )/ps752-tests.XXXXXX"); \
$(PY) -m pytest $(XDIST_ARGS) --basetemp="$$tmp/pytest" $(1); rc=$$?; \
rm -rf "$$tmp"; exit $$rc
endef

.PHONY: setup run test test-sqlite test-postgres lint translations messages clean proof

# Debian packages the portal and its tests use: libmagic (media types), ffmpeg (audio and
# video metadata, poster frames), poppler-utils (PDF previews), exiftool (image metadata
# cross-check in tests), Noto fonts (Persian in PDFs), Chromium and its driver (browser tests),
# libnss3-tools (certutil: the NSS database pdfsig checks signatures against, in tests),
# Tesseract with its Persian and English data (text in screenshots and letters), nginx and
# tor (the shipped deployment, checked by `make deploy-check`).
DEBIAN_PACKAGES := libmagic1 ffmpeg poppler-utils libimage-exiftool-perl fonts-noto-core \
  chromium chromium-driver sqlmap libnss3-tools tesseract-ocr tesseract-ocr-fas \
  tesseract-ocr-eng nginx tor

.PHONY: system-packages
system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

$(STAMP): requirements.txt requirements-dev.txt
	@$(MAKE) --no-print-directory system-packages
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: system-packages $(STAMP) translations

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d portal/translations

# After changing user-facing strings: refresh the template and both catalogs, then translate.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 \
	  --add-comments=Translators: --no-location \
	  --sort-output --project "PS752 portal" -o portal/translations/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i portal/translations/messages.pot \
	  -d portal/translations

run: setup
	$(PY) -m portal.setup_instance --development
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask signing init --if-missing
	$(VENV)/bin/flask demo seed
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	$(VENV)/bin/flask run --host 127.0.0.1 --port 5000

# The whole suite on SQLite, then again on a throw-away PostgreSQL database.
test: setup test-sqlite test-postgres

test-sqlite: setup
	@echo "== test suite on SQLite =="
	@$(call pytest_pass,$(PYTEST_ARGS))

test-postgres: setup
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then url="$$PORTAL_TEST_DATABASE_URL"; keep=1; \
	elif url=$$($(PY) -m tests.support.pgdb create); then keep=; \
	else \
	  if [ -n "$$CI" ]; then echo "PostgreSQL is required on CI but did not answer"; exit 1; fi; \
	  echo "*** PostgreSQL pass SKIPPED: no server on 127.0.0.1:5432 (only SQLite was tested) ***"; \
	  exit 0; \
	fi; \
	echo "== test suite on PostgreSQL =="; \
	export PORTAL_TEST_DATABASE_URL="$$url"; \
	( $(call pytest_pass,$(PYTEST_ARGS) $(POSTGRES_ONLY_ARGS)) ); rc=$$?; \
	[ -n "$$keep" ] || $(PY) -m tests.support.pgdb drop "$$url"; \
	exit $$rc

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy portal
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Latency of the advocate's workspace with 100,000 incidents on a throw-away PostgreSQL
# database (about 3 minutes), then evidence upload throughput and server memory through a
# real `flask run` server against an openssl pipeline (about 1 minute), then dossier PDF
# rendering at 50, 200 and 500 incidents (about 7 minutes); not part of `make test`.
# Results: docs/benchmarks.md. Options go in BENCH_ARGS (workspace), UPLOAD_BENCH_ARGS
# (upload) and DOSSIER_BENCH_ARGS (PDF), e.g. make bench BENCH_ARGS="--explain".
.PHONY: bench
bench: setup
	$(PY) -m bench.workspace $(BENCH_ARGS)
	$(PY) -m bench.upload $(UPLOAD_BENCH_ARGS)
	$(PY) -m bench.dossier $(DOSSIER_BENCH_ARGS)

# The load run (docs/benchmarks.md): gunicorn and an RQ worker on a throw-away PostgreSQL
# database with 100,000 incidents, 50 Locust users for 3 minutes on loopback (about 8
# minutes in all). Locust comes from requirements-load.txt, installed here only.
# Options go in LOAD_ARGS, e.g. make load LOAD_ARGS="--users 10 --duration 30".
LOAD_STAMP := $(VENV)/.load-installed
$(LOAD_STAMP): requirements-load.txt $(STAMP)
	$(PY) -m pip install --quiet -c requirements.txt -r requirements-load.txt
	touch $(LOAD_STAMP)

.PHONY: load
load: setup $(LOAD_STAMP)
	$(PY) -m bench.load $(LOAD_ARGS)

# Everything that proves DESIGN.md §2 (docs/testing.md): the whole suite with the slow
# proofs (sqlmap as every role, the long SIGKILL variants, hypothesis with
# PROOF_EXAMPLES submissions per form) on SQLite and on a throw-away PostgreSQL
# database, then the load run; the figures go into docs/security.md (written even when
# something failed, which is then marked). About an hour on 2 CPUs; not part of `make test`.
PROOF_DIR := .proof
PROOF_EXAMPLES ?= 25
proof: setup $(LOAD_STAMP)
	@rm -rf $(PROOF_DIR); mkdir -p $(PROOF_DIR); rc=0; \
	export PORTAL_HYPOTHESIS_EXAMPLES=$(PROOF_EXAMPLES); \
	echo "== every test and the slow proofs, on SQLite =="; \
	( $(call pytest_pass,-m "" $(PYTEST_ARGS) -o junit_family=xunit1 --junitxml=$(PROOF_DIR)/sqlite.xml) ) || rc=1; \
	if url=$$($(PY) -m tests.support.pgdb create); then \
	  echo "== every test and the slow proofs, on PostgreSQL =="; \
	  ( export PORTAL_TEST_DATABASE_URL="$$url"; \
	    $(call pytest_pass,-m "" $(PYTEST_ARGS) -o junit_family=xunit1 --junitxml=$(PROOF_DIR)/postgresql.xml) ) || rc=1; \
	  $(PY) -m tests.support.pgdb drop "$$url"; \
	else echo "*** PostgreSQL did not answer: no PostgreSQL pass ***"; rc=1; fi; \
	echo "== load =="; \
	$(PY) -m bench.load --summary $(PROOF_DIR)/load.json $(LOAD_ARGS) || rc=1; \
	$(PY) -m tests.support.proof_report $(PROOF_DIR) docs/security.md; \
	exit $$rc

# The shipped deployment (deploy/, docs/operations.md "Deployment", decision 0032), on
# loopback: deploy/render.py's nginx (Debian's, as www-data) with TLS in front of gunicorn
# and an RQ worker (Redis on 127.0.0.1:6379), on a throw-away PostgreSQL database
# (SQLite when none answers, except on CI); a 1 GiB upload, 413, slow clients, onion-only
# mode, `tor --verify-config`, `systemd-analyze verify`. Not part of `make test`; CI runs
# it after. One process: the stack is shared by the module's tests.
.PHONY: deploy-check
deploy-check: setup
	@if url=$$($(PY) -m tests.support.pgdb create); then \
	  export PORTAL_TEST_DATABASE_URL="$$url"; echo "== deployment check on PostgreSQL =="; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is required on CI but did not answer"; exit 1; \
	else url=; echo "*** no PostgreSQL on 127.0.0.1:5432: deployment checked on SQLite ***"; fi; \
	$(PY) -m pytest -p no:xdist -m deploy $(PYTEST_ARGS) tests/deploy; rc=$$?; \
	[ -z "$$url" ] || $(PY) -m tests.support.pgdb drop "$$url"; \
	exit $$rc
