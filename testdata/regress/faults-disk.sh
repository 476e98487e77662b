# faults-disk.sh: a full disk.  On a dev CA (dev_ca_setup), pki-issue
# (single and --batch), pki-crl, pki-ocsp refresh and pki-revoke run
# with their output, a publish directory or the whole CA directory on a
# tiny tmpfs filled to the last block (unshare -m, mount -t tmpfs; where
# mounting is not allowed, testdata/fault/nospace.c as LD_PRELOAD fails
# every write below the directory with ENOSPC instead).  Each must exit
# 74 with a message that says no space is left and names the file
# (pki-revoke, whose revocation is recorded before the OCSP response is
# re-signed, warns and exits 0); what was published before stays, byte
# for byte, and verifies; no temporary file is left; the inventory
# passes integrity_check, holds no pending row, and numbers the next
# CRL above every published one.
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server"
DB=dev/inventory.db
O=dev/publish/ocsp
C=dev/publish/crl
q() { sqlite3 "$DB" "$1"; }
cat root/root.pem dev/ca.pem >chain.pem
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k.pem -subj "/CN=k.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:k.svc.dev.example.internal" \
    -out req.csr 2>/dev/null
for n in a b c d; do
	check "issue $n" pki-issue --profile mtls-server --csr req.csr \
	    --out $n.pem
done
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
check "init-signer" pki-ocsp init-signer --lifetime 20d
check "refresh" pki-ocsp refresh
check "pki-crl" pki-crl

# How to fill a disk here: a tmpfs in a private mount namespace, or the
# shim.
mkdir probe
MODE=${FAULTS_DISK:-}
if [ -z "$MODE" ]; then
	if unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$T/probe'" \
	    2>/dev/null; then MODE=tmpfs; else MODE=shim; fi
fi
if [ "$MODE" = shim ]; then
	check "the nospace shim builds" cc -shared -fPIC -o nospace.so \
	    "$top/testdata/fault/nospace.c" -ldl
	# An ASan program insists on coming first among the libraries.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	export ASAN_OPTIONS
fi
echo "# a full disk by: $MODE"

# full DIR CMD...: run CMD (in $T) with DIR full.  DIR's files after the
# run are copied to $T/after (the tmpfs goes away with its namespace);
# exit status in $rc, stderr in $T/.err.
full() {
	dir=$1; shift
	rm -rf "$T/after" "$T/stash"
	if [ "$MODE" = tmpfs ]; then
		cp -a "$dir" "$T/stash"
		printf '%s\n' "$@" >"$T/argv"
		unshare -m sh -c '
			dir=$1; T=$2
			mount -t tmpfs -o size=256k tmpfs "$dir" || exit 99
			cp -a "$T/stash/." "$dir/"
			dd if=/dev/zero of="$dir/.fill" bs=4k 2>/dev/null
			set --
			while read -r a; do set -- "$@" "$a"; done <"$T/argv"
			"$@" >"$T/.out" 2>"$T/.err"
			echo $? >"$T/rc"
			rm -f "$dir/.fill"
			cp -a "$dir" "$T/after"' sh "$dir" "$T"
		rc=$(cat "$T/rc" 2>/dev/null || echo 99)
	else
		LD_PRELOAD=$T/nospace.so NOSPACE_PREFIX=$(cd "$dir" && pwd) \
		    "$@" >"$T/.out" 2>"$T/.err"
		rc=$?
		cp -a "$dir" "$T/after"
	fi
}

# expect_full CODE DESC FILE: the exit status; the message says no space
# is left and names FILE.
expect_full() {
	[ "$rc" = "$1" ] && pass "$2: exit $1" ||
	    { fail "$2: exit $rc, want $1"; head -5 "$T/.err"; }
	grep -qi "no space left" "$T/.err" && grep -q -- "$3" "$T/.err" &&
	    pass "$2: the message says no space is left and names $3" ||
	    { fail "$2: message"; head -5 "$T/.err"; }
}
# no_temps DIR DESC: no temporary file below DIR.
no_temps() {
	left=$(find "$1" -name '*.tmp-*' -o -name '*.new' -o -name '*.prev.tmp')
	[ -z "$left" ] && pass "$2: no temporary file left" ||
	    fail "$2: left $left"
}
# db_ok DB DESC: integrity_check, no pending row.
db_ok() {
	[ "$(sqlite3 "$1" 'PRAGMA integrity_check;')" = ok ] &&
	    [ "$(sqlite3 "$1" "SELECT count(*) FROM certs WHERE status =
	    'pending';")" = 0 ] &&
	    pass "$2: integrity_check ok, no pending row" ||
	    fail "$2: the inventory after the failure"
}
rows() { q "SELECT status, count(*) FROM certs GROUP BY status;"; }

# --- pki-issue: the output on a full disk ---------------------------------
mkdir outfull
before=$(rows)
full outfull pki-issue --profile mtls-server --csr req.csr \
    --out outfull/x.pem
expect_full 74 "pki-issue --out on a full disk" x.pem
[ ! -e after/x.pem ] && pass "pki-issue: no x.pem" || fail "x.pem written"
no_temps after "pki-issue --out"
db_ok $DB "pki-issue --out"
grep -q "issued and recorded" "$T/.err" &&
    pass "pki-issue: the message says the certificate was recorded" ||
    fail "pki-issue: the message hides the recorded certificate"

# --- pki-issue --batch: the outputs on a full disk ---------------------------
i=0
while [ $i -lt 20 ]; do echo "req.csr mtls-server outfull/$i.pem"; i=$((i + 1))
done >b.batch
full outfull pki-issue --batch b.batch
expect_full 74 "pki-issue --batch on a full disk" outfull/
[ -z "$(find after -name '*.pem')" ] && pass "batch: no certificate file" ||
    fail "batch: files $(ls after)"
[ "$(grep -c "issued and recorded" "$T/.err")" = 20 ] &&
    pass "batch: each line says its certificate was recorded" ||
    fail "batch: $(grep -c "issued and recorded" "$T/.err") lines say so"
no_temps after "pki-issue --batch"
db_ok $DB "pki-issue --batch"

# --- pki-issue: the whole CA directory on a full disk ------------------------
before=$(rows)
full dev pki-issue --profile mtls-server --csr req.csr --out y.pem
expect_full 74 "pki-issue with the CA directory full" inventory.db
[ ! -e y.pem ] && pass "pki-issue: nothing issued, no y.pem" ||
    fail "y.pem written"
db_ok after/inventory.db "pki-issue, CA directory full"
[ "$(sqlite3 after/inventory.db "SELECT status, count(*) FROM certs GROUP
    BY status;")" = "$before" ] && pass "pki-issue: no row added" ||
    fail "pki-issue: rows changed"

# --- pki-crl: the publish directory on a full disk -----------------------------
for f in dev.crl dev.crl.der; do cp $C/$f before-$f; done
n0=$(q 'SELECT last_number FROM crl_numbers WHERE shard = 0;')
full $C pki-crl
expect_full 74 "pki-crl on a full disk" dev.crl
cmp -s after/dev.crl before-dev.crl && cmp -s after/dev.crl.der \
    before-dev.crl.der && pass "pki-crl: the published CRL is untouched" ||
    fail "pki-crl: the published CRL changed"
check "pki-crl: the CRL left verifies (PEM)" openssl crl -in after/dev.crl \
    -CAfile chain.pem -noout
check "pki-crl: and its DER" openssl crl -inform DER -in after/dev.crl.der \
    -CAfile chain.pem -noout
no_temps after "pki-crl"
db_ok $DB "pki-crl"
check "pki-crl with space again" pki-crl
n=$(($(openssl crl -in $C/dev.crl -noout -crlnumber | sed 's/.*=//')))
[ "$n" -gt "$n0" ] && pass "the next CRL is numbered above ($n > $n0)" ||
    fail "CRL number $n after $n0"

full dev pki-crl
expect_full 74 "pki-crl with the CA directory full" inventory.db
cmp -s after/publish/crl/dev.crl $C/dev.crl &&
    pass "pki-crl: nothing published" || fail "pki-crl: published"
db_ok after/inventory.db "pki-crl, CA directory full"

# --- pki-ocsp refresh: the publish directory on a full disk --------------------
sa=$(serial a.pem)
cp $O/$sa.der before-a.der
cp $O/responses before-responses
full $O pki-ocsp refresh --all
expect_full 74 "pki-ocsp refresh on a full disk" "$sa.der\|\.der"
cmp -s after/$sa.der before-a.der && cmp -s after/responses \
    before-responses && pass "refresh: the responses are untouched" ||
    fail "refresh: the published responses changed"
check "refresh: the response left verifies" openssl ocsp -respin \
    after/$sa.der -issuer dev/ca.pem -serial "0x$sa" -CAfile root/root.pem \
    -verify_other dev/ca-chain.pem
no_temps after "pki-ocsp refresh"
db_ok $DB "pki-ocsp refresh"

# --- pki-revoke: the OCSP directory full, then the CA directory -----------------
sb=$(serial b.pem)
full $O pki-revoke "$sb" --reason superseded
[ "$rc" = 0 ] && pass "pki-revoke, OCSP directory full: exit 0 (recorded)" ||
    { fail "pki-revoke: exit $rc"; head -3 "$T/.err"; }
grep -qi "no space left" "$T/.err" && grep -q "$sb.der" "$T/.err" &&
    grep -q "next pki-ocsp refresh" "$T/.err" &&
    pass "pki-revoke: warns that no space is left, names the file" ||
    { fail "pki-revoke: warning"; head -3 "$T/.err"; }
[ "$(q "SELECT status FROM certs WHERE serial = '$sb';")" = revoked ] &&
    [ "$(q "SELECT ocsp_next_update FROM certs WHERE serial = '$sb';")" = 0 ] &&
    pass "pki-revoke: revoked, its response due for the next refresh" ||
    fail "pki-revoke: the row"
no_temps after "pki-revoke"
db_ok $DB "pki-revoke"
sc=$(serial c.pem)
before=$(q "SELECT status FROM certs WHERE serial = '$sc';")
full dev pki-revoke "$sc" --reason superseded
expect_full 74 "pki-revoke with the CA directory full" "inventory.db\|audit.log"
[ "$(sqlite3 after/inventory.db "SELECT status FROM certs WHERE serial =
    '$sc';")" = "$before" ] && pass "pki-revoke: nothing revoked" ||
    fail "pki-revoke: the row changed on a full disk"
db_ok after/inventory.db "pki-revoke, CA directory full"
# --- the responses file: a refresh that could not write it ---------------------
sd=$(serial d.pem)
check "refresh with space: b's response, due since its revocation" \
    pki-ocsp refresh
check "pki-revoke d with space: re-signed at once" pki-revoke "$sd" \
    --reason superseded
full $O pki-ocsp refresh
expect_full 74 "refresh, the responses file on a full disk" responses
check "refresh with space again" pki-ocsp refresh
live=$(q "SELECT serial FROM certs WHERE status IN ('issued', 'revoked')
    AND not_after > unixepoch();")
# shellcheck disable=SC2086
check "the responses file holds every response, d's revocation too" \
    python3 "$top/testdata/fault/faultcheck.py" same $O $live

check "pki-crl seals the audit log" pki-crl
check "the audit log verifies" pki-audit verify dev/audit.log
done_testing
