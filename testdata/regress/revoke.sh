# revoke.sh: pki-revoke on a dev CA (P-256, key in a SoftHSM2 token) set
# up through the ceremony programs as in issue.sh.  keyCompromise by
# serial revokes the row with reason 1 and blocks the key, so pki-issue
# refuses the same CSR; a second revocation is refused (65) except a
# change of reason to keyCompromise; --cert with this CA's certificate
# works and with another CA's is refused (1); an unknown serial (66), a
# bad reason name and a --time in the future (64) change nothing;
# --format json parses; audit.log records the revocations.  With an OCSP
# signer and no readable PIN, the revocation still succeeds and says
# the next pki-ocsp refresh re-signs; with --pin-file it re-signs at once.
# With ca.yaml's pin_file each revocation seals audit.log; without a
# readable PIN the entry stays unsealed, with a warning.
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server"

q() { sqlite3 dev/inventory.db "$1"; }
csr() {	# csr NAME: a P-256 key and CSR for NAME.svc.dev.example.internal
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -subj "/CN=$1.svc.dev.example.internal" \
	    -addext "subjectAltName=DNS:$1.svc.dev.example.internal" \
	    -out "$1.csr" 2>/dev/null
}
csr a
csr b
check "issue a" pki-issue --profile mtls-server --csr a.csr --out a.pem
check "issue b" pki-issue --profile mtls-server --csr b.csr --out b.pem
sa=$(openssl x509 -in a.pem -noout -serial | cut -d= -f2)
sb=$(openssl x509 -in b.pem -noout -serial | cut -d= -f2)

# Refusals first: nothing may change.
state() { q "SELECT serial, status, revoked_at, reason FROM certs ORDER BY serial;
    SELECT * FROM blocked_keys;"; wc -l <dev/audit.log; }
refuse() {	# refuse CODE DESC ARGS...
	code=$1; desc=$2; shift 2
	before=$(state)
	expect_exit "$code" "$desc" pki-revoke "$@"
	[ "$(state)" = "$before" ] && pass "$desc: nothing changed" ||
	    fail "$desc: the inventory or audit.log changed"
}
refuse 66 "an unknown serial" 0123456789ABCDEF --reason superseded
expect_msg "0123456789ABCDEF" "the unknown serial is named"
refuse 64 "a bad reason name" "$sa" --reason stolen
expect_msg "keyCompromise" "the valid reasons are listed"
refuse 64 "certificateHold" "$sa" --reason certificateHold
refuse 64 "a --time in the future" "$sa" --reason superseded \
    --time 2099-01-01T00:00:00Z
refuse 64 "a --time before notBefore" "$sa" --reason superseded \
    --time 2001-01-01T00:00:00Z
refuse 64 "a malformed --time" "$sa" --reason superseded --time yesterday
refuse 64 "both SERIAL and --cert" "$sa" --cert a.pem --reason superseded
refuse 64 "neither SERIAL nor --cert" --reason superseded

# A certificate from another CA: a self-signed one with the same issuer
# name and a serial this CA holds, so only the signature tells.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other.key -subj "/C=DE/O=Example Corp/CN=Example Corp Dev CA" \
    -set_serial "0x$sb" -days 1 -out other.pem 2>/dev/null
refuse 1 "--cert from another CA" --cert other.pem --reason superseded
expect_msg "not issued by CA dev" "another CA's certificate is refused"

# keyCompromise by serial, as openssl prints it with its prefix.
lower=$(printf 'serial=%s' "$sa" | tr 'A-F' 'a-f')
check "revoke a: keyCompromise by serial" pki-revoke "$lower" \
    --reason keyCompromise
[ "$(q "SELECT status, reason FROM certs WHERE serial='$sa';")" = "revoked|1" ] &&
    pass "a's row is revoked with reason 1" ||
    fail "a's row: $(q "SELECT status, reason FROM certs WHERE serial='$sa';")"
[ "$(q "SELECT serial FROM blocked_keys;")" = "$sa" ] &&
    pass "a's key is on the blocklist" || fail "blocked_keys"
expect_exit 1 "pki-issue refuses a's CSR now" pki-issue --profile mtls-server \
    --csr a.csr --out a2.pem
expect_msg "keyCompromise" "pki-issue names keyCompromise"
refuse 65 "revoking a again (superseded)" "$sa" --reason superseded
expect_msg "already revoked" "the second revocation says why"
refuse 65 "revoking a again (keyCompromise)" "$sa" --reason keyCompromise

# superseded via --cert, then a change of reason to keyCompromise.
check "revoke b: superseded via --cert" pki-revoke --cert b.pem \
    --reason superseded --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
[ "$(q "SELECT reason FROM certs WHERE serial='$sb';")" = 4 ] &&
    pass "b's reason is 4" || fail "b's reason"
t1=$(q "SELECT revoked_at FROM certs WHERE serial='$sb';")
pki-revoke "$sb" --reason keyCompromise --format json >b.json 2>b.err &&
    python3 -m json.tool b.json >/dev/null &&
    grep -q '"reason":"keyCompromise"' b.json &&
    grep -q '"previous_reason":"superseded"' b.json &&
    pass "b to keyCompromise, --format json parses" ||
    { fail "b to keyCompromise / json"; cat b.json b.err; }
[ "$(q "SELECT reason, revoked_at FROM certs WHERE serial='$sb';")" = "1|$t1" ] &&
    pass "b's reason is 1, the first revocation time kept" ||
    fail "b's row: $(q "SELECT reason, revoked_at FROM certs WHERE serial='$sb';")"
[ "$(q "SELECT count(*) FROM blocked_keys;")" = 2 ] &&
    pass "b's key is blocked too" || fail "blocked_keys count"

# The audit log.
[ "$(grep -c '"action":"revoke"' dev/audit.log)" = 3 ] &&
    pass "audit.log has three revoke entries" || fail "audit revoke entries"
grep '"action":"revoke"' dev/audit.log | grep "\"serial\":\"$sa\"" |
    grep -q '"reason":"keyCompromise"' &&
    pass "the entry names serial and reason" || fail "audit entry content"
grep '"action":"revoke"' dev/audit.log | tail -1 | python3 -m json.tool \
    >/dev/null && pass "the entry is one JSON object" || fail "audit JSON"
# ca.yaml names a pin_file: each revocation sealed the log when it finished.
last2=$(tail -2 dev/audit.log | sed 's/.*"action":"\([a-z-]*\)".*/\1/' |
    tr '\n' ' ')
[ "$last2" = "revoke seal " ] && pass "the revocation sealed the log" ||
    fail "the log ends with: $last2"
check "pki-audit verifies the sealed log" pki-audit verify dev/audit.log

# OCSP: no PIN to open the signer with, then --pin-file.
csr c
check "issue c" pki-issue --profile mtls-server --csr c.csr --out c.pem
sc=$(openssl x509 -in c.pem -noout -serial | cut -d= -f2)
check "init-signer" pki-ocsp init-signer
mv dev.pin dev.pin.away
pki-revoke "$sc" --reason superseded >c.out 2>c.err &&
    grep -q "next pki-ocsp refresh" c.err &&
    [ "$(q "SELECT status FROM certs WHERE serial='$sc';")" = revoked ] &&
    [ ! -e dev/publish/ocsp/$sc.der ] &&
    pass "no PIN: revoked, OCSP left to the next refresh" ||
    fail "no PIN: $(cat c.out c.err)"
grep -q "audit entry waits for the next program that seals" c.err &&
    tail -1 dev/audit.log | grep -q '"action":"revoke"' &&
    pass "no PIN: the entry is recorded, unsealed, with a warning" ||
    fail "no PIN audit: $(tail -1 dev/audit.log; cat c.err)"
mv dev.pin.away dev.pin
csr d
check "issue d" pki-issue --profile mtls-server --csr d.csr --out d.pem
sd=$(openssl x509 -in d.pem -noout -serial | cut -d= -f2)
pki-revoke "$sd" --reason superseded --pin-file dev.pin --format json \
    >d.json 2>d.err && grep -q '"ocsp_resigned":true' d.json &&
    openssl ocsp -issuer dev/ca.pem -cert d.pem -respin \
    dev/publish/ocsp/$sd.der -CAfile root/root.pem -verify_other \
    dev/ca-chain.pem 2>&1 | grep -q "^d.pem: revoked" &&
    pass "--pin-file: openssl ocsp says revoked without a refresh" ||
    fail "--pin-file re-sign: $(cat d.json d.err)"

# A wrong PIN: the revocation is urgent and stands; the seal and the OCSP
# re-sign wait, each with a warning.
csr e
check "issue e" pki-issue --profile mtls-server --csr e.csr --out e.pem
se=$(openssl x509 -in e.pem -noout -serial | cut -d= -f2)
printf '000000\n' >wrong.pin
pki-revoke "$se" --reason superseded --pin-file wrong.pin >e.out 2>e.err &&
    [ "$(q "SELECT status FROM certs WHERE serial='$se';")" = revoked ] &&
    grep -q "audit entry waits" e.err &&
    tail -1 dev/audit.log | grep -q '"action":"revoke"' &&
    pass "wrong PIN: revoked, the entry unsealed, a warning" ||
    fail "wrong PIN: $(cat e.out e.err)"
check "pki-crl seals what waited" pki-crl
check "the log verifies again" pki-audit verify dev/audit.log

done_testing
