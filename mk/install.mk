# SPDX-License-Identifier: GPL-2.0-only
#
# make install / uninstall, included by the top-level Makefile.
#
#   make install            user space (install-user) and the module
#   make install-user       libosm (.so, .a, headers, libosm.pc), osm,
#                           osm-bench, man pages, bash completion
#   make install-module     osmosis.ko for KDIR, with modules_install
#   make uninstall          what install put there (uninstall-user,
#                           uninstall-module)
#
# PREFIX (/usr/local), DESTDIR, LIBDIR ($(PREFIX)/lib), BINDIR, INCLUDEDIR,
# MANDIR, PKGCONFIGDIR, BASHCOMPDIR; KDIR picks the kernel (the module
# goes to $(DESTDIR)/lib/modules/<release>/$(INSTALL_MOD_DIR)).

VERSION		:= $(shell cat $(CURDIR)/VERSION)
SOVERSION	:= $(firstword $(subst ., ,$(VERSION)))

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
INSTALL_MOD_DIR	?= extra
INSTALL		?= install

# The release KDIR builds for, as uname -r says it (Debian's 6.1 headers
# call themselves "6.1.<n>" in include/config/kernel.release).
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	 $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

LIB_SO		:= libosm.so.$(VERSION)
# Man pages by section; a page listed here but not yet written is skipped.
MAN_PAGES	:= tools/osm.8 tools/osm-bench.8 libosm-user/libosm.3 \
		   uapi/osmosis.4
BASH_COMPLETION	:= tools/bash-completion/osm

# .TH's source field becomes "osmosis VERSION": the pages hold no copy.
man_version = sed '1,/^\.TH/s/"osmosis[^"]*"/"osmosis $(VERSION)"/'

.PHONY: install install-user install-lib install-dev install-tools \
	install-man install-completion install-module uninstall \
	uninstall-user uninstall-module

install: install-user install-module

install-user: install-lib install-dev install-tools install-man \
	      install-completion

install-lib: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 0644 libosm-user/$(LIB_SO) $(DESTDIR)$(LIBDIR)/$(LIB_SO)
	ln -sf $(LIB_SO) $(DESTDIR)$(LIBDIR)/libosm.so.$(SOVERSION)

install-dev: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux
	$(INSTALL) -m 0644 libosm-user/libosm.a $(DESTDIR)$(LIBDIR)/libosm.a
	ln -sf libosm.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libosm.so
	$(INSTALL) -m 0644 libosm-user/osm.h libosm-user/osm_version.h \
		$(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 0644 uapi/linux/osmosis.h $(DESTDIR)$(INCLUDEDIR)/linux/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    libosm-user/libosm.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libosm.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/libosm.pc

install-tools: tools
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 tools/osm tools/osm-bench $(DESTDIR)$(BINDIR)/

install-man:
	@set -e; for p in $(MAN_PAGES); do \
		[ -f $$p ] || continue; \
		s=$${p##*.}; d=$(DESTDIR)$(MANDIR)/man$$s; \
		echo "  MAN     $$d/$${p##*/}"; \
		$(INSTALL) -d $$d; \
		$(man_version) $$p >$$d/$${p##*/}; chmod 0644 $$d/$${p##*/}; \
	done

install-completion:
	@if [ -f $(BASH_COMPLETION) ]; then \
		$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) && \
		$(INSTALL) -m 0644 $(BASH_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/osm; \
	fi

install-module: module
	@test -n "$(KREL)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) KERNELRELEASE=$(KREL) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install
	$(if $(DESTDIR),,depmod -a $(KREL))

uninstall: uninstall-user uninstall-module

uninstall-user:
	$(RM) $(DESTDIR)$(LIBDIR)/$(LIB_SO) \
	      $(DESTDIR)$(LIBDIR)/libosm.so.$(SOVERSION) \
	      $(DESTDIR)$(LIBDIR)/libosm.so $(DESTDIR)$(LIBDIR)/libosm.a \
	      $(DESTDIR)$(PKGCONFIGDIR)/libosm.pc \
	      $(DESTDIR)$(INCLUDEDIR)/osm.h $(DESTDIR)$(INCLUDEDIR)/osm_version.h \
	      $(DESTDIR)$(INCLUDEDIR)/linux/osmosis.h \
	      $(DESTDIR)$(BINDIR)/osm $(DESTDIR)$(BINDIR)/osm-bench \
	      $(DESTDIR)$(BASHCOMPDIR)/osm
	$(RM) $(foreach p,$(MAN_PAGES),\
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))

uninstall-module:
	@test -n "$(KREL)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	$(RM) $(DESTDIR)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)/osmosis.ko*
	$(if $(DESTDIR),,depmod -a $(KREL))
