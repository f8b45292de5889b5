# SPDX-License-Identifier: GPL-3.0-or-later
# Tyche in C: one Makefile that works alone with Debian 12 defaults.
# ./configure (from configure.ac) only writes config.mak.autogen, which refines
# the variables below; it is optional.  Everything built lands in $(BUILD), so
# two builds (e.g. SANITIZE=1 and plain) can live side by side.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

-include config.mak.autogen

PKGS     = libcurl libcjson yaml-0.1 zlib gsl nlopt libarchive expat libsodium xlsxwriter
ifeq ($(origin PKG_LIBS),undefined)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif
ifeq ($(strip $(PKG_LIBS)),)
PKG_CFLAGS := -I/usr/include/cjson
PKG_LIBS   := -lcurl -lcjson -lyaml -lz -lgsl -lgslcblas -lm -lnlopt -larchive -lexpat -lsodium
endif
# libxlsxwriter and NLopt are opened with dlopen (lib/dynlib.c) on their
# first use, by lib/export-xlsx.c and lib/optim-nlopt.c (libxlsxwriter's
# minizip and libcrypto cost every process 2.3 ms of start-up, NLopt 0.1
# ms): their headers are needed, not their link.
override PKG_LIBS := $(filter-out -lxlsxwriter -lnlopt,$(PKG_LIBS))
LIBS = $(PKG_LIBS) -lglpk -lpthread -lm

WARN   = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wno-unused-parameter
OPT   ?= -O2 -g
# -ffp-contract=off: no fused multiply-add, so model arithmetic rounds exactly
# as the reference (numpy) does, operation by operation.
CFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) \
	-ffp-contract=off -fno-fast-math -fPIC -fvisibility=hidden \
	-Ilib $(PKG_CFLAGS) -DTYCHE_VERSION_STR='"$(VERSION)"' \
	-DTYCHE_PREFIX='"$(PREFIX)"' $(CFLAGS)
ifeq ($(DEVELOPER),1)
CFLAGS_ALL += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
override BUILD := $(BUILD)-san
endif

LIB_SRCS  := $(sort $(wildcard lib/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# cmd/tyche-*.c are programs; any other cmd/*.c is shared by all of them.
CMD_SRCS  := $(sort $(wildcard cmd/tyche-*.c))
CMDS      := $(CMD_SRCS:cmd/%.c=$(BUILD)/bin/%)
CMD_COMMON := $(filter-out $(CMD_SRCS),$(sort $(wildcard cmd/*.c)))
CMD_COMMON_OBJS := $(CMD_COMMON:%.c=$(BUILD)/%.o)
CGI_SRCS  := $(sort $(wildcard cgi/*.c))
CGI_BIN   := $(if $(CGI_SRCS),$(BUILD)/bin/tyche.cgi)
UNIT_SRCS := $(sort $(wildcard t/unit/u-*.c))
UNITS     := $(UNIT_SRCS:t/unit/%.c=$(BUILD)/t/unit/%)
HELPER_SRCS := $(sort $(wildcard t/helper/*.c))
HELPERS   := $(HELPER_SRCS:t/helper/%.c=$(BUILD)/bin/%)
PERF_SRCS := $(sort $(wildcard t/perf/*.c))
PERFS     := $(PERF_SRCS:t/perf/%.c=$(BUILD)/t/perf/%)
MANS      := $(sort $(wildcard doc/*.1))

# MPI (issue 20): tyche-mpi is tyche-run split over MPI ranks.  Built when
# mpicc is found (MPI=1 insists on it, MPI=0 skips it); nothing else in the
# build depends on MPI.
MPICC ?= mpicc
ifeq ($(origin MPI),undefined)
MPI := $(if $(shell command -v $(MPICC) 2>/dev/null),1,0)
endif
MPI_BIN := $(if $(filter 1,$(MPI)),$(BUILD)/bin/tyche-mpi)

STATIC = $(BUILD)/libtyche.a
SHARED = $(BUILD)/libtyche.so.$(VERSION)

.PHONY: all deps check test clean install fuzz perf check-exports check-lib check-calls serve FORCE
all: $(STATIC) $(SHARED) $(CMDS) $(CGI_BIN) $(HELPERS) $(UNITS) $(MPI_BIN)

# -MMD -MP: each object's header dependencies are tracked in a .d file.
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

$(STATIC): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SHARED): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libtyche.so.$(firstword $(subst ., ,$(VERSION))) -o $@ $^ $(LDFLAGS) $(LIBS)
	ln -sf libtyche.so.$(VERSION) $(BUILD)/libtyche.so

# The shared cmd/ objects as an archive: each tool links only the members
# it uses (tyche-fetch none, tyche-report the report and option pieces).
CMD_LIB := $(BUILD)/libtyche-cmd.a
$(CMD_LIB): $(CMD_COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(CMD_LIB) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(CMD_LIB) $(STATIC) $(LDFLAGS) $(LIBS)

# tyche-mpi: tyche-run's main renamed, under an MPI main (cmd/mpi/).
$(BUILD)/mpi/tyche-run.o: cmd/tyche-run.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -Dmain=run_plain_main -DTYCHE_IN_MPI \
		-MMD -MP -c -o $@ $<
$(BUILD)/mpi/tyche-mpi.o: cmd/mpi/tyche-mpi.c Makefile
	@mkdir -p $(dir $@)
	$(MPICC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<
$(BUILD)/bin/tyche-mpi: $(BUILD)/mpi/tyche-mpi.o $(BUILD)/mpi/tyche-run.o $(CMD_LIB) $(STATIC)
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $(filter %.o,$^) $(CMD_LIB) $(STATIC) $(LDFLAGS) $(LIBS)

$(BUILD)/bin/tyche.cgi: $(CGI_SRCS:%.c=$(BUILD)/%.o) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(STATIC) $(LDFLAGS) $(LIBS)

$(BUILD)/bin/%: $(BUILD)/t/helper/%.o $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(STATIC) $(LDFLAGS) $(LIBS)

$(BUILD)/t/unit/%: $(BUILD)/t/unit/%.o $(STATIC)
	$(CC) -o $@ $< $(STATIC) $(LDFLAGS) $(LIBS)

$(BUILD)/t/perf/%: $(BUILD)/t/perf/%.o $(STATIC)
	$(CC) -o $@ $< $(STATIC) $(LDFLAGS) $(LIBS)

# Install what the tests need (Debian packages listed in deps.txt).
deps:
	@sh t/install-deps.sh deps.txt
	@sh t/install-npm.sh

# `make check` is the README's test command: dependencies, build, every test.
check: deps
	$(MAKE) all
	$(MAKE) test

# Tests run from t/ (git style); ../shared/reference is used when present.
SHARED_REF := $(wildcard $(abspath ..)/shared/reference/golden)
test: all check-exports check-lib check-calls
	cd t && TYCHE_BUILD=$(abspath $(BUILD)) SANITIZE=$(SANITIZE) \
		TYCHE_SHARED=$(if $(SHARED_REF),$(abspath ../shared/reference)) \
		prove -j2 --timer t[0-9]*.sh $(abspath $(UNITS))

perf: all $(PERFS)
	TYCHE_BUILD=$(abspath $(BUILD)) sh t/perf/run.sh

# Every exported symbol of libtyche starts with tyche_.
check-exports: $(SHARED)
	@bad=$$(nm -D --defined-only $(SHARED) | awk '$$2 ~ /[TDB]/ {print $$3}' | grep -v '^tyche_' | grep -v '^_' || true); \
	if [ -n "$$bad" ]; then echo "non-tyche exports:"; echo "$$bad"; exit 1; fi; echo "exports ok"

# lib/ never prints to stdout nor exits.
check-lib: $(STATIC)
	@bad=$$(nm -u $(LIB_OBJS) 2>/dev/null | grep -wE 'exit|_exit|abort|printf|puts|putchar|vprintf' | sort -u || true); \
	if [ -n "$$bad" ]; then echo "lib/ calls: $$bad"; exit 1; fi; echo "lib ok"

# No call loop between the files of lib/, cmd/ or cgi/ (from the objects).
check-calls: all
	@python3 t/check-calls.py $(BUILD)

fuzz:
	@sh t/fuzz/run.sh

# `make install STORE=DIR STORE_GROUP=GROUP` also sets up the scenario
# store the group shares (tyche-run store init; doc/deploy.md).
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/tyche/models $(DESTDIR)$(PREFIX)/share/tyche/examples \
		$(DESTDIR)$(PREFIX)/lib/cgi-bin $(DESTDIR)$(PREFIX)/share/tyche/www
	install -m 755 $(CMDS) $(MPI_BIN) $(DESTDIR)$(PREFIX)/bin/
	$(if $(CGI_BIN),install -m 755 $(CGI_BIN) $(DESTDIR)$(PREFIX)/lib/cgi-bin/)
	install -m 644 $(STATIC) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libtyche.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libtyche.so
	ln -sf libtyche.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libtyche.so.$(firstword $(subst ., ,$(VERSION)))
	install -d $(DESTDIR)$(PREFIX)/include/tyche
	install -m 644 lib/tyche.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 lib/tyche/*.h $(DESTDIR)$(PREFIX)/include/tyche/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' tyche.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tyche.pc
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(wildcard models/*.yml),install -m 644 models/*.yml $(DESTDIR)$(PREFIX)/share/tyche/models/)
	cp -R examples/. $(DESTDIR)$(PREFIX)/share/tyche/examples/
	$(if $(wildcard www/*),cp -R www/. $(DESTDIR)$(PREFIX)/share/tyche/www/)
	$(if $(STORE),$(BUILD)/bin/tyche-run store init $(DESTDIR)$(STORE) $(if $(STORE_GROUP),--group $(STORE_GROUP)))

clean:
	rm -rf build build-san t/trash.* t/unit/bin

# --- PREFIX is compiled into lib/context-models.c (TYCHE_PREFIX, the default model
# path).  Rebuild it when PREFIX changes, so that `make` followed by
# `make install PREFIX=/opt/x` installs tools that look in /opt/x.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
$(BUILD)/lib/context-models.o: $(BUILD)/prefix.stamp

# Keep intermediate objects (cmd/, t/unit/) between builds.
.SECONDARY:

# --- tyche.cgi (issue 7): cgi/*.h are headers of the CGI objects; `make
# serve` runs nginx + fcgiwrap on 127.0.0.1:8080 with the bundled example.
$(CGI_SRCS:%.c=$(BUILD)/%.o): $(wildcard cgi/*.h)
# tyche.cgi is one process per request: linking libarchive, GLPK, GSL,
# libyaml, expat, libsodium and zlib statically spares the dynamic loader
# ICU, libxml2 and libstdc++ (about 15 ms of CPU per request, measured by
# t/perf/cgi.sh).  Issue 17: their dependencies too, wherever Debian ships
# a .a (libzstd-dev, libltdl-dev in deps.txt): the loader maps libcjson,
# libm and libc; libxlsxwriter, with its minizip and libcrypto (2.3 ms a
# process), is opened only by an xlsx export (lib/export-xlsx.c), and
# libnlopt (Debian 12 ships no static copy) only by an optimisation
# (lib/optim-nlopt.c); --as-needed drops liblz4 and libacl,
# which the parts of libarchive we use never call.  CGI_LIBS= $(LIBS)
# undoes it.
CGI_LIBS ?= -Wl,--as-needed -Wl,-Bstatic -lfcgi -lyaml -lgsl -lgslcblas -larchive -lexpat \
	-lsodium -lglpk -lz -lbz2 -llzma -lzstd -lnettle -lgmp -lcolamd -lamd -lltdl \
	-Wl,-Bdynamic -lcjson -l:liblz4.so.1 -l:libacl.so.1 -lpthread -lm
$(BUILD)/bin/tyche.cgi: LIBS = $(CGI_LIBS)
# The same binary is a FastCGI responder when started on a listening
# socket (cgi/cgi-fastcgi.c, issue 17): libfcgi (libfcgi-dev), static above.
# `make serve CONTEXTS=DIR PORT=N`: serve a folder of studies on port N.
serve: all
	@TYCHE_SERVE_CONTEXTS='$(CONTEXTS)' TYCHE_SERVE_PORT='$(PORT)' sh t/serve.sh $(abspath $(BUILD))
# --- end tyche.cgi

# --- issue 13/17: ty_fmt_double against strtod for every float widened to
# double (all 2^32 bit patterns, on every core; takes tens of minutes).
.PHONY: check-fmt-exhaustive
# The formatter's long proofs (minutes): 1e8 random doubles, then every
# float widened to double.  `make test` runs u-fmt with 2e6 random values.
check-fmt-exhaustive: $(BUILD)/t/unit/u-fmt
	U_FMT_COUNT=100000000 $(BUILD)/t/unit/u-fmt
	$(BUILD)/t/unit/u-fmt --floats
# --- end issue 13/17

# The compute core (model VM, draws, uniforms, unit cost): at -O2 GCC's
# "very cheap" cost model leaves its loops over a block of samples scalar,
# and sqrt's errno check keeps sqrt out of line.  Neither flag changes a
# result: no reassociation, no contraction (-ffp-contract=off stays), and
# element-wise IEEE operations round the same in vector registers.
# -fno-trapping-math lets a comparison feed a select without a branch (the
# VM's comparisons, the triangular draws); nothing in lib/ reads the
# floating-point exception flags, and values are unchanged.
$(BUILD)/lib/vm.o $(BUILD)/lib/dist.o $(BUILD)/lib/rng.o $(BUILD)/lib/eval.o: \
	CFLAGS_ALL += -fvect-cost-model=dynamic -fno-math-errno -fno-trapping-math

# --- issue 21: the Python package tyche_c (python/).  `make test` runs its
# pytest suite through t/t9500-python.sh.  install-python puts the package
# where $(PYTHON) looks under PREFIX (Debian: PREFIX/lib/python3.X/
# dist-packages; override PYTHON_SITE), records PREFIX/lib as libtyche's
# directory, and installs the importer that `tyche-run import-model` runs.
PYTHON ?= python3
PYTHON_VER := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHON_SITE ?= $(PREFIX)/lib/python$(PYTHON_VER)/dist-packages
.PHONY: install-python
install-python:
	install -d $(DESTDIR)$(PYTHON_SITE)/tyche_c $(DESTDIR)$(PREFIX)/share/tyche
	install -m 644 python/tyche_c/__init__.py python/tyche_c/_lib.py \
		python/tyche_c/study.py python/tyche_c/import_model.py $(DESTDIR)$(PYTHON_SITE)/tyche_c/
	printf '# written by make install\nLIBDIR = "%s"\n' '$(PREFIX)/lib' \
		> $(DESTDIR)$(PYTHON_SITE)/tyche_c/_config.py
	install -m 755 python/tyche_c/import_model.py $(DESTDIR)$(PREFIX)/share/tyche/import_model.py
install: install-python
$(BUILD)/cmd/run-import.o: $(BUILD)/prefix.stamp
# --- end issue 21

# --- issue 22: `make deb` builds the Debian packages (tyche, libtyche0,
# libtyche-dev; debian/) from a copy of the tree in $(BUILD)-deb, where
# the .deb files land (not under $(BUILD): its *.d files are included
# above, and the copy holds etc/cron.d); the package's own build skips the
# test suite (`make check` runs it).  DEB_BUILD_OPTIONS may be given.
DEB_DIR := $(BUILD)-deb
DEB_SRC := Makefile VERSION COPYING README tyche.pc.in config.mak.in configure.ac deps.txt \
	lib cmd cgi www models examples doc python etc systemd debian
DEB_BUILD_OPTIONS ?= nocheck parallel=2 noautodbgsym
.PHONY: deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/tyche-$(VERSION)
	tar cf - --exclude=__pycache__ $(DEB_SRC) | tar xf - -C $(DEB_DIR)/tyche-$(VERSION)
	cd $(DEB_DIR)/tyche-$(VERSION) && DEB_BUILD_OPTIONS='$(DEB_BUILD_OPTIONS)' \
		dpkg-buildpackage -b -us -uc
	@ls $(DEB_DIR)/*.deb
clean: clean-deb
.PHONY: clean-deb
clean-deb:
	rm -rf $(DEB_DIR)
# --- end issue 22
