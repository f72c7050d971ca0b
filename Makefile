# pysandbox: `make demo` shows it working, `make test` runs the suite.
# Both create .venv on first use and install the package into it (pip -e).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CSRC := $(wildcard csrc/*/*.c csrc/*/*.h csrc/*/*.map) setup.py pyproject.toml pysandbox/_build.py

all: build

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Editable install: compiles libsandbox.so and the cffi module into pysandbox/.
$(STAMP): $(PY) $(CSRC)
	$(PY) -m pip install -q -e '.[test,lint]'
	touch $@

build: $(STAMP)
	$(MAKE) -s -C helloworld

demo: build
	@echo '$$ LD_PRELOAD=$$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:write:exit_group ./helloworld/helloworld'
	@LD_PRELOAD=$$($(VENV)/bin/pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:write:exit_group ./helloworld/helloworld
	@echo '$$ LD_PRELOAD=$$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:exit_group ./helloworld/helloworld'
	@# the shell's own "Bad system call" goes to /dev/null; the program keeps stderr (fd 3)
	@{ sh -c 'LD_PRELOAD=$$($(VENV)/bin/pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:exit_group exec ./helloworld/helloworld 2>&3'; } 3>&2 2>/dev/null; \
	  st=$$?; if [ $$st -eq 159 ]; then echo "Bad system call (killed by SIGSYS, exit status $$st)"; else echo "unexpected status $$st"; exit 1; fi
	@echo '$$ LD_PRELOAD=$$(pysandbox libpath) SANDBOX_FS_EXEC=@base cat /etc/hostname'
	@LD_PRELOAD=$$($(VENV)/bin/pysandbox libpath) SANDBOX_FS_EXEC=@base cat /etc/hostname 2>&1; \
	  st=$$?; if [ $$st -eq 1 ]; then echo "(exit status 1: Landlock refused the open)"; else echo "unexpected status $$st"; exit 1; fi

test: build
	$(PY) -m pytest -q tests

bench: build
	$(MAKE) -s -C bench PY=$(CURDIR)/$(PY)

tables: $(PY)
	$(PY) -m pip install -q 'system-calls>=7.2'
	$(PY) tools/gen_tables.py csrc/core/tables.h

# Fuzzing and sanitizers (README "Fuzzing and sanitizers"; fuzz/Makefile).
# fuzz: each libFuzzer target for FUZZ_SECONDS (default 60) seconds, needs clang;
# fuzz-replay: each target over its seed corpus once; sanitize: the unit tests
# (compiler, policy, profile) against a cffi module built with ASan and UBSan
# (no end-to-end ones: what they run does not load the cffi module).
SANITIZE_TESTS := tests/unit

fuzz:
	$(MAKE) -C fuzz run

fuzz-replay:
	$(MAKE) -C fuzz replay

sanitize: build
	$(PY) fuzz/sanitize.py build/sanitize $(SANITIZE_TESTS)

# Gates (README "Style"): kernel-style C by the checked-in .clang-format (the
# generated tables.h and vocabulary.h excepted) and a clean ruff run; `make format` applies the C style.
LINT_C = $(shell find csrc fuzz bench helloworld tests/progs -name '*.[ch]' ! -name tables.h ! -name vocabulary.h | sort)
LINT_PY := pysandbox tests bench fuzz tools bin/sandboxify bin/pysandbox-py

lint: $(STAMP)
	$(VENV)/bin/clang-format --dry-run --Werror $(LINT_C)
	$(VENV)/bin/ruff check -q $(LINT_PY)

format: $(STAMP)
	$(VENV)/bin/clang-format -i $(LINT_C)

clean:
	rm -rf build *.egg-info bin/pysandbox pysandbox/*.so pysandbox/_native_cffi.c pysandbox/__pycache__ tests/__pycache__ tests/*/__pycache__
	$(MAKE) -s -C helloworld clean

distclean: clean
	rm -rf $(VENV)

.PHONY: all build demo test bench tables fuzz fuzz-replay sanitize lint format clean distclean
