# faults-hsm.sh: the PKCS#11 module failing in the middle of a batch.
# The dev CA of dev_ca_setup (P-256 key in a SoftHSM2 token) is pointed
# at testdata/fault/p11fail.c, a module that forwards every call to
# SoftHSM2 until the Nth C_Sign, which fails with CKR_DEVICE_ERROR (or,
# in the second mode, CKR_DEVICE_REMOVED, the token pulled, and every
# later call CKR_DEVICE_REMOVED or CKR_TOKEN_NOT_PRESENT).  pki-issue
# --batch of many requests, pki-crl and pki-ocsp init-signer must exit 69 with a message
# naming the token and the PKCS#11 error; every certificate the
# inventory records as issued is one that was signed (a file exists for
# it, identical, and it verifies), no pending row is left, and nothing
# else was written; once the token works again the same CA issues.
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server"
DB=dev/inventory.db
q() { sqlite3 "$DB" "$1"; }
FC="python3 $top/testdata/fault/faultcheck.py"
check "the p11fail module builds" cc -shared -fPIC \
    -I/usr/include/p11-kit-1 -o p11fail.so "$top/testdata/fault/p11fail.c" \
    -ldl
P11FAIL_MODULE=$SOFTHSM_MODULE
export P11FAIL_MODULE
# ca.yaml names the failing module instead of SoftHSM2's.
sed "s#module: .*#module: $T/p11fail.so#" dev/ca.yaml >ca.yaml.new &&
    cp ca.yaml.new dev/ca.yaml
grep -q "module: $T/p11fail.so" dev/ca.yaml && pass "ca.yaml names p11fail" ||
    fail "ca.yaml: $(grep module dev/ca.yaml)"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k.pem -subj "/CN=k.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:k.svc.dev.example.internal" \
    -out req.csr 2>/dev/null
check "p11fail passes calls through" pki-issue --profile mtls-server \
    --csr req.csr --out through.pem
# How many C_Sign calls one run makes before its first certificate: the
# CA key is checked against ca.pem by a signature when it is opened.
mkbatch() {	# mkbatch NAME N
	mkdir -p "$1"
	j=0
	while [ $j -lt "$2" ]; do
		echo "req.csr mtls-server $1/$j.pem"
		j=$((j + 1))
	done >"$1.batch"
}
N=60

# batch_fail MODE AFTER: a batch of N whose AFTERth signature fails.
batch_fail() {
	mode=$1; after=$2; d=b-$mode
	mkbatch $d $N
	before=$(q "SELECT count(*) FROM certs WHERE status = 'issued';")
	expect_exit 69 "$mode: pki-issue --batch of $N, signature $after \
fails" env P11FAIL_MODE=$mode P11FAIL_AFTER=$after pki-issue --batch $d.batch
	grep -q "HSM.*token=dev-ca" "$T/.err" && grep -q "Device error\|Device \
removed" "$T/.err" && [ "$(grep -c "token=dev-ca" "$T/.err")" = 1 ] && pass "$mode: the message names the token and the \
PKCS#11 error" || { fail "$mode: message"; head -5 "$T/.err"; }
	n=$(find $d -name '*.pem' | wc -l)
	added=$(($(q "SELECT count(*) FROM certs WHERE status = 'issued';") -
	    before))
	[ "$n" -gt 0 ] && [ "$n" -lt $N ] &&
	    pass "$mode: $n certificates before the failure, $((N - n)) not" ||
	    fail "$mode: $n of $N certificate files"
	[ "$added" = "$n" ] &&
	    pass "$mode: the inventory records exactly those $n as issued" ||
	    fail "$mode: $added issued rows for $n files"
	$FC outputs "$DB" $d >fc.out 2>&1 &&
	    pass "$mode: each file is the inventory's certificate" ||
	    { fail "$mode: outputs"; head -5 fc.out; }
	# shellcheck disable=SC2046
	[ "$n" = 0 ] || openssl verify -CAfile root/root.pem -untrusted \
	    dev/ca-chain.pem $(find $d -name '*.pem') >v.out 2>&1
	[ "$(grep -c ': OK$' v.out)" = "$n" ] &&
	    pass "$mode: each verifies against the root" ||
	    { fail "$mode: verify"; grep -v ': OK$' v.out | head -3; }
	[ "$(q "SELECT count(*) FROM certs WHERE status = 'pending';")" = 0 ] &&
	    pass "$mode: no pending row left" || fail "$mode: pending rows"
	[ "$(q 'PRAGMA integrity_check;')" = ok ] &&
	    pass "$mode: integrity_check ok" || fail "$mode: integrity_check"
}
batch_fail device 25
batch_fail removed 40

# --- pki-crl with the token failing: no CRL, the number kept or skipped ---------
check "pki-crl with the token working" pki-crl
cp dev/publish/crl/dev.crl crl.before
expect_exit 69 "pki-crl, the CRL's signature fails" \
    env P11FAIL_MODE=device P11FAIL_AFTER=2 pki-crl
grep -q "HSM.*token=dev-ca" "$T/.err" && grep -q "Device error" "$T/.err" &&
    pass "pki-crl: the message names the token and the error" ||
    { fail "pki-crl: message"; head -5 "$T/.err"; }
cmp -s crl.before dev/publish/crl/dev.crl &&
    pass "pki-crl: the published CRL is untouched" || fail "pki-crl: changed"
expect_exit 69 "pki-crl, the token pulled at the first signature" \
    env P11FAIL_MODE=removed P11FAIL_AFTER=1 pki-crl
cmp -s crl.before dev/publish/crl/dev.crl &&
    pass "pki-crl: still untouched" || fail "pki-crl: changed"

# --- pki-ocsp init-signer: the signer's certificate is signed by the CA key ---
# (The OCSP signer's own key is always an encrypted file, so refresh
# never signs in a token.)
expect_exit 69 "init-signer, the signature of the signer fails" \
    env P11FAIL_MODE=device P11FAIL_AFTER=2 pki-ocsp init-signer
grep -q "HSM.*token=dev-ca" "$T/.err" &&
    pass "init-signer: the message names the token" ||
    { fail "init-signer: message"; head -3 "$T/.err"; }
[ ! -e dev/ocsp-signer.pem ] && [ ! -e dev/ocsp-signer.key ] &&
    [ "$(q "SELECT count(*) FROM certs WHERE profile = 'ocsp-signer' AND
    status IN ('issued', 'pending');")" = 0 ] &&
    pass "init-signer: no signer written or recorded as issued" ||
    fail "init-signer: $(ls dev; q "SELECT status FROM certs WHERE
    profile = 'ocsp-signer';")"

# --- the token back -------------------------------------------------------------
check "the token back: pki-issue" pki-issue --profile mtls-server \
    --csr req.csr --out after.pem
check "the token back: init-signer" pki-ocsp init-signer
check "the token back: refresh" pki-ocsp refresh
check "the token back: pki-crl (seals the audit log)" pki-crl
check "the audit log verifies" pki-audit verify dev/audit.log
done_testing
