# crl.sh: pki-crl end to end.  A dev intermediate (P-256 key in a SoftHSM
# token, set up as issue.sh does) publishes an empty CRL, then one that
# lists two revoked leaves with their reasons; openssl verifies the CRL
# and rejects a revoked leaf while accepting a good one; the previous
# CRL is kept; the audit log verifies; a wrong PIN writes nothing and
# takes no CRL number; --format json parses; a sharded CA publishes one
# CRL per shard; an expired revoked leaf leaves the CRL unless
# crl.keep_expired (then expiredCertsOnCRL); serials of several lengths
# and every reason are listed in order of value with the right reasonCode
# (the CRL is streamed from the inventory); with crl.delta the base
# carries Freshest CRL and a delta follows it in numbering, naming the
# previous base, listing what was revoked since, which openssl
# -use_deltas applies; a previous base that does not verify is refused.
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server mtls-client" no-install
printf '000000\n' >"$T/wrong.pin"
expect_exit 78 "no CRL before the CA is installed" pki-crl --ca dev
check "pki-ca-install" pki-ca-install --ca dev --yes dev.pem root/root.pem
D=dev/publish/crl
cat root/root.pem dev/ca.pem >chain.pem

for n in a b c; do
	check "issue leaf $n" pki-issue --profile mtls-server \
	    --generate-key $n.key --dns $n.svc.dev.example.internal --out $n.pem
done
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# --- an empty CRL -------------------------------------------------------------
check "pki-crl: an empty CRL" pki-crl
crlnum() { openssl crl -in "$1" -noout -crlnumber | cut -d= -f2; }
[ -f $D/dev.crl ] && [ -f $D/dev.crl.der ] &&
    pass "PEM and DER published" || fail "published files: $(ls $D)"
[ "$(crlnum $D/dev.crl)" = 0x01 ] && pass "the first CRL is number 1" ||
    fail "first number $(crlnum $D/dev.crl)"
check "the empty CRL verifies" openssl crl -in $D/dev.crl -CAfile chain.pem \
    -noout
check "the DER copy verifies" openssl crl -inform DER -in $D/dev.crl.der \
    -CAfile chain.pem -noout
check "the empty CRL is lint clean" pki-lint --issuer dev/ca.pem $D/dev.crl
openssl crl -in $D/dev.crl -noout -text >empty.txt
grep -q 'No Revoked Certificates' empty.txt &&
    grep -q 'URI:http://pki.example.org/dev.crl' empty.txt &&
    grep -q 'Only User Certificates' empty.txt &&
    grep -q 'Authority Key Identifier' empty.txt &&
    pass "empty, with IDP (URL, user certificates only) and AKI" ||
    { fail "empty CRL contents"; cat empty.txt; }
[ ! -e $D/dev.crl.prev ] && pass "no .prev before a second CRL" ||
    fail "unexpected .prev"

# --- two revocations ----------------------------------------------------------
sa=$(serial a.pem); sb=$(serial b.pem)
if [ -x "$BINDIR/pki-revoke" ]; then
	check "pki-revoke a (keyCompromise)" pki-revoke "$sa" \
	    --reason keyCompromise
	check "pki-revoke b (superseded)" pki-revoke --cert b.pem \
	    --reason superseded
else
	# Without pki-revoke, mark the rows revoked in the inventory as it
	# would (reason codes: 1 keyCompromise, 4 superseded).
	now=$(date +%s)
	sqlite3 dev/inventory.db "UPDATE certs SET status='revoked', \
	    revoked_at=$now, reason=1 WHERE serial='$sa'; UPDATE certs SET \
	    status='revoked', revoked_at=$now, reason=4 WHERE serial='$sb';"
fi
cp $D/dev.crl first.crl
check "pki-crl: the second CRL" pki-crl
[ "$(crlnum $D/dev.crl)" = 0x02 ] && pass "the second CRL is number 2" ||
    fail "second number $(crlnum $D/dev.crl)"
check "it verifies" openssl crl -in $D/dev.crl -CAfile chain.pem -noout
check "it is lint clean" pki-lint --issuer dev/ca.pem $D/dev.crl
openssl crl -in $D/dev.crl -noout -text >two.txt
[ "$(grep -c 'Serial Number:' two.txt)" = 2 ] &&
    grep -q "Serial Number: $sa" two.txt &&
    grep -q "Serial Number: $sb" two.txt &&
    pass "both revoked serials listed" || { fail "entries"; cat two.txt; }
grep -q 'Key Compromise' two.txt && grep -q 'Superseded' two.txt &&
    pass "with their reasons" || fail "reasons missing"
cmp -s first.crl $D/dev.crl.prev && [ -f $D/dev.crl.der.prev ] &&
    pass "the previous CRL kept as .prev" || fail "previous CRL not kept"
cat dev/ca.pem $D/dev.crl >crl-chain.pem
cvfy() { openssl verify -crl_check -CAfile root/root.pem \
    -untrusted dev/ca.pem -CRLfile $D/dev.crl "$1"; }
cvfy a.pem >ra.out 2>&1
[ $? -ne 0 ] && grep -q 'certificate revoked' ra.out &&
    pass "openssl verify -crl_check rejects a revoked leaf" ||
    { fail "revoked leaf accepted"; cat ra.out; }
check "openssl verify -crl_check accepts a good leaf" cvfy c.pem
check "pki-audit verify passes" pki-audit verify dev/audit.log
grep -q '"pki-crl"' dev/audit.log && grep -q '"numbers":\[2\]' dev/audit.log &&
    pass "the audit log records the CRL" || fail "audit entry missing"

# --- a wrong PIN writes nothing, takes no number ------------------------------
cp $D/dev.crl before.crl
snapshot "$T/dev"
expect_exit 77 "a wrong PIN" pki-crl --pin-file wrong.pin
unchanged "$T/dev" "a wrong PIN"
cmp -s before.crl $D/dev.crl && pass "the CRL is untouched" ||
    fail "CRL changed"
pki-crl --format json >j.json 2>j.err &&
    python3 -c 'import json,sys; a=json.load(open("j.json"));
assert len(a)==1 and a[0]["number"]==3 and a[0]["entries"]==2 and \
a[0]["shard"]==0 and a[0]["path"].endswith("dev.crl"), a' &&
    pass "--format json parses; the wrong PIN took no number (3 next)" ||
    { fail "--format json"; cat j.json j.err; }

# --- refusals -----------------------------------------------------------------
expect_exit 64 "an unknown option" pki-crl --bogus
expect_exit 64 "--format twice" pki-crl --format json --format json
sqlite3 dev/inventory.db "UPDATE crl_numbers SET last_number=1;" 2>/dev/null
snapshot "$T/dev"
expect_exit 65 "an inventory behind the published CRL" pki-crl
expect_msg "not below" "says the published number is higher"
unchanged "$T/dev" "an inventory behind the published CRL"

# --- sharding -----------------------------------------------------------------
sqlite3 dev/inventory.db "UPDATE crl_numbers SET last_number=3;"
sed -i -e 's/shards: 1/shards: 2/' \
    -e 's|example.org/dev.crl|example.org/dev-{shard}.crl|' \
    dev/ca.yaml
if grep -q 'shards: 2' dev/ca.yaml && grep -q 'dev-{shard}' dev/ca.yaml; then
	check "pki-crl with two shards" pki-crl
	[ -f $D/dev-0.crl ] && [ -f $D/dev-1.crl ] && [ -f $D/dev-1.crl.der ] &&
	    pass "one CRL per shard" || fail "shard files: $(ls $D)"
	openssl crl -in $D/dev-1.crl -noout -text >s1.txt
	grep -q 'URI:http://pki.example.org/dev-1.crl' s1.txt &&
	    pass "each shard names its own URL" || fail "shard 1 IDP"
	[ "$(crlnum $D/dev-0.crl)" = 0x04 ] && [ "$(crlnum $D/dev-1.crl)" = 0x01 ] &&
	    pass "each shard numbers its own CRLs" ||
	    fail "shard numbers $(crlnum $D/dev-0.crl) $(crlnum $D/dev-1.crl)"
	check "shard 0 verifies" openssl crl -in $D/dev-0.crl -CAfile chain.pem \
	    -noout
	check "pki-audit verify after the sharded run" pki-audit verify \
	    dev/audit.log
else
	fail "could not switch the test CA to two shards"
fi

# --- crl.keep_expired ---------------------------------------------------------
# Back to one shard; leaf a (revoked) expired an hour ago in the inventory.
sed -i -e 's/shards: 2/shards: 1/' \
    -e 's|example.org/dev-{shard}.crl|example.org/dev.crl|' dev/ca.yaml
past=$(( $(date +%s) - 3600 ))
sqlite3 dev/inventory.db "UPDATE certs SET not_before=$past-86400, \
    not_after=$past WHERE serial='$sa';"
check "pki-crl: an expired entry, by default" pki-crl
openssl crl -in $D/dev.crl -noout -text >ke0.txt
! grep -q "Serial Number: $sa" ke0.txt &&
    grep -q "Serial Number: $sb" ke0.txt &&
    ! grep -q '2.5.29.60' ke0.txt &&
    pass "by default the expired revoked leaf leaves the CRL" ||
    { fail "expired entry by default"; cat ke0.txt; }
sed -i 's/^  delta: false$/  delta: false\n  keep_expired: true/' dev/ca.yaml
check "pki-crl with crl.keep_expired: true" pki-crl
openssl crl -in $D/dev.crl -noout -text >ke1.txt
grep -q "Serial Number: $sa" ke1.txt && grep -q "Serial Number: $sb" ke1.txt &&
    grep -q '2.5.29.60' ke1.txt &&
    pass "kept: the expired leaf is listed, with expiredCertsOnCRL" ||
    { fail "keep_expired"; cat ke1.txt; }
check "the CRL with expiredCertsOnCRL is lint clean" pki-lint \
    --issuer dev/ca.pem $D/dev.crl
check "and verifies" openssl crl -in $D/dev.crl -CAfile chain.pem -noout

# --- serial order by value, across serial lengths ----------------------------
# Revoked rows whose serials differ in length, with notAfter falling as
# the serial rises (so neither the inventory's index nor the text order
# is the value order), and every reason: the CRL lists them by value,
# reasonCode left out for unspecified, and openssl and pki-lint accept it.
now=$(date +%s)
i=0
for s_r in 7F:0 80:1 0100:2 FF00:3 7FFF00:4 800000:5 \
    0123456789ABCDEF:6 8000000000000000000000000000000000000000:9 \
    7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:10; do
	s=${s_r%%:*}; r=${s_r##*:}; i=$((i + 1))
	sqlite3 dev/inventory.db "INSERT INTO certs (serial, status, profile, \
	    subject, sans, not_before, not_after, spki_sha256, der, requester, \
	    created, revoked_at, reason, crl_shard) VALUES ('$s', 'revoked', \
	    'mtls-server', 'CN=order $i', '[]', $now - 100, \
	    $now + 86400 * (40 - $i), printf('%064d', $i), x'3003020100', \
	    'crl.sh', $now - 100, $now - 60 - $i, $r, 0);" ||
	    fail "insert serial $s"
done
check "pki-crl over serials of several lengths" pki-crl
openssl crl -in $D/dev.crl -noout -text >order.txt
check "it verifies" openssl crl -in $D/dev.crl -CAfile chain.pem -noout
check "it is lint clean" pki-lint --issuer dev/ca.pem $D/dev.crl
python3 - order.txt <<'PY' && pass "entries in serial order by value, \
reasons as recorded (none for unspecified)" || { fail "order"; cat order.txt; }
import re, sys
text = open(sys.argv[1]).read()
blocks = re.split(r"\n    Serial Number: ",
    text.split("Revoked Certificates:")[1])
serials = [int(b.split()[0], 16) for b in blocks[1:]]
assert serials == sorted(serials) and len(set(serials)) == len(serials), serials
want = {0x7F: None, 0x80: "Key Compromise", 0x0100: "CA Compromise",
    0xFF00: "Affiliation Changed", 0x7FFF00: "Superseded",
    0x800000: "Cessation Of Operation", 0x0123456789ABCDEF: "Certificate Hold",
    0x80 << 152: "Privilege Withdrawn", (1 << 159) - 1: "AA Compromise"}
for b in blocks[1:]:
    s = int(b.split()[0], 16)
    if s not in want:
        continue
    r = want.pop(s)
    assert (r is None and "Reason Code" not in b) or (r and r in b), (hex(s), b)
assert not want, want
PY

# --- delta CRLs ---------------------------------------------------------------
du=http://pki.example.org/dev-delta.crl
sed -i -e 's/^  delta: false$/  delta: true/' \
    -e "s|^\\(  crl: .*example.org/dev.crl.*\\)\$|\\1\\n  delta_crl: $du|" \
    dev/ca.yaml
check "pki-crl with delta CRLs" pki-crl
openssl crl -in $D/dev.crl -noout -text >d-base.txt
openssl crl -in $D/dev-delta.crl -noout -text >d-delta.txt
bn=$(crlnum $D/dev.crl); dn=$(crlnum $D/dev-delta.crl)
[ $((dn)) -eq $((bn + 1)) ] && pass "the delta's number follows the base's" ||
    fail "base $bn, delta $dn"
grep -A2 'Freshest CRL' d-base.txt | grep -q 'URI:.*dev-delta.crl' &&
    pass "the base points at the delta (Freshest CRL)" ||
    { fail "no Freshest CRL"; cat d-base.txt; }
grep -q 'Delta CRL Indicator: critical' d-delta.txt &&
    grep -q 'URI:http://pki.example.org/dev.crl' d-delta.txt &&
    ! grep -q 'URI:http://pki.example.org/dev-delta.crl' d-delta.txt &&
    pass "the delta: critical Delta CRL Indicator, the base's IDP" ||
    { fail "delta extensions"; cat d-delta.txt; }
grep -q 'No Revoked Certificates' d-delta.txt &&
    pass "nothing revoked since the previous base: an empty delta" ||
    { fail "first delta not empty"; cat d-delta.txt; }
check "the delta verifies" openssl crl -in $D/dev-delta.crl -CAfile chain.pem \
    -noout
check "the delta is lint clean" pki-lint --issuer dev/ca.pem $D/dev-delta.crl
sc=$(serial c.pem)
if [ -x "$BINDIR/pki-revoke" ]; then
	check "pki-revoke c (cessationOfOperation)" pki-revoke "$sc" \
	    --reason cessationOfOperation
else
	sqlite3 dev/inventory.db "UPDATE certs SET status='revoked', \
	    revoked_at=$(date +%s), reason=5 WHERE serial='$sc';"
fi
cp $D/dev.crl base1.crl
pki-crl --format json >dj.json 2>dj.err || fail "pki-crl: a delta after c"
openssl crl -in $D/dev-delta.crl -noout -text >d2.txt
grep -q "Serial Number: $sc" d2.txt &&
    [ "$(grep -c 'Serial Number:' d2.txt)" = 1 ] &&
    grep -q "Delta CRL Indicator: critical" d2.txt &&
    grep -A1 'Delta CRL Indicator' d2.txt | grep -q "$(printf '%X' $((bn)))" &&
    pass "the next delta lists only c, against the previous base" ||
    { fail "second delta"; cat d2.txt; }
python3 -c 'import json,sys; a=json.load(open("dj.json"))[0]
assert a["delta_entries"]==1 and a["delta_number"]==a["number"]+1 and \
a["delta_base"]<a["number"] and a["delta_path"].endswith("dev-delta.crl"), a' &&
    pass "--format json reports the delta" ||
    { fail "delta json"; cat dj.json; }
dvfy() { openssl verify -crl_check -use_deltas -CAfile root/root.pem \
    -untrusted dev/ca.pem -CRLfile base1.crl "$@" c.pem; }
check "the old base alone accepts c" dvfy
dvfy -CRLfile $D/dev-delta.crl >dv.out 2>&1
[ $? -ne 0 ] && grep -q 'certificate revoked' dv.out &&
    pass "openssl -use_deltas: old base + delta rejects c" ||
    { fail "delta not applied"; cat dv.out; }
check "the new base alone rejects c too" sh -c "! openssl verify -crl_check \
    -CAfile root/root.pem -untrusted dev/ca.pem -CRLfile $D/dev.crl c.pem"
check "pki-audit verify after the delta runs" pki-audit verify dev/audit.log
grep -q '"delta_numbers":\[' dev/audit.log &&
    pass "the audit log records the delta numbers" || fail "audit delta"

# --- a base that does not verify is not diffed against ------------------------
# The published base's signature altered (its last octet): the next run
# refuses to compute a delta against it and publishes nothing.
cp $D/dev.crl.der good-base.der
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read())
b[-1] ^= 1; open(p,"wb").write(b)' $D/dev.crl.der
cp $D/dev.crl.der bad-base.der
snapshot "$T/dev"
expect_exit 65 "a base whose signature does not verify" pki-crl
expect_msg "not a complete CRL of this CA" "says why"
unchanged "$T/dev" "a base that does not verify"
cmp -s bad-base.der $D/dev.crl.der && pass "the published base is untouched" ||
    fail "base changed"
cp good-base.der $D/dev.crl.der
check "with the base restored, pki-crl runs again" pki-crl
check "and its delta verifies" openssl crl -in $D/dev-delta.crl \
    -CAfile chain.pem -noout

done_testing
