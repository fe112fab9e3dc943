# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS, included by the top-level Makefile:
#
#   make dkms-source      the module sources and dkms.conf in
#                         $(DESTDIR)/usr/src/osmosis-VERSION (what the
#                         osmosis-dkms package ships)
#   make dkms-install     dkms-source, then dkms add, build and install for
#                         the running kernel (as root; DKMS rebuilds it for
#                         each kernel installed later)
#   make dkms-uninstall   dkms remove --all, and the sources
#
# VERSION comes from mk/install.mk.

DKMS_SRC	= $(DESTDIR)/usr/src/osmosis-$(VERSION)
# What kbuild needs: Kbuild, VERSION, module/ and the uapi header.
DKMS_FILES	= Kbuild VERSION $(wildcard module/*.[ch]) uapi/linux/osmosis.h

.PHONY: dkms-source dkms-install dkms-uninstall

dkms-source:
	$(INSTALL) -d $(DKMS_SRC)/module $(DKMS_SRC)/uapi/linux
	@set -e; for f in $(DKMS_FILES); do \
		$(INSTALL) -m 0644 $$f $(DKMS_SRC)/$$f; \
	done
	sed 's/@VERSION@/$(VERSION)/' dkms.conf.in >$(DKMS_SRC)/dkms.conf
	chmod 0644 $(DKMS_SRC)/dkms.conf

dkms-install: dkms-source
	dkms add -m osmosis -v $(VERSION)
	dkms build -m osmosis -v $(VERSION)
	dkms install -m osmosis -v $(VERSION)

dkms-uninstall:
	-dkms remove -m osmosis -v $(VERSION) --all
	$(RM) -r $(DKMS_SRC)

# The Debian packages, into build/debs (vm/build-debs).
.PHONY: deb
deb:
	vm/build-debs
