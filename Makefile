# ctaviewer: `make run` opens the application, `make test` runs the test suite.
# Both create a local virtual environment (.venv) and install what they need, including the
# system libraries Qt needs on Debian/Ubuntu where they are missing.

# The environment is .venv. `make test PYTHON=python3.13` runs on that interpreter (found on
# PATH or among pyenv's versions): in .venv if .venv holds that Python version or does not exist
# yet, otherwise in .venv-py3.13 beside it, so each version keeps its own environment and none
# is rebuilt or mixed. VENV=folder chooses the folder outright.
PYTHON ?= python3
PY_VERSION_OF = $(shell test -x '$(1)' && '$(1)' -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(filter command line environment,$(origin PYTHON)),)
PYTHON_BIN := $(shell bash packaging/find_python.sh '$(PYTHON)')
ifeq ($(PYTHON_BIN),)
$(error ctaviewer: no Python interpreter '$(PYTHON)' found (on PATH or among pyenv's versions))
endif
PYTHON_VER := $(call PY_VERSION_OF,$(PYTHON_BIN))
ifeq ($(origin VENV),undefined)
DOTVENV_VER := $(call PY_VERSION_OF,.venv/bin/python)
VENV := $(if $(filter-out $(PYTHON_VER),$(DOTVENV_VER)),.venv-py$(PYTHON_VER),.venv)
else
VENV_VER := $(call PY_VERSION_OF,$(VENV)/bin/python)
ifneq ($(filter-out $(PYTHON_VER),$(VENV_VER)),)
$(error ctaviewer: $(VENV) holds Python $(VENV_VER), not $(PYTHON_VER) of $(PYTHON): remove it or choose another VENV)
endif
endif
endif
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# the suite runs on every core (at most 4: each test process holds ~0.5 GB), a test file per
# process (module fixtures are made once); `make test PYTEST_ARGS=` runs it in one process
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile
export CTAVIEWER_TEST_DATA ?= $(abspath ../shared/data)

QT_LIBS := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
X_LIBS := xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-render-util0 \
          libxcb-xkb1 libxkbcommon-x11-0 libxcb-image0 libxcb-randr0 libxcb-shape0 \
          libxcb-xinerama0 libxcb-xfixes0
SYS_LIBS := $(QT_LIBS) $(X_LIBS)

.PHONY: run test smoke lint bench gui-bench screenshot sysdeps venv clean bundle docs parity

# byte-compiled first: where PYTHONDONTWRITEBYTECODE is set, every start would compile the
# package again (0.7 s of a 1.7 s start-up)
run: $(STAMP)
	@bash packaging/sysdeps.sh $(SYS_LIBS)
	@$(PY) -m compileall -q ctaviewer > /dev/null
	$(VENV)/bin/ctaviewer $(ARGS)

test: $(STAMP)
	@bash packaging/sysdeps.sh $(SYS_LIBS)
	$(PY) -m ruff check ctaviewer tests benchmarks
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

# a short check of an environment (CI runs it on Python 3.13: make smoke PYTHON=python3.13):
# import, `info` on a shared file, the pipeline with a DL1/DL2 write on one file, read back,
# then the threaded-pipeline, record-comparison and one offscreen window test
SMOKE_FILE := $(CTAVIEWER_TEST_DATA)/simtel/gamma_4lst.simtel.zst
SMOKE_TESTS := tests/test_records.py \
  tests/test_pipeline.py::test_process_in_threads_gives_identical_results \
  tests/test_app_window.py::test_open_next_goto_and_keyboard
smoke: $(STAMP)
	@bash packaging/sysdeps.sh $(QT_LIBS)
	@start=$$(date +%s); out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; set -e; \
	echo "smoke: $$($(PY) -c 'import sys; print("Python", sys.version.split()[0])') in $(VENV)"; \
	$(PY) -c 'import ctaviewer, ctaviewer.app.main_window; print("ctaviewer", ctaviewer.__version__)'; \
	$(VENV)/bin/ctaviewer info $(SMOKE_FILE); \
	$(VENV)/bin/ctaviewer process $(SMOKE_FILE) -o "$$out" --levels dl1,dl2 --images -j 1; \
	$(VENV)/bin/ctaviewer info "$$out"/*.h5; \
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider $(SMOKE_TESTS); \
	echo "smoke: passed in $$(( $$(date +%s) - start )) s"

lint: $(STAMP)
	$(PY) -m ruff check ctaviewer tests benchmarks
	$(VENV)/bin/lint-imports

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || { \
	  py=$$(bash packaging/find_python.sh '$(PYTHON)') || { \
	    echo "ctaviewer: no Python interpreter '$(PYTHON)' found (on PATH or among pyenv's versions)" >&2; exit 1; }; \
	  echo "ctaviewer: creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV) || { \
	    echo "ctaviewer: cannot create a virtual environment; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

bench: $(STAMP)
	$(PY) benchmarks/read.py $(CTAVIEWER_TEST_DATA)/simtel/gamma_70sst1m.simtel.zst

# ctaviewer against ctapipe 0.28 on every shared simtel file (benchmarks/vs_ctapipe.py): the
# table of issue 10's goals, last line one JSON object. ctapipe runs in its own environment:
# CTAVIEWER_CTAPIPE_PYTHON=/path/to/python, or else .venv-ctapipe is made here (ctapipe[all]).
# ctapipe's results are cached (~/.cache/ctaviewer/vs_ctapipe): a re-run redoes ctaviewer only.
CTAPIPE_VENV := $(HOME)/.cache/ctaviewer/ctapipe-venv
CTAPIPE_STAMP := $(CTAPIPE_VENV)/.installed
ifeq ($(strip $(CTAVIEWER_CTAPIPE_PYTHON)),)
PARITY_PY := $(abspath $(CTAPIPE_VENV))/bin/python
PARITY_DEPS := $(CTAPIPE_STAMP)
else
PARITY_PY := $(CTAVIEWER_CTAPIPE_PYTHON)
PARITY_DEPS :=
endif

PARITY_FILES := $(addprefix $(CTAVIEWER_TEST_DATA)/simtel/,proton_4lst_15flashcam.simtel.zst \
	gamma_70sst1m.simtel.zst gamma_diffuse_13tel.simtel.zst gamma_70astri_sums_only.simtel.gz \
	gamma_4lst.simtel.zst)

parity: $(STAMP) $(PARITY_DEPS)
	$(PY) benchmarks/vs_ctapipe.py --all --ctapipe-python $(PARITY_PY) $(PARITY_ARGS)
	$(PY) benchmarks/hdf5_parity.py $(PARITY_FILES) --ctapipe-python $(PARITY_PY)

$(CTAPIPE_STAMP):
	@start=$$(date +%s); \
	{ test -x $(CTAPIPE_VENV)/bin/python || $(PYTHON) -m venv $(CTAPIPE_VENV); } && \
	$(CTAPIPE_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	$(CTAPIPE_VENV)/bin/python -m pip install --quiet 'ctapipe[all]==0.28.*' || exit 1; \
	echo "parity: $(CTAPIPE_VENV) made in $$(( $$(date +%s) - start )) s"
	@touch $(CTAPIPE_STAMP)

# the real window under Xvfb on the 15-telescope event, written to out/screenshot.png
screenshot: $(STAMP)
	@bash packaging/sysdeps.sh $(SYS_LIBS)
	@mkdir -p out
	xvfb-run -a -s "-screen 0 1920x1200x24" $(PY) -m ctaviewer.app.screenshot \
	  $(CTAVIEWER_TEST_DATA)/simtel/gamma_4lst_15nectarcam.simtel.zst out/screenshot.png

# the user guide's screenshots (docs/images/*.png), from the real application on the shared files
docs: $(STAMP)
	@bash packaging/sysdeps.sh $(QT_LIBS)
	$(PY) docs/make_screenshots.py --data $(CTAVIEWER_TEST_DATA)/simtel --out docs/images

gui-bench: $(STAMP)
	@$(PY) -m compileall -q ctaviewer > /dev/null
	$(PY) benchmarks/gui.py $(CTAVIEWER_TEST_DATA)

# one-folder application in dist/ctaviewer (PyInstaller), then its smoke test, which ends with
# the unpacked size against the 350 MB goal and fails above BUNDLE_MAX_MB (default 480). binutils: PyInstaller's objdump
# and the strip of the bundled libraries.
bundle: $(STAMP)
	@bash packaging/sysdeps.sh $(SYS_LIBS) binutils
	$(PY) -m pip install --quiet 'pyinstaller>=6.5,<7'
	@start=$$(date +%s); \
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build \
	  packaging/ctaviewer.spec || exit 1; \
	echo "bundle: dist/ctaviewer built in $$(( $$(date +%s) - start )) s," \
	  "$$(du -sb dist/ctaviewer | awk '{printf "%.0f", $$1 / 1e6}') MB unpacked"
	bash packaging/smoke_test.sh

clean:
	rm -rf $(VENV) build dist .pytest_cache
