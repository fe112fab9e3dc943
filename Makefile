# SPDX-License-Identifier: GPL-2.0-only
#
# osmosis-linux top-level Makefile.
#
#   make                 module (against KDIR), libosm (static + shared), osm tool
#   make module          the kernel module only
#   make lib tools       user space only
#   make selftests       kselftest programs (needs linux-source-6.x installed)
#   make check           sparse + W=1 module build, checkpatch, uapi header check
#   make demo            boot the test VM, show a live graph and a query
#   make test            run the whole test suite in VMs on 6.1, 6.12 and debug
#   make shell           interactive shell in the test VM (KVER=6.1|6.12)
#   make bench-graph     libosm against networkx on a large synthetic graph
#   make fuzz            fuzz the graph parser (clang, libFuzzer) for 60 s
#   make install         libosm, headers, libosm.pc, osm, man pages, the module
#                        (PREFIX, DESTDIR, LIBDIR...: see mk/install.mk)
#   make uninstall       remove them again
#   make dkms-install    the module through DKMS, rebuilt for each new kernel
#   make dkms-uninstall  remove it from DKMS (mk/dkms.mk)
#   make deb             Debian packages into build/debs (vm/build-debs)

KDIR ?= /lib/modules/$(shell uname -r)/build
KVER ?= 6.12

.PHONY: all module lib tools selftests check demo test shell clean \
	bench-graph fuzz

all: module lib tools

module:
	@test -d $(KDIR) || { echo "No kernel build tree at KDIR=$(KDIR):" \
		"install linux-headers-$$(uname -r) or pass KDIR=/path/to/build" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lib:
	$(MAKE) -C libosm-user

tools: lib
	$(MAKE) -C tools

selftests: lib
	$(MAKE) -C selftests

check:
	vm/check-build

demo:
	vm/run --kernel $(KVER) --demo

test:
	vm/test-all

shell:
	vm/run --kernel $(KVER) --shell

bench-graph: lib
	$(MAKE) -C tools bench-graph

fuzz:
	$(MAKE) -C libosm-user fuzz

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C libosm-user clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean

include mk/install.mk
include mk/dkms.mk
