# lib.sh: shared by the regress scripts; sourced, not run.
#
# Every script gets: a scratch directory $T (removed on exit), a private
# SoftHSM2 configuration (SOFTHSM2_CONF in $T), the programs in $BINDIR,
# and pass/fail/expect_exit helpers whose PASS/FAIL lines
# scripts/run-tests counts.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BINDIR=${BINDIR:-$top/bin}
case $BINDIR in /*) ;; *) BINDIR=$top/$BINDIR ;; esac
PATH=$BINDIR:$PATH
FIXTURES=$top/testdata/fixtures
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
export PATH SOFTHSM_MODULE

T=$(mktemp -d "${TMPDIR:-/tmp}/pki-test.XXXXXX")
cleanup() { rm -rf "$T"; }
trap cleanup EXIT

passed=0
failed=0
name=$(basename "$0" .sh)

pass() { passed=$((passed + 1)); echo "PASS: $name: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $name: $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	desc=$1; shift
	if "$@" >"$T/.out" 2>&1; then pass "$desc"
	else fail "$desc"; sed 's/^/      /' "$T/.out" | head -20; fi
}

# expect_exit CODE DESCRIPTION COMMAND...: COMMAND must exit with CODE.
# Its stderr is kept in $T/.err for message checks.
expect_exit() {
	want=$1; desc=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	got=$?
	if [ "$got" -eq "$want" ]; then pass "$desc (exit $want)"
	else
		fail "$desc: exit $got, want $want"
		sed 's/^/      /' "$T/.err" | head -10
	fi
}

# expect_msg PATTERN DESCRIPTION: the last expect_exit's stderr matches.
expect_msg() {
	if grep -q -- "$1" "$T/.err"; then pass "$2"
	else fail "$2: stderr lacks '$1'"; sed 's/^/      /' "$T/.err" | head -5; fi
}

# snapshot DIR / unchanged DIR DESC: nothing was written below DIR.
# The harness's own scratch files (.out, .err, .snap*) do not count, nor
# SQLite's write-ahead log beside an inventory (not an output).
listing() { (cd "$1" && find . ! -name '.out' ! -name '.err' ! -name '.snap*' \
    ! -name '*.db-wal' ! -name '*.db-shm' -print | sort); }
snapshot() { listing "$1" >"$T/.snap"; }
unchanged() {
	listing "$1" >"$T/.snap2"
	if cmp -s "$T/.snap" "$T/.snap2"; then pass "$2: nothing written"
	else fail "$2: files were written"; diff "$T/.snap" "$T/.snap2" | head -5; fi
}

# A throwaway SoftHSM2 token store in $T/tokens.
softhsm_setup() {
	mkdir -p "$T/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$T/tokens" >"$T/softhsm2.conf"
	SOFTHSM2_CONF=$T/softhsm2.conf
	export SOFTHSM2_CONF
}

# softhsm_token LABEL PIN: initialise a token in a free slot.
softhsm_token() {
	softhsm2-util --init-token --free --label "$1" --pin "$2" \
	    --so-pin "so-$2" >/dev/null
}

done_testing() {
	echo "# $name: $passed ok, $failed failing"
	[ "$failed" -eq 0 ]
}

# dev_ca_setup "PROFILE..." [no-install]: the online CA the revocation
# tests share, made through the ceremony programs as an operator would:
# a root (P-256 in SoftHSM2 token root-ca, PIN in $T/root.pin, no
# backup), a dev CA (P-256 in token dev-ca, PIN in $T/dev.pin, named in
# ca.yaml's pin_file) from pki-ca-init, signed by pki-root-sign under
# policies/intermediate-dev.yaml and installed with pki-ca-install
# (unless the second argument is no-install).  Leaves the shell in $T
# with P (the policies) and PKI_CA_DIR set.
dev_ca_setup() {
	softhsm_setup
	softhsm_token root-ca 123456
	softhsm_token dev-ca 654321
	printf '123456\n' >"$T/root.pin"
	printf '654321\n' >"$T/dev.pin"
	cd "$T" || exit 70
	P=$top/policies
	cat >root.yaml <<EOT
ceremony: { name: "Root", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Test Root" }
  validity_years: 20
backup: { method: none }
output: { directory: root }
EOT
	check "root ceremony" pki-root-keygen --rehearsal --yes \
	    --pin-file root.pin root.yaml
	cat >dev-init.yaml <<EOT
name: dev
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=dev-ca;object=dev-key" }
  pin_file: $T/dev.pin
csr:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Dev CA" }
urls:
  crl: http://pki.example.org/dev.crl
  ocsp: http://ocsp.example.org/dev
profiles:
  directory: $P
  allowed: [$(echo "$1" | sed 's/ /, /g')]
issuance: { backdate: 5m }
crl: { validity: 2d, shards: 1, delta: false }
ocsp: { validity: 1d, refresh: 12h }
publish: { crl: publish/crl, ocsp: publish/ocsp }
EOT
	check "pki-ca-init dev" pki-ca-init --ca dev --config dev-init.yaml --yes
	cat >sign-dev.yaml <<EOT
ceremony: { name: "Sign dev", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: root/ledger.log
  transcript: root/transcript.log
sign:
  csr: dev/ca.csr
  policy: $P/intermediate-dev.yaml
  output: { certificate: dev.pem, chain: dev-chain.pem }
EOT
	check "pki-root-sign dev" pki-root-sign --rehearsal --yes \
	    --pin-file root.pin sign-dev.yaml
	[ "${2:-}" = no-install ] ||
	    check "pki-ca-install dev" pki-ca-install --ca dev --yes dev.pem \
	    root/root.pem
	PKI_CA_DIR=$T/dev
	export PKI_CA_DIR
}
