# issue.sh: the online CA end to end.  A dev intermediate set up through
# the ceremony programs (pki-root-keygen, pki-ca-init, pki-root-sign,
# pki-ca-install); one certificate of each profile, each verified by
# openssl against the root; every bad input refused with nothing recorded
# or written; a --batch of two chunks; 4 concurrent batch issuers x 500;
# a real mTLS handshake.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
softhsm_token dev-ca 654321
printf '123456\n' >"$T/root.pin"
printf '654321\n' >"$T/dev.pin"
cd "$T" || exit 70
P=$top/policies

cat >root.yaml <<EOF
ceremony: { name: "Root", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Test Root" }
  validity_years: 20
backup: { method: shamir, threshold: 2, custodians: ["A", "B", "C"] }
output: { directory: root }
EOF
check "root ceremony" pki-root-keygen --rehearsal --yes --pin-file root.pin \
    root.yaml

cat >dev-init.yaml <<EOF
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
  ca_issuers: http://pki.example.org/dev.crt
profiles:
  directory: $P
  allowed: [mtls-server, mtls-client, spiffe-workload, user, device, code-signing]
issuance: { backdate: 5m }
crl: { validity: 2d, shards: 1, delta: false }
ocsp: { validity: 1d, refresh: 12h }
publish: { crl: publish/crl, ocsp: publish/ocsp }
EOF
check "pki-ca-init: the dev CA, key in a token" \
    pki-ca-init --ca dev --config dev-init.yaml --yes
cat >sign-dev.yaml <<EOF
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
EOF
check "pki-root-sign: the root signs the dev CA" \
    pki-root-sign --rehearsal --yes --pin-file root.pin sign-dev.yaml
expect_exit 78 "nothing is issued before the CA is installed" \
    pki-issue --ca dev --profile mtls-server --generate-key early.key \
    --dns a.svc.dev.example.internal --out early.pem
[ ! -e early.pem ] && [ ! -e early.key ] &&
    pass "an uninstalled CA writes nothing" || fail "early outputs written"
check "pki-ca-install" pki-ca-install --ca dev --yes dev.pem root/root.pem
export PKI_CA_DIR=$T/dev

rows() { sqlite3 dev/inventory.db "SELECT count(*) FROM certs $1;"; }
verify() { openssl verify -x509_strict -CAfile root/root.pem \
    -untrusted dev/ca-chain.pem "$@"; }

# --- one certificate of each profile ------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server.key -subj "/CN=web.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:web.svc.dev.example.internal,IP:10.30.1.5" \
    -out server.csr 2>/dev/null
check "mtls-server from a CSR" pki-issue --profile mtls-server \
    --csr server.csr --out server.pem --chain server-chain.pem
check "mtls-server verifies against the root" verify server.pem
check "mtls-client with a generated key" pki-issue --profile mtls-client \
    --generate-key client.key --dns api.svc.dev.example.internal \
    --out client.pem
[ "$(stat -c %a client.key)" = 600 ] && pass "a generated key is 0600" ||
    fail "generated key mode"
check "mtls-client verifies" verify client.pem
check "spiffe-workload" pki-issue --profile spiffe-workload \
    --generate-key spiffe.key --uri spiffe://dev.example.org/ns/web/sa/api \
    --out spiffe.pem
check "spiffe-workload verifies" verify spiffe.pem
openssl x509 -in spiffe.pem -noout -text >spiffe.txt
grep -q 'X509v3 Subject Alternative Name: critical' spiffe.txt &&
    pass "an empty subject gets a critical SAN" || fail "SAN criticality"
check "user" pki-issue --profile user --generate-key user.key \
    --email alice@example.org --out user.pem
check "user verifies" verify user.pem
check "device" pki-issue --profile device --generate-key device.key \
    --dns sensor1.devices.dev.example.internal --out device.pem
check "device verifies" verify device.pem
openssl req -new -newkey rsa:3072 -nodes -keyout cs.key -subj "/O=Example" \
    -out cs.csr 2>/dev/null
check "code-signing" pki-issue --profile code-signing --csr cs.csr \
    --email release@example.org --out cs.pem
check "code-signing verifies" verify cs.pem
for c in server client spiffe user device cs; do
	check "$c passes pki-lint as a leaf" pki-lint --kind leaf --issuer \
	    dev/ca.pem "$c.pem"
done
[ "$(rows "WHERE status='issued'")" = 6 ] &&
    pass "the inventory holds 6 issued certificates" ||
    fail "inventory count $(rows "WHERE status='issued'")"
serial=$(openssl x509 -in server.pem -noout -serial | cut -d= -f2)
[ "$(sqlite3 dev/inventory.db "SELECT profile FROM certs WHERE serial='$serial';")" = mtls-server ] &&
    pass "the row has the serial as openssl prints it and the profile" ||
    fail "inventory row for $serial"
[ "${#serial}" -eq 40 ] && pass "serials are 20 bytes" || fail "serial $serial"

# --- output formats -------------------------------------------------------------
pki-issue --profile mtls-server --generate-key j.key \
    --dns j.svc.dev.example.internal --format json >j.json 2>j.err &&
    python3 -m json.tool j.json >/dev/null &&
    grep -q '"certificate":"-----BEGIN CERTIFICATE' j.json &&
    pass "--format json" || { fail "--format json"; cat j.err; }
pki-issue --profile mtls-server --generate-key k.key \
    --dns k.svc.dev.example.internal --format k8s-secret --name web-tls \
    --out k.yaml 2>k.err && grep -q 'type: kubernetes.io/tls' k.yaml &&
    grep -q 'tls.key:' k.yaml && grep -q 'ca.crt:' k.yaml &&
    [ "$(stat -c %a k.yaml)" = 600 ] &&
    pass "--format k8s-secret (0600, with tls.key and ca.crt)" ||
    { fail "--format k8s-secret"; cat k.err; }
printf 'p12-pass\n' >p12.pass
check "--format pkcs12" pki-issue --profile mtls-client --generate-key p.key \
    --dns p.svc.dev.example.internal --format pkcs12 --p12-pass-file p12.pass \
    --out p.p12
check "the PKCS#12 opens with openssl" openssl pkcs12 -in p.p12 -passin \
    file:p12.pass -noout
check "--format der" pki-issue --profile mtls-server --generate-key d.key \
    --dns d.svc.dev.example.internal --format der --out d.der
check "DER output reads" openssl x509 -inform DER -in d.der -noout

# --- bad input: a clear message, exit status, nothing recorded or written -------
before=$(rows "")
refuse() {	# refuse CODE DESC ARGS...
	code=$1; desc=$2; shift 2
	snapshot "$T"
	expect_exit "$code" "$desc" pki-issue "$@"
	unchanged "$T" "$desc"
}
openssl req -in server.csr -outform DER -out bad.der
size=$(stat -c %s bad.der)
printf '\001' | dd of=bad.der bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
refuse 65 "a CSR with a bad signature" --profile mtls-server --csr bad.der \
    --out x.pem
openssl req -new -newkey rsa:1024 -nodes -keyout weak.key -subj /CN=w \
    -out weak.csr 2>/dev/null
refuse 65 "a weak key" --profile mtls-server --csr weak.csr \
    --dns w.svc.dev.example.internal --out x.pem
refuse 1 "a name outside the profile" --profile mtls-server --csr \
    server.csr --dns evil.example.com --out x.pem
expect_msg 'evil.example.com' "the refused name is named"
expect_msg 'allowed:' "the allowed patterns are listed"
refuse 1 "a wildcard where the profile allows none" --profile mtls-server \
    --generate-key x.key --dns '*.svc.dev.example.internal' --out x.pem
refuse 64 "an IP where the profile takes none by flag" --profile \
    spiffe-workload --generate-key x.key --ip 10.30.1.1 \
    --uri spiffe://dev.example.org/ns/a/sa/b --out x.pem
refuse 1 "a name outside the CA's name constraints" --profile mtls-server \
    --generate-key x.key --dns api.svc.prod.example.internal --out x.pem
expect_msg "name constraints" "the name constraint is named"
refuse 1 "a lifetime above the maximum" --profile mtls-server \
    --generate-key x.key --dns x.svc.dev.example.internal --lifetime 400d \
    --out x.pem
refuse 1 "a profile the CA may not issue" --profile no-such --generate-key x.key \
    --dns x.svc.dev.example.internal --out x.pem
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout crit.key -subj /CN=c \
    -addext "subjectAltName=DNS:c.svc.dev.example.internal" \
    -addext "1.2.3.4=critical,ASN1:NULL" -out crit.csr 2>/dev/null
refuse 65 "a CSR with an unknown critical extension" --profile mtls-server \
    --csr crit.csr --out x.pem
expect_msg "1.2.3.4" "the unknown extension is named"
refuse 64 "one path for two outputs" --profile mtls-server --csr server.csr \
    --out y.pem --chain y.pem
head -c 1048576 /dev/urandom >garbage.bin
snapshot "$T"
expect_exit 65 "1 MB of garbage on stdin" sh -c \
    'pki-issue --profile mtls-server --csr - --out x.pem <garbage.bin'
unchanged "$T" "1 MB of garbage"
refuse 73 "an output that exists" --profile mtls-server --csr server.csr \
    --out server.pem
refuse 64 "no --csr and no --generate-key" --profile mtls-server --out x.pem
[ "$(rows "")" = "$before" ] && pass "no bad request left a row" ||
    fail "rows went from $before to $(rows "")"

# --- one batch, keys of several kinds ---------------------------------------------
# P-256 and P-384 keys take pki-issue's own path from the CSR to the
# certificate, other keys OpenSSL's; either way the certificate carries
# exactly the CSR's key, and a point off the curve is refused.
mkdir mix mix/out
for k in ec:P-256 ec:P-384 rsa:3072; do
	n=$(echo "$k" | tr -d ':-')
	case $k in
	ec:*) newkey="-newkey ec -pkeyopt ec_paramgen_curve:${k#ec:}" ;;
	*) newkey="-newkey $k" ;;
	esac
	openssl req -new $newkey -nodes -keyout "mix/$n.key" \
	    -subj "/CN=$n.svc.dev.example.internal" \
	    -addext "subjectAltName=DNS:$n.svc.dev.example.internal" \
	    -out "mix/$n.csr" 2>/dev/null
	echo "mix/$n.csr mtls-server mix/out/$n.pem"
done >mix/batch
python3 - mix/ecP256.csr mix/off.der <<'PY'
import base64, sys
pem = open(sys.argv[1]).read().split("-----")[2]
der = bytearray(base64.b64decode(pem))
i = der.index(b"\x03\x42\x00\x04")	# the BIT STRING of the point
der[i + 3 + 64] ^= 1			# the last byte of Y: off the curve
open(sys.argv[2], "wb").write(der)
PY
echo "mix/off.der mtls-server mix/out/off.pem" >>mix/batch
before=$(rows "")
expect_exit 65 "a batch with an off-curve key fails that request" \
    pki-issue --batch mix/batch
expect_msg "mix/off.der: the CSR's public key cannot be read" \
    "the off-curve CSR is named"
for n in ecP256 ecP384 rsa3072; do
	check "batch: $n certificate verifies" verify "mix/out/$n.pem"
	[ "$(openssl x509 -in "mix/out/$n.pem" -noout -pubkey)" = \
	    "$(openssl req -in "mix/$n.csr" -noout -pubkey)" ] &&
	    pass "batch: $n certificate holds the CSR's key" ||
	    fail "batch: $n key differs"
	[ "$(stat -c %a "mix/out/$n.pem")" = 644 ] &&
	    pass "batch: $n output is 0644" || fail "batch: $n mode"
done
[ "$(ls mix/out | wc -l)" = 3 ] && pass "batch: only the 3 certificates" \
    "were written" || fail "batch outputs: $(ls mix/out)"
[ "$(rows "")" = $((before + 3)) ] && pass "batch: 3 rows, none for the" \
    "off-curve request" || fail "rows went from $before to $(rows "")"
refuse 65 "a single off-curve CSR" --profile mtls-server --csr mix/off.der \
    --out x.pem
check "a single P-384 CSR" pki-issue --profile mtls-server \
    --csr mix/ecP384.csr --dns p384.svc.dev.example.internal \
    --out mix/single384.pem
[ "$(openssl x509 -in mix/single384.pem -noout -pubkey)" = \
    "$(openssl req -in mix/ecP384.csr -noout -pubkey)" ] &&
    pass "a single P-384 certificate holds the CSR's key" ||
    fail "single P-384 key differs"

# --- a batch of two chunks (1,000 requests each) ---------------------------------
# The second chunk is prepared while the first is recorded as issued,
# and recorded as pending while the first is written: a good and a bad
# request in it, and every output of the first still complete.
mkdir two
i=0
while [ $i -lt 1000 ]; do
	echo "mix/ecP256.csr mtls-server two/$i.pem"
	i=$((i + 1))
done >two/batch
echo "mix/ecP384.csr mtls-server two/p384.pem" >>two/batch
echo "mix/off.der mtls-server two/off.pem" >>two/batch
before=$(rows "WHERE status='issued'")
expect_exit 65 "a batch of two chunks with one bad request" \
    pki-issue --batch two/batch
expect_msg "two/batch line 1002: mix/off.der" "the bad request is named"
[ "$(($(rows "WHERE status='issued'") - before))" = 1001 ] &&
    pass "two chunks: 1,001 complete rows" ||
    fail "two chunks: $(($(rows "WHERE status='issued'") - before)) rows"
[ "$(rows "WHERE status='pending'")" = 0 ] &&
    pass "two chunks: no pending row left" || fail "pending rows left"
[ "$(ls two | grep -c '\.pem$')" = 1001 ] &&
    pass "two chunks: 1,001 certificate files" ||
    fail "two chunks: $(ls two | grep -c '\.pem$') files"
check "two chunks: the first certificate verifies" verify two/0.pem
check "two chunks: the last of the first chunk verifies" verify two/999.pem
check "two chunks: the one of the second chunk verifies" verify two/p384.pem

# --- 4 concurrent issuers x 500 --------------------------------------------------
mkdir conc
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout conc/k.pem -subj "/CN=c.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:c.svc.dev.example.internal" \
    -out conc/req.csr 2>/dev/null
for w in 1 2 3 4; do
	mkdir conc/$w
	i=0
	while [ $i -lt 500 ]; do
		echo "conc/req.csr mtls-server conc/$w/$i.pem"
		i=$((i + 1))
	done >conc/$w.batch
done
before=$(rows "WHERE status='issued'")
pids=
for w in 1 2 3 4; do
	pki-issue --batch conc/$w.batch >conc/$w.out 2>conc/$w.err &
	pids="$pids $!"
done
ok=1
for pid in $pids; do wait "$pid" || ok=0; done
[ $ok = 1 ] && pass "4 concurrent batch issuers finished" ||
    { fail "a concurrent issuer failed"; head -3 conc/*.err; }
cat conc/1.out conc/2.out conc/3.out conc/4.out | cut -d' ' -f1 | sort -u >serials
[ "$(wc -l <serials)" = 2000 ] && pass "2,000 distinct serials" ||
    fail "$(wc -l <serials) distinct serials"
[ "$(($(rows "WHERE status='issued'") - before))" = 2000 ] &&
    pass "2,000 complete rows" || fail "rows: $(rows "WHERE status='issued'")"
[ "$(rows "WHERE status='pending'")" = 0 ] && pass "no pending row left" ||
    fail "pending rows left"
[ "$(find conc -name '*.pem' -path 'conc/[1-4]/*' | wc -l)" = 2000 ] &&
    pass "2,000 certificate files" || fail "certificate files"
check "a batch certificate verifies" verify conc/3/499.pem
[ -z "$(find . -name '*.tmp-*')" ] && pass "no temporary file left" ||
    fail "temporary files: $(find . -name '*.tmp-*' | head -3)"
[ "$(sqlite3 dev/inventory.db 'PRAGMA integrity_check;')" = ok ] &&
    pass "integrity_check ok" || fail "integrity_check"
check "audit.log verifies: every issuer sealed its entries" \
    pki-audit verify dev/audit.log
[ "$(grep -c '"action":"issue"' dev/audit.log)" -ge 10 ] &&
    pass "audit.log holds the issue entries" || fail "issue entries"

# --- a real mTLS handshake on loopback --------------------------------------------
cat root/root.pem >trust.pem
# Port 0: the kernel picks a free port, which s_server prints as ACCEPT.
timeout 30 openssl s_server -accept 127.0.0.1:0 -cert server.pem -key server.key \
    -cert_chain dev/ca-chain.pem -CAfile trust.pem -Verify 2 \
    -verify_return_error -naccept 1 -www </dev/null >server.out 2>&1 &
spid=$!
port=
i=0
while [ -z "$port" ] && [ $i -lt 100 ]; do
	port=$(sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\)$/\1/p' server.out)
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -ign_eof \
    -connect "127.0.0.1:${port:-1}" -cert client.pem -key client.key -cert_chain dev/ca-chain.pem -CAfile trust.pem \
    -verify_return_error -verify_hostname web.svc.dev.example.internal \
    -servername web.svc.dev.example.internal >client.out 2>&1
rc=$?
wait $spid 2>/dev/null
if [ $rc -eq 0 ] && grep -q 'Verify return code: 0 (ok)' client.out &&
    grep -q "HTTP/1.0 200 ok" client.out; then
	pass "mTLS handshake with an issued server and client certificate"
else
	fail "mTLS handshake (s_client exit $rc)"; tail -5 client.out
	tail -5 server.out
fi

done_testing
