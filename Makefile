# Hifazat: `make demo` runs it with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint fmt bench messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	HIFAZAT_DEMO=1 $(BIN)/hifazat demo

test: $(VENV)/.dev
	bash scripts/test.sh

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev
	$(BIN)/python -m bench $(NAME)

messages: $(VENV)/.dev
	cd hifazat && ../$(BIN)/hifazat makemessages -l ur --ignore 'static/*' --no-obsolete
	cd hifazat && ../$(BIN)/hifazat compilemessages -l ur

clean:
	rm -rf $(VENV) var
