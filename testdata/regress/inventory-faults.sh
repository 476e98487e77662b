# inventory-faults.sh: what the revocation programs say when the ground
# under them is bad, on a dev CA as revoke.sh sets it up.
#  - An OCSP signer that has expired: pki-ocsp refresh refuses (78),
#    names the CA and says to run rotate-signer, and publishes nothing;
#    after rotate-signer the refresh works again.
#  - A damaged inventory (pages overwritten): pki-crl (which checks every
#    page before it publishes), pki-ocsp refresh --all, pki-issue and
#    pki-report each say that the inventory is damaged, naming it, with
#    status 65 -- never a crash -- and publish nothing.  (pki-revoke
#    touches one row and checks nothing else: a revocation is urgent.)
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server"

# sums / same DESC: no file under dev/publish was added, removed or changed
# (names and contents; the OCSP pool's lock file aside).
sums() { (cd dev/publish && find . -type f ! -name lock -exec sha256sum {} + |
    sort) >"$T/.sums"; }
same() {
	(cd dev/publish && find . -type f ! -name lock -exec sha256sum {} + |
	    sort) >"$T/.sums2"
	cmp -s "$T/.sums" "$T/.sums2" && pass "$1: nothing published" ||
	    { fail "$1: the publish directory changed"
	      diff "$T/.sums" "$T/.sums2" | head -5; }
}

csr() {	# csr NAME: a P-256 key and CSR for NAME.svc.dev.example.internal
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -subj "/CN=$1.svc.dev.example.internal" \
	    -addext "subjectAltName=DNS:$1.svc.dev.example.internal" \
	    -out "$1.csr" 2>/dev/null
}
csr a
check "issue a" pki-issue --profile mtls-server --csr a.csr --out a.pem
sa=$(openssl x509 -in a.pem -noout -serial | cut -d= -f2)

# --- an expired OCSP signer ---------------------------------------------------
check "init-signer for one second" pki-ocsp init-signer --lifetime 1s
sleep 2
sums
expect_exit 78 "refresh with an expired signer" pki-ocsp refresh
expect_msg "the OCSP signer of CA dev has expired: run pki-ocsp rotate-signer" \
    "the message says how to rotate it"
same "an expired signer"
check "rotate-signer" pki-ocsp rotate-signer
check "refresh after the rotation" pki-ocsp refresh
openssl ocsp -issuer dev/ca.pem -cert a.pem -respin "dev/publish/ocsp/$sa.der" \
    -CAfile root/root.pem -verify_other dev/ca-chain.pem 2>&1 |
    grep -q "^a.pem: good" && pass "the new signer's response verifies" ||
    fail "no good response after the rotation"
check "pki-crl before the damage" pki-crl

# --- a damaged inventory --------------------------------------------------------
# Enough rows that the file has pages to damage past the first.
i=0
while [ $i -lt 40 ]; do
	csr "n$i"
	printf '%s mtls-server n%s.pem\n' "$T/n$i.csr" "$i" >>batch.txt
	i=$((i + 1))
done
check "a batch of 40" pki-issue --batch batch.txt
sqlite3 dev/inventory.db 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
python3 - dev/inventory.db <<'PY'
import os, sys
path = sys.argv[1]
size = os.path.getsize(path)
with open(path, "r+b") as f:
    # Every page after the first gets a broken b-tree header, so that
    # whichever page a program reads, SQLite notices.
    for off in range(4096, size, 4096):
        f.seek(off)
        f.write(b"\xa5" * 64)
PY
[ "$(sqlite3 dev/inventory.db 'PRAGMA integrity_check;' 2>&1 | head -1)" != ok ] &&
    pass "sqlite3 sees the damage" || fail "the damage did not take"

damaged() {	# damaged DESC COMMAND...: 65 and a message naming the inventory
	desc=$1; shift
	sums
	expect_exit 65 "$desc on a damaged inventory" "$@"
	expect_msg "inventory.db" "$desc: the message names the inventory"
	grep -q "damaged\|malformed" "$T/.err" &&
	    pass "$desc: the message says it is damaged" ||
	    fail "$desc: $(cat "$T/.err")"
	same "$desc"
}
damaged "pki-crl" pki-crl
damaged "pki-ocsp refresh" pki-ocsp refresh --all
damaged "pki-report" pki-report --status all
csr z
damaged "pki-issue" pki-issue --profile mtls-server --csr z.csr --out z.pem
[ ! -e z.pem ] && pass "pki-issue wrote no certificate" ||
    fail "pki-issue wrote z.pem"

done_testing
