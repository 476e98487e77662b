# pki: an offline root ceremony toolkit and an online intermediate CA suite.
#
#   make            build every program into bin/
#   make check      unit and end-to-end tests, normal and sanitizer builds
#   make demo       the whole story on SoftHSM2 in DEMO_DIR (default: mktemp)
#   make bench      performance figures beside the openssl CLI
#   make interop    DEMO_DIR=dir: the demo's artifacts checked by OpenSSL,
#                   GnuTLS, NSS, pyca, zbarimg, nginx/curl/gnutls-cli
#   make kit        the ceremony kit, reproducibly (pki-kit(7))
#   make fuzz       libFuzzer targets into bin/fuzz-* (testdata/fuzz/README)
#   make lint       banned functions, mandoc -Tlint
#   make install    PREFIX=/usr/local
#
# Quiet unless V=1.  SAN=1 builds with AddressSanitizer and UBSan into
# build/asan (programs in build/asan/bin).

VERSION	= 0.1.0
PREFIX	?= /usr/local
SAN	?= 0

ifeq ($(SAN),1)
BUILD	?= build/asan
BINDIR	?= $(BUILD)/bin
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else
BUILD	?= build/release
BINDIR	?= bin
SANFLAGS =
endif

CC	?= cc
WARN	= -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wformat=2 \
	  -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror
HARDEN	= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS	?= -O2 -g
ALLCFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(SANFLAGS) $(CFLAGS) \
	  -I common -I /usr/include/p11-kit-1 \
	  -DPKI_VERSION='"$(VERSION)"' -ffile-prefix-map=$(CURDIR)=.
LDHARDEN = -pie -Wl,-z,relro,-z,now -Wl,--as-needed
# Everything static but glibc (dlopen of PKCS#11 modules) and libqrencode
# (Debian ships no static archive).
STATIC_LIBS = -Wl,-Bstatic -lp11 -lssl -lcrypto -lsodium -lyaml -lsqlite3 \
	  -Wl,-Bdynamic
DYN_LIBS = -lqrencode -lpthread -ldl -lm
LDLIBS	= $(STATIC_LIBS) $(DYN_LIBS)

ifeq ($(V),1)
Q =
else
Q = @
endif

CEREMONY_PROGS = pki-root-keygen pki-shares pki-root-restore pki-audit \
		 pki-root-crl pki-root-sign pki-lint
ONLINE_PROGS = pki-ca-init pki-ca-install pki-issue pki-renew \
		 pki-revoke pki-crl pki-ocsp pki-report
PROGS	= $(CEREMONY_PROGS) $(ONLINE_PROGS)
BINS	= $(addprefix $(BINDIR)/,$(PROGS))

COMMON_SRCS = $(sort $(wildcard common/*.c))
COMMON_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
LIBPKI	= $(BUILD)/libpki.a

UNIT_SRCS = $(sort $(wildcard testdata/unit/test_*.c))
UNIT_BINS = $(patsubst testdata/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

DEPS_STAMP = build/.deps-ok

# Object files are kept: a parallel build must not delete one another
# rule is about to link.
.SECONDARY:

.PHONY: all check check-release check-asan demo bench lint install clean \
	unit deps

all: $(DEPS_STAMP) $(BINS)

# scripts/install-deps checks first and installs only what is missing.
$(DEPS_STAMP): scripts/install-deps
	$(Q)scripts/install-deps
	$(Q)mkdir -p build && touch $@

deps: $(DEPS_STAMP)

$(BUILD)/%.o: %.c $(wildcard common/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALLCFLAGS) -c -o $@ $<

$(LIBPKI): $(COMMON_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# One program, one file: ceremony/root-keygen.c -> pki-root-keygen.
$(BINDIR)/pki-%: $(BUILD)/ceremony/%.o $(LIBPKI)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LDHARDEN) -o $@ $< $(LIBPKI) $(LDLIBS)

$(BINDIR)/pki-%: $(BUILD)/online/%.o $(LIBPKI)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LDHARDEN) -o $@ $< $(LIBPKI) $(LDLIBS)

# Unit tests are built with PKI_TEST, which compiles the test-only RNG
# hook into their own copy of the module under test.
$(BUILD)/unit/%: testdata/unit/%.c testdata/unit/harness.h $(LIBPKI)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALLCFLAGS) -DPKI_TEST -I testdata/unit -o $@ $< \
	    $(LIBPKI) $(LDLIBS)

unit: $(UNIT_BINS)

check: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)$(MAKE) --no-print-directory SAN=1 all unit
	$(Q)scripts/run-tests

check-release: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)PKI_SUITES=release scripts/run-tests

demo: all
	$(Q)scripts/demo $(DEMO_DIR)

bench: all
	$(Q)scripts/bench $(N)

lint:
	$(Q)scripts/lint

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for p in man/*.1; do install -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for p in man/*.5; do [ -e $$p ] && install -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man5/ || true; done
	for p in man/*.7; do [ -e $$p ] && install -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man7/ || true; done

clean:
	rm -rf build bin

# make kit: the ceremony kit for the air-gapped laptop, built from the
# committed tree (HEAD) in a temporary copy, reproducibly, into
# build/kit/pki-ceremony-kit-VERSION.tar.gz and .sha256 (scripts/kit,
# pki-kit(7)).  KIT_DIR=dir writes it elsewhere.
.PHONY: kit
kit: $(DEPS_STAMP)
	$(Q)scripts/kit $(KIT_DIR)

# make interop DEMO_DIR=DIR: check what make demo wrote in DIR with
# OpenSSL, GnuTLS, NSS, Python's cryptography, cfssl, zbarimg, and nginx
# with curl, s_client and gnutls-cli over TLS (scripts/interop).
.PHONY: interop
interop: $(DEPS_STAMP)
	$(Q)scripts/interop $(DEMO_DIR)

# ---- libFuzzer targets (testdata/fuzz/README) ----------------------------
# make fuzz: every testdata/fuzz/fuzz_<name>.c becomes bin/fuzz-<name>,
# built with clang, AddressSanitizer and UBSan against its own copy of
# common/ compiled with the fuzzer's coverage hooks into build/fuzz.

FUZZ_CC	= clang
FUZZ_BUILD = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	   -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(FUZZ_SAN) \
	  -I common -I /usr/include/p11-kit-1 -DPKI_VERSION='"$(VERSION)"' \
	  -DPKI_FUZZ_TOP='"$(CURDIR)"'
FUZZ_SRCS = $(sort $(wildcard testdata/fuzz/fuzz_*.c))
FUZZ_BINS = $(patsubst testdata/fuzz/fuzz_%.c,bin/fuzz-%,$(FUZZ_SRCS))
FUZZ_OBJS = $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(COMMON_SRCS))
FUZZ_LIB = $(FUZZ_BUILD)/libpki.a

.PHONY: fuzz
fuzz: $(DEPS_STAMP) $(FUZZ_BINS)

$(FUZZ_BUILD)/common/%.o: common/%.c $(wildcard common/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

bin/fuzz-%: testdata/fuzz/fuzz_%.c testdata/fuzz/fuzz.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -I testdata/fuzz \
	    -o $@ $< $(FUZZ_LIB) $(LDLIBS)
