# ocsp.sh: pki-ocsp on a dev CA (P-256, key in a SoftHSM2 token) set up
# through the ceremony programs as in issue.sh.  init-signer makes the
# delegated signer (refused a second time); refresh pre-signs one
# response per live certificate (the three leaves and the signer's own
# certificate, which is in the inventory too) that openssl ocsp verifies
# as good, writes the cfssl responses file (one base64 line per live
# certificate, each accepted by openssl ocsp -respin) and, not on a TTY,
# no progress bar; pki-revoke re-signs only that serial at once and
# openssl says revoked with the reason without a refresh; the refresh
# after it signs 0 but rewrites the responses file; a refresh with
# nothing due signs 0;
# respond answers a request with the pre-signed bytes, an unknown serial
# with "unknown" and garbage with malformedRequest; rotate-signer
# replaces the signer and refresh --all re-signs everything with it;
# on a TTY (script(1)) refresh draws a progress bar.  Published files
# are 0644 under the tool's umask 077; a second link to an old response
# keeps its bytes when later refreshes recycle files; 2,500 more rows
# (three pages, so one page is signed while the one before is
# committed) are all signed, listed in responses and verify, good or
# revoked, across page boundaries.
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server"
O=dev/publish/ocsp

csr() {	# csr NAME: a P-256 key and CSR for NAME.svc.dev.example.internal
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -subj "/CN=$1.svc.dev.example.internal" \
	    -addext "subjectAltName=DNS:$1.svc.dev.example.internal" \
	    -out "$1.csr" 2>/dev/null
}
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
status() {	# status LEAF RESPONSE: openssl's verdict on the response
	openssl ocsp -issuer dev/ca.pem -cert "$1" -respin "$2" \
	    -CAfile root/root.pem -verify_other dev/ca-chain.pem 2>&1
}

# --- the signer ------------------------------------------------------------
expect_exit 78 "refresh without a signer" pki-ocsp refresh
expect_msg "init-signer" "the message says how to make one"
check "init-signer" pki-ocsp init-signer --lifetime 20d
expect_exit 73 "a second init-signer is refused" pki-ocsp init-signer
openssl x509 -in dev/ocsp-signer.pem -noout -text >signer.txt
grep -q "OCSP Signing" signer.txt && grep -q "OCSP No Check" signer.txt &&
    grep -q "Digital Signature" signer.txt &&
    pass "signer: EKU OCSPSigning, nocheck, digitalSignature" ||
    fail "signer extensions"; 
check "signer chains to the root" openssl verify -CAfile root/root.pem \
    -untrusted dev/ca-chain.pem -purpose ocsphelper dev/ocsp-signer.pem
grep -q "BEGIN PKI ENCRYPTED PRIVATE KEY" dev/ocsp-signer.key &&
    pass "signer key encrypted" || fail "signer key not encrypted"
[ "$(sqlite3 dev/inventory.db "SELECT count(*) FROM certs WHERE
    profile = 'ocsp-signer' AND status = 'issued'")" = 1 ] &&
    pass "signer recorded in the inventory" || fail "signer not recorded"

# --- refresh -----------------------------------------------------------------
for n in a b c; do
	csr $n
	check "issue $n" pki-issue --profile mtls-server --csr $n.csr \
	    --out $n.pem
done
sa=$(serial a.pem); sb=$(serial b.pem); sc=$(serial c.pem)
pki-ocsp refresh --format json >r1.json 2>r1.err
[ "$(jq -c . r1.json)" = '{"signed":4,"skipped":0,"failed":0}' ] &&
    pass "refresh signs 3 leaves + the signer" ||
    fail "refresh 1: $(cat r1.json r1.err)"
# ca.yaml names a pin_file: the refresh sealed its entry when it finished.
[ "$(tail -2 dev/audit.log | sed 's/.*"action":"\([a-z-]*\)".*/\1/' |
    tr '\n' ' ')" = "refresh seal " ] &&
    pass "refresh sealed the audit log" ||
    fail "the log ends with: $(tail -2 dev/audit.log | cut -c1-120)"
check "pki-audit verifies the log after a refresh" pki-audit verify dev/audit.log
for n in a b c; do
	s=$(serial $n.pem)
	status $n.pem $O/$s.der | grep -q "^$n.pem: good" &&
	    status $n.pem $O/$s.der | grep -q "Response verify OK" &&
	    pass "openssl: $n good, verified" ||
	    { fail "openssl on $n"; status $n.pem $O/$s.der | head -5; }
done
openssl ocsp -respin $O/$sa.der -resp_text -noverify 2>/dev/null |
    grep -q "Responder Id: .*[0-9A-F]\{40\}" &&
    pass "responder named by key hash" || fail "responder id"

# --- revocation: re-signed at once by pki-revoke --------------------------------
[ "$(wc -l <$O/responses)" = 4 ] && pass "responses: one line per live cert" ||
    fail "responses: $(wc -l <$O/responses) lines"
i=0; ok=1
while read -r line; do
	i=$((i + 1))
	printf '%s' "$line" | base64 -d >line$i.der 2>/dev/null &&
	    openssl ocsp -respin line$i.der -CAfile root/root.pem \
	    -verify_other dev/ca-chain.pem -resp_text >line$i.txt 2>&1 &&
	    grep -q "Response verify OK" line$i.txt || ok=0
done <$O/responses
[ $ok = 1 ] && [ $i = 4 ] && pass "responses: each line a verified response" ||
    fail "responses: a line openssl ocsp -respin refuses"
grep -q '[#%]\|\[' r1.err && fail "progress characters without a TTY" ||
    pass "no progress bar without a TTY"
touch -d '2001-01-01' $O/*.der
pki-revoke $sb --reason keyCompromise >rv.out 2>rv.err &&
    grep -q "OCSP response re-signed" rv.out &&
    pass "pki-revoke b re-signs its OCSP response" ||
    fail "pki-revoke b: $(cat rv.out rv.err)"
[ "$(find $O -name '*.der' -newer r1.json | wc -l)" = 1 ] &&
    [ -n "$(find $O -name "$sb.der" -newer r1.json)" ] &&
    pass "only $sb.der rewritten" || fail "files rewritten: $(ls -l $O)"
status b.pem $O/$sb.der >st.txt
grep -q "^b.pem: revoked" st.txt && grep -q "Reason: keyCompromise" st.txt &&
    grep -q "Response verify OK" st.txt &&
    pass "openssl: b revoked, keyCompromise, no refresh" ||
    { fail "openssl on b"; cat st.txt; }
pki-ocsp refresh --format json >r2.json
[ "$(jq .signed r2.json)" = 0 ] && pass "refresh after revoke signs 0" ||
    fail "refresh 2: $(cat r2.json)"
n=0
while read -r line; do
	printf '%s' "$line" | base64 -d >l.der
	openssl ocsp -respin l.der -resp_text -noverify 2>/dev/null |
	    grep -q "Cert Status: revoked" && n=$((n + 1))
done <$O/responses
[ $n = 1 ] && pass "responses rewritten after the revocation" ||
    fail "responses: $n revoked lines"
lines=$(wc -l <dev/audit.log)
pki-ocsp refresh --format json >r3.json
[ "$(jq .signed r3.json)" = 0 ] && pass "nothing due: 0 signed" ||
    fail "refresh 3: $(cat r3.json)"
[ "$(wc -l <dev/audit.log)" = "$lines" ] &&
    pass "a refresh with nothing to do writes no audit entry" ||
    fail "a no-op refresh wrote to audit.log"
[ -z "$(find $O -name '*.new')" ] && pass "no temporary files left" ||
    fail "temporary files left"

# --- respond -------------------------------------------------------------------
openssl ocsp -issuer dev/ca.pem -cert a.pem -reqout req.der -no_nonce \
    2>/dev/null
pki-ocsp respond <req.der >resp.der 2>resp.err
cmp -s resp.der $O/$sa.der && pass "respond: the pre-signed bytes" ||
    fail "respond: $(cat resp.err)"
b64=$(base64 -w0 req.der | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')
pki-ocsp respond --get "/$b64" >get.der 2>/dev/null
cmp -s get.der $O/$sa.der && pass "respond --get" || fail "respond --get"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout x.key -subj "/CN=x" -x509 -days 1 -out x.pem 2>/dev/null
openssl ocsp -issuer dev/ca.pem -serial 0x0123456789 -reqout unk.der \
    -no_nonce 2>/dev/null
pki-ocsp respond --request unk.der >unk.resp 2>unk.err
openssl ocsp -respin unk.resp -issuer dev/ca.pem -serial 0x0123456789 \
    -CAfile root/root.pem -verify_other dev/ca-chain.pem >unk.txt 2>&1
grep -q "0x0123456789: unknown" unk.txt && grep -q "Response verify OK" \
    unk.txt && pass "unknown serial: unknown, signed" ||
    { fail "unknown serial"; cat unk.txt unk.err; }
printf 'garbage' | pki-ocsp respond >bad.resp 2>/dev/null &&
    pass "garbage: exit 0 with a response" || fail "garbage: exit status"
openssl ocsp -respin bad.resp -resp_text -noverify 2>&1 |
    grep -q "malformedrequest" && pass "garbage: malformedRequest" ||
    fail "garbage: $(openssl ocsp -respin bad.resp -resp_text 2>&1 | head -3)"
openssl ocsp -issuer x.pem -cert x.pem -reqout other.der -no_nonce 2>/dev/null
pki-ocsp respond --request other.der >other.resp 2>/dev/null
openssl ocsp -respin other.resp -resp_text -noverify 2>&1 |
    grep -q "unauthorized" && pass "another issuer: unauthorized" ||
    fail "another issuer"

# --- rotation --------------------------------------------------------------------
old=$(serial dev/ocsp-signer.pem)
check "rotate-signer" pki-ocsp rotate-signer
[ "$(serial dev/ocsp-signer.pem)" != "$old" ] && pass "a new signer" ||
    fail "the signer did not change"
pki-ocsp refresh --all --format json >r4.json
[ "$(jq .signed r4.json)" = 5 ] && pass "refresh --all re-signs all 5" ||
    fail "refresh --all: $(cat r4.json)"
status c.pem $O/$sc.der | grep -q "^c.pem: good" && pass "good after rotation" ||
    fail "c after rotation"
if command -v script >/dev/null; then
	script -qec "pki-ocsp refresh --all" /dev/null >tty.out 2>&1
	tr '\r' '\n' <tty.out | grep -q '^\[#*\] 100% 5/5 rows' &&
	    pass "a progress bar on a TTY" ||
	    fail "no progress bar on a TTY: $(cat tty.out)"
fi
# --- publishing: modes, old files kept for their readers, many pages ----------
[ "$(stat -c %a $O/$sa.der)" = 644 ] && [ "$(stat -c %a $O/responses)" = 644 ] &&
    pass "published files are 0644 (the tool's umask is 077)" ||
    fail "modes: $(stat -c '%a %n' $O/$sa.der $O/responses)"
cp $O/$sa.der before.der
ln $O/$sa.der linked.der
pki-ocsp refresh --all >/dev/null 2>&1 && pki-ocsp refresh --all >/dev/null 2>&1
cmp -s linked.der before.der && ! cmp -s $O/$sa.der before.der &&
    pass "a second link to an old response keeps its bytes" ||
    fail "the old response linked elsewhere changed"
status a.pem $O/$sa.der | grep -q "^a.pem: good" &&
    pass "a after two refreshes: good" || fail "a after two refreshes"
# 2,500 rows more (copies of a's row, 1 in 100 revoked): three pages
sqlite3 dev/inventory.db "INSERT INTO certs (serial, status, profile,
    subject, sans, not_before, not_after, spki_sha256, der, requester,
    created, revoked_at, reason, crl_shard, ocsp_next_update)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 2500)
    SELECT printf('50%014X', i), CASE WHEN i % 100 = 0 THEN 'revoked'
    ELSE 'issued' END, profile, subject, sans, not_before, not_after,
    printf('%064x', i), der, requester, created, CASE WHEN i % 100 = 0
    THEN created END, CASE WHEN i % 100 = 0 THEN 1 END, crl_shard, 0
    FROM n, certs WHERE certs.serial = '$sa'"
pki-ocsp refresh --format json >r5.json 2>r5.err
[ "$(jq .signed r5.json)" = 2500 ] && pass "three pages: 2500 signed" ||
    fail "three pages: $(cat r5.json r5.err)"
pat='^500000000000[0-9A-F]\{4\}\.der$'
[ "$(ls $O | grep -c "$pat")" = 2500 ] &&
    [ "$(wc -l <$O/responses)" = 2505 ] &&
    pass "2500 files, 2505 lines in responses" ||
    fail "files: $(ls $O | grep -c "$pat") lines: $(wc -l <$O/responses)"
# the signed ones come from memory, the others from their files: the
# same lines as every file, each once
for f in $O/*.der; do base64 -w0 "$f"; echo; done | sort >want.lines
sort $O/responses | cmp -s - want.lines &&
    pass "responses: the line of each response file, once" ||
    fail "responses differ from the files"
ok=1
for i in 1 1023 1024 1025 2047 2048 2100 2500; do
	s=$(printf '50%014X' $i)
	want=good; [ $((i % 100)) = 0 ] && want=revoked
	openssl ocsp -respin $O/$s.der -issuer dev/ca.pem -serial 0x$s \
	    -CAfile root/root.pem -verify_other dev/ca-chain.pem >p.txt 2>&1
	grep -q "^0x$s: $want" p.txt && grep -q "Response verify OK" p.txt ||
	    { ok=0; cat p.txt; }
done
[ $ok = 1 ] && pass "responses across page boundaries verify, good and revoked" ||
    fail "a response across pages"
pki-ocsp refresh --format json >r6.json
[ "$(jq .signed r6.json)" = 0 ] && pass "then nothing due" ||
    fail "after three pages: $(cat r6.json)"
[ -z "$(find $O -maxdepth 1 \( -name '*.new' -o -name '*.tmp*' \))" ] &&
    pass "no temporary files in the directory" || fail "temporary files left"

expect_exit 64 "unknown command" pki-ocsp frobnicate
expect_exit 64 "--all outside refresh" pki-ocsp respond --all

done_testing
