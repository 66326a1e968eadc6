# systemd integration, included by the Makefile: the Quadlet user generator, skiff-restart.service and the
# socket-activated Docker API service (skiff.socket, skiff.service).
SYSTEMD_USER_GENERATOR_DIR ?= $(PREFIX)/lib/systemd/user-generators
SYSTEMD_USER_UNIT_DIR      ?= $(PREFIX)/lib/systemd/user

.PHONY: install-systemd uninstall-systemd

install-systemd: ## install the Quadlet user generator (skiff-user-generator), skiff-restart.service, skiff.socket and skiff.service
	install -d $(DESTDIR)$(SYSTEMD_USER_GENERATOR_DIR) $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)
	ln -sfn $(PREFIX)/bin/skiff $(DESTDIR)$(SYSTEMD_USER_GENERATOR_DIR)/skiff-user-generator
	sed 's|@@SKIFF@@|$(PREFIX)/bin/skiff|g' contrib/systemd/user/skiff-restart.service > $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff-restart.service
	sed 's|@@SKIFF@@|$(PREFIX)/bin/skiff|g' contrib/systemd/user/skiff.service > $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff.service
	install -m 0644 contrib/systemd/user/skiff.socket $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff.socket
	chmod 0644 $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff-restart.service $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff.service

uninstall-systemd: ## remove what install-systemd installed
	rm -f $(DESTDIR)$(SYSTEMD_USER_GENERATOR_DIR)/skiff-user-generator $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff-restart.service \
		$(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff.service $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/skiff.socket
