# Two commands for a new machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
INDEX  ?= data/index
HOST   ?= 127.0.0.1
PORT   ?= 8000
# root installs system packages directly; anyone else through sudo
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install index serve browser fonts nginx clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The tests also build on a real Dask cluster: the cluster extra, for them only (`make run` stays light).
$(VENV)/.installed-cluster: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,cluster]'
	touch $@

index: install
	$(PY) -m indexer build --source corpus --index $(INDEX)

serve: install
	$(PY) -m webapp --index $(INDEX) --host $(HOST) --port $(PORT)

run: index serve

# Browser tests drive Debian's Chromium; Playwright comes from PyPI and never downloads a browser.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing Debian chromium and chromium-driver"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# PDFs with Vietnamese text written by the tests need a TrueType font that has its letters.
fonts:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
		echo "installing Debian fonts-dejavu-core"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	fi

# The reverse-proxy test runs Debian's nginx itself, as the test's user on a free port; the system
# service that Debian starts on installing it is left off.
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
		echo "installing Debian nginx"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
		if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then \
			$(SUDO) systemctl disable --now nginx >/dev/null 2>&1 || true; \
		fi; \
	fi

test: install $(VENV)/.installed-cluster browser fonts nginx
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data .pytest_cache
