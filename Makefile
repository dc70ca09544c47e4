# dgp — the two commands a newcomer needs:
#   make demo   install what is missing, build, start local PostgreSQL + Kafka, run the demo
#   make test   install, build (-Werror, and again with ASan+UBSan), start the services,
#               run every test tier (unit, mock, integration), stop the services
# Everything else here is a convenience around CMake and scripts/.
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
PKG_BUILD ?= build-pkg
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all help deps build build-asan test demo package services-start services-stop \
        format format-check clean

all: build

help:
	@echo "make demo            install, build, start services, run the demo"
	@echo "make test            everything CI runs (exits non-zero on any failure)"
	@echo "make build           configure and build into $(BUILD)/ (-Werror)"
	@echo "make build-asan      the same with ASan+UBSan into $(ASAN_BUILD)/"
	@echo "make package         the Debian package $(PKG_BUILD)/dgp_<version>_<arch>.deb (CPack)"
	@echo "make services-start  start local PostgreSQL 15 and Kafka (prints DGP_* exports)"
	@echo "make services-stop   stop them"
	@echo "make format          clang-format every C file; make format-check to verify"

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DDGP_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DDGP_WERROR=ON -DDGP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)

test: deps
	@scripts/run-tests.sh

demo: build
	@scripts/demo.sh

# The Debian package: a Release build installed under /usr, reading its sample
# catalog from /usr/share/dgp; tests and benchmarks are not built.
package: deps
	cmake -S . -B $(PKG_BUILD) -DDGP_WERROR=ON -DDGP_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
	      -DCMAKE_INSTALL_PREFIX=/usr -DDGP_DEFAULT_CATALOG_DIR=/usr/share/dgp/catalog/sample $(CMAKE_FLAGS)
	cmake --build $(PKG_BUILD) -j$(JOBS)
	cd $(PKG_BUILD) && cpack -G DEB
	@ls $(PKG_BUILD)/dgp_*.deb

services-start: deps
	@scripts/services.sh start

services-stop:
	@scripts/services.sh stop

C_SOURCES = $(shell git ls-files '*.c' '*.h')

format:
	clang-format -i $(C_SOURCES)

format-check:
	clang-format --dry-run --Werror $(C_SOURCES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(PKG_BUILD) build-fuzz
