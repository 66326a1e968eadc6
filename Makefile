# skiff: rootless, daemonless containers. `make help` lists the targets.
GO         ?= go
TAGS       := exclude_graphdriver_btrfs containers_image_openpgp
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     := $(DESTDIR)$(PREFIX)/bin
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOFLAGS_B  := -tags "$(TAGS)" -ldflags "-X main.version=$(VERSION)"
TEST_USER  ?= skiff-test
NOSUB_USER ?= skiff-nosub
export CGO_ENABLED := 1

.PHONY: help build test test-unit unit test-e2e bench lint install demo setup clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/skiff and its helper executables bin/skiff-netkeeper and bin/skiff-build
	$(GO) build $(GOFLAGS_B) -o bin/skiff ./cmd/skiff
	$(GO) build $(GOFLAGS_B) -o bin/skiff-netkeeper ./slirpnet/cmd/skiff-netkeeper
	cd build/helper && $(GO) build $(GOFLAGS_B) -o ../../bin/skiff-build .

setup: ## (root) prepare this host: packages, devices, test users, local registry and test images
	bash hack/setup-host.sh

test: setup build lint test-unit test-e2e ## (root) set the host up, lint, then run the unit and the rootless end-to-end tests

test-unit: ## run the unit tests (test/layers, the import rules, among them)
	$(GO) test -tags "$(TAGS)" -count=1 $$($(GO) list ./... | grep -v -e /test/e2e -e /test/nosub -e /test/harness)

unit: test-unit ## the same as test-unit

# The end-to-end tests run as unprivileged users: rootless behaviour is only proven that way.
test-e2e: build ## (root) run the end-to-end tests as $(TEST_USER) and $(NOSUB_USER)
	bash hack/test-e2e.sh

bench: setup build ## (root) compare skiff with podman: pull, run and exec times, monitor memory
	bash hack/bench.sh

lint: ## gofmt, go vet, staticcheck and golangci-lint (errorlint, depguard), pinned and installed by hack/lint.sh
	GO=$(GO) bash hack/lint.sh

install: build install-systemd ## install skiff, its Quadlet user generator and skiff-restart.service into $(DESTDIR)$(PREFIX)
	install -d $(BINDIR)
	install -m 0755 bin/skiff $(BINDIR)/skiff
	install -m 0755 bin/skiff-netkeeper $(BINDIR)/skiff-netkeeper
	install -m 0755 bin/skiff-build $(BINDIR)/skiff-build

demo: setup build ## (root) build, pull the project's busybox image and run a container in it as $(TEST_USER)
	bash hack/demo.sh

clean: ## remove build output
	rm -rf bin

include systemd.mk
