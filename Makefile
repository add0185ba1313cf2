# The README's two commands. Everything else is CMake under build/.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build check demo clean

all: build

deps:
	./scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DRINGSIDE_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	./scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD)
