# systemd integration, included by the Makefile: the Quadlet user generator and skiff-restart.service.
SYSTEMD_USER_GENERATOR_DIR ?= $(PREFIX)/lib/systemd/user-generators
SYSTEMD_USER_UNIT_DIR      ?= $(PREFIX)/lib/systemd/user

.PHONY: install-systemd uninstall-systemd

install-systemd: ## install the Quadlet user generator (skiff-user-generator) and skiff-restart.service
	install -d $(DESTDIR)$(SYSTEMD_USER_GENERATOR_DIR) $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)
	ln -sfn $(PREFIX)/bin/skiff $(DESTDIR)$(SYSTEMD_USER_GENERATOR_DIR)/skiff-user-generator
	sed 's|@@SKIFF@@|$(PREFIX)/bin/skiff|g' contrib/systemd/user/skiff-restart.service > $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff-restart.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff-restart.service

uninstall-systemd: ## remove what install-systemd installed
	rm -f $(DESTDIR)$(SYSTEMD_USER_GENERATOR_DIR)/skiff-user-generator $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff-restart.service
