# The README's two commands. Everything else is CMake under build/.
BUILD ?= build
JOBS ?= $(shell nproc)
# Fuzzing (clang, libFuzzer) and sanitizer builds live apart from $(BUILD).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
SAN_BUILD ?= build-san
# fast_unwind_on_malloc=0: full stacks through GLib (no frame pointers),
# which tests/lsan.supp needs to match.
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

.PHONY: all deps build check demo clean fuzz check-sanitize

all: build

deps:
	./scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DRINGSIDE_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	./scripts/fuzz check $(FUZZ_BUILD)

# Each libFuzzer harness for FUZZ_SECONDS on a copy of its seed corpus.
fuzz: deps
	./scripts/fuzz run $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The whole ctest suite built with ASan and UBSan (gcc); a sanitizer
# report in a test or in a ringsided it starts fails the test.
check-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DRINGSIDE_WERROR=ON -DRINGSIDE_SANITIZE=ON >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS)

demo: build
	./scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(SAN_BUILD)
