# intermediates.sh: the root signs prod, stage and dev intermediates
# under their policies; chains verify with OpenSSL, GnuTLS and NSS; name
# constraints are enforced by all three; a revoked intermediate in the
# root CRL makes OpenSSL reject its leaves; a cross-signed second root
# carries a leaf to the first; every bad input is refused with nothing
# signed or written.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
softhsm_token root-two 123456
printf '123456\n' >"$T/pin"
cd "$T" || exit 70
P=$top/policies

# rootcfg FILE LABEL TOKEN OUTDIR YEARS
rootcfg() {
	cat >"$1" <<EOF
ceremony: { name: "Root $2", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=$3;object=$2" }
certificate:
  subject: { country: "DE", organization: "Test Org", common_name: "Test Root $2" }
  validity_years: $5
backup: { method: shamir, threshold: 2, custodians: ["A", "B", "C"] }
output: { directory: $4 }
EOF
}

# signcfg FILE ROOTDIR LABEL TOKEN "sign-lines"
signcfg() {
	cat >"$1" <<EOF
ceremony: { name: "Signing", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: $2/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=$4;object=$3" } }
  ledger: $2/ledger.log
  transcript: $2/transcript.log
$5
EOF
}

# csr NAME [openssl genpkey args] [extra req args]
csr() {
	openssl genpkey ${2:--algorithm EC -pkeyopt ec_paramgen_curve:P-256} \
	    -out "$1.key" 2>/dev/null
	openssl req -new -key "$1.key" -subj "/CN=$1 intermediate" \
	    ${3:-} -out "$1.csr" 2>/dev/null
}

sign() {	# sign NAME POLICY: pki-root-sign for NAME.csr under root1
	signcfg "$1.yaml" root1 root-key root-ca "sign:
  csr: $1.csr
  policy: $P/intermediate-$2.yaml
  output: { certificate: $1.pem, chain: $1-chain.pem }"
	pki-root-sign --rehearsal --yes --pin-file pin "$1.yaml"
}

# leaf ISSUER NAME SAN: a leaf signed with openssl by an intermediate
leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$2.key" -subj "/CN=$2" -out "$2.csr" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n' \
	    "$3" >"$2.ext"
	openssl x509 -req -in "$2.csr" -CA "$1.pem" -CAkey "$1.key" \
	    -set_serial "0x$(openssl rand -hex 16)" -days 30 -sha256 \
	    -extfile "$2.ext" -out "$2.pem" 2>/dev/null
	cat "$2.pem" "$1.pem" >"$2-chain.pem"
}

rootcfg root1.yaml root-key root-ca root1 20
check "root 1 ceremony" pki-root-keygen --rehearsal --yes --pin-file pin root1.yaml
[ -s root1/ledger.log ] && pass "the root ceremony starts the ledger" ||
    fail "no root1/ledger.log"

for n in prod stage dev; do
	csr "$n"
	check "sign the $n intermediate under its policy" sign "$n" "$n"
	check "$n chain verifies with openssl -x509_strict" \
	    openssl verify -x509_strict -CAfile root1/root.pem "$n.pem"
	check "$n passes pki-lint" pki-lint --kind intermediate "$n.pem"
done
openssl x509 -in prod.pem -noout -text >prod.txt
grep -q 'Name Constraints: critical' prod.txt && grep -q 'pathlen:0' prod.txt &&
    pass "prod carries critical name constraints and pathLen 0" ||
    fail "prod extensions"; grep -q 'DNS:svc.prod.example.internal' prod.txt &&
    pass "prod permits svc.prod.example.internal" || fail "prod subtrees"
grep -c '"kind":"intermediate"' root1/ledger.log | grep -q '^3$' &&
    pass "the ledger records three intermediates" || fail "ledger count"
check "transcript still verifies after three signings" \
    pki-audit verify root1/transcript.log

# --- name constraints: OpenSSL, GnuTLS, NSS ---------------------------------
leaf prod good DNS:api.svc.prod.example.internal
leaf prod evil DNS:api.evil.example.com
leaf dev spiffe URI:spiffe://dev.example.org/ns/web/sa/frontend
leaf dev spiffe-bad URI:spiffe://prod.example.org/ns/web/sa/frontend
check "openssl accepts a leaf inside prod's constraints" \
    openssl verify -x509_strict -CAfile root1/root.pem -untrusted prod.pem good.pem
expect_exit 2 "openssl rejects a DNS name outside prod's constraints" \
    openssl verify -x509_strict -CAfile root1/root.pem -untrusted prod.pem evil.pem
expect_msg "subtree violation" "openssl names the name constraint violation"
check "openssl accepts a SPIFFE ID inside dev's trust domain" \
    openssl verify -CAfile root1/root.pem -untrusted dev.pem spiffe.pem
expect_exit 2 "openssl rejects a SPIFFE ID outside dev's trust domain" \
    openssl verify -CAfile root1/root.pem -untrusted dev.pem spiffe-bad.pem

cat good-chain.pem root1/root.pem >good-full.pem
cat evil-chain.pem root1/root.pem >evil-full.pem
check "GnuTLS accepts the good chain (certtool --verify-chain)" \
    certtool --verify-chain --infile good-full.pem
check "GnuTLS accepts the good chain under the root (certtool --verify)" \
    certtool --verify --load-ca-certificate root1/root.pem \
    --infile good-chain.pem
if certtool --verify-chain --infile evil-full.pem >gnutls.txt 2>&1 ||
    certtool --verify --load-ca-certificate root1/root.pem \
    --infile evil-chain.pem >>gnutls.txt 2>&1; then
	fail "GnuTLS accepted a name outside the constraints"
else
	pass "GnuTLS rejects a DNS name outside prod's constraints"
fi

mkdir nss
certutil -N -d sql:nss --empty-password >/dev/null 2>&1
certutil -A -d sql:nss -n root -t "CT,C,C" -i root1/root.pem
certutil -A -d sql:nss -n prod -t ",," -i prod.pem
certutil -A -d sql:nss -n good -t ",," -i good.pem
certutil -A -d sql:nss -n evil -t ",," -i evil.pem
check "NSS accepts the good leaf" certutil -V -d sql:nss -n good -u V
if certutil -V -d sql:nss -n evil -u V >nss.txt 2>&1; then
	fail "NSS accepted a name outside the constraints"
else
	pass "NSS rejects a DNS name outside prod's constraints"
fi

# --- the root CRL revokes dev -------------------------------------------------
dev_serial=$(openssl x509 -in dev.pem -noout -serial | cut -d= -f2)
signcfg crl.yaml root1 root-key root-ca "crl:
  validity_days: 30
  output: root1.crl"
check "pki-root-crl revokes dev (keyCompromise)" pki-root-crl --rehearsal \
    --yes --pin-file pin --revoke "$dev_serial" --reason keyCompromise crl.yaml
check "the root CRL verifies under the root" \
    openssl crl -in root1.crl -CAfile root1/root.pem -noout
openssl crl -in root1.crl -noout -text >crl.txt
grep -q "Serial Number: $dev_serial" crl.txt && grep -q 'Key Compromise' crl.txt &&
    pass "the CRL lists dev with its reason" || fail "CRL content"
# dev's own (empty) CRL, made with openssl ca, so -crl_check_all has
# a CRL for every level.
mkdir -p devca/new && : >devca/index.txt && echo 01 >devca/crlnumber
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=devca/index.txt\ncrlnumber=devca/crlnumber\ndefault_md=sha256\ndefault_crl_days=1\n' >devca.cnf
openssl ca -config devca.cnf -gencrl -cert dev.pem -keyfile dev.key \
    -out dev.crl 2>/dev/null
cat root1.crl dev.crl >crls.pem
expect_exit 2 "openssl -crl_check_all rejects a leaf under the revoked dev" \
    openssl verify -crl_check_all -CAfile root1/root.pem -untrusted dev.pem \
    -CRLfile crls.pem spiffe.pem
expect_msg "revoked" "openssl says revoked"

# --- cross-signing a second root -----------------------------------------------
rootcfg root2.yaml root-key-2 root-two root2 20
check "root 2 ceremony" pki-root-keygen --rehearsal --yes --pin-file pin root2.yaml
signcfg cross.yaml root1 root-key root-ca "sign:
  cross_sign: root2/root.pem
  policy: $P/cross-sign.yaml
  output: { certificate: cross.pem, chain: cross-chain.pem }"
check "root 1 cross-signs root 2" pki-root-sign --rehearsal --yes \
    --pin-file pin cross.yaml
[ "$(openssl x509 -in cross.pem -noout -subject)" = \
  "$(openssl x509 -in root2/root.pem -noout -subject)" ] &&
    pass "the cross-certificate keeps root 2's subject" || fail "cross subject"
[ "$(openssl x509 -in cross.pem -noout -ext subjectKeyIdentifier | tail -1)" = \
  "$(openssl x509 -in root2/root.pem -noout -ext subjectKeyIdentifier | tail -1)" ] &&
    pass "the cross-certificate keeps root 2's SKI" || fail "cross SKI"
csr two
signcfg two.yaml root2 root-key-2 root-two "sign:
  csr: two.csr
  policy: $P/intermediate-prod.yaml
  output: { certificate: two.pem, chain: two-chain.pem }"
check "root 2 signs an intermediate" pki-root-sign --rehearsal --yes \
    --pin-file pin two.yaml
leaf two twoleaf DNS:www.svc.prod.example.internal
cat two.pem cross.pem >cross-path.pem
check "a leaf under root 2 verifies to root 1 through the cross-certificate" \
    openssl verify -x509_strict -CAfile root1/root.pem -untrusted cross-path.pem \
    twoleaf.pem

# --- bad inputs: nothing signed or written ------------------------------------
refuse_sign() {	# refuse CODE DESC YAML
	snapshot "$T"
	expect_exit "$1" "$2" pki-root-sign --rehearsal --yes --pin-file pin "$3"
	unchanged "$T" "$2"
}
csr badsig
# flip a byte near the end of the DER (inside the signature)
openssl req -in badsig.csr -outform DER -out badsig.der
size=$(stat -c %s badsig.der)
printf '\001' | dd of=badsig.der bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
cp badsig.der bad1.csr
signcfg bad1.yaml root1 root-key root-ca "sign: { csr: bad1.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b1.pem, chain: b1c.pem } }"
refuse_sign 65 "a CSR with a bad signature" bad1.yaml
expect_msg "signature" "the bad signature is named"
csr rsa2048 "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
signcfg bad2.yaml root1 root-key root-ca "sign: { csr: rsa2048.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b2.pem, chain: b2c.pem } }"
refuse_sign 65 "an RSA-2048 CSR" bad2.yaml
csr p521 "-algorithm EC -pkeyopt ec_paramgen_curve:P-521"
signcfg bad3.yaml root1 root-key root-ca "sign: { csr: p521.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b3.pem, chain: b3c.pem } }"
refuse_sign 65 "a P-521 CSR (curve not listed)" bad3.yaml
csr pathlen "" "-addext basicConstraints=critical,CA:TRUE,pathlen:5"
signcfg bad4.yaml root1 root-key root-ca "sign: { csr: pathlen.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b4.pem, chain: b4c.pem } }"
refuse_sign 1 "a CSR asking for CA:TRUE with pathLen 5" bad4.yaml
expect_msg "pathLen 5" "the requested pathLen is named"
csr withsan "" "-addext subjectAltName=DNS:evil.example.com"
signcfg bad5.yaml root1 root-key root-ca "sign: { csr: withsan.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b5.pem, chain: b5c.pem } }"
refuse_sign 1 "a CSR asking for an extension the policy does not grant" bad5.yaml
rootcfg short.yaml short-key root-ca short 1
check "a 1-year root" pki-root-keygen --rehearsal --yes --pin-file pin short.yaml
signcfg bad6.yaml short short-key root-ca "sign: { csr: prod.csr, policy: $P/intermediate-prod.yaml, validity_days: 730, output: { certificate: b6.pem, chain: b6c.pem } }"
refuse_sign 1 "validity past the root's notAfter" bad6.yaml
expect_msg "notAfter" "the root's notAfter is named"
signcfg bad7.yaml root2 root-key root-ca "sign: { csr: prod.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b7.pem, chain: b7c.pem } }"
refuse_sign 1 "a root key that does not match the root certificate" bad7.yaml
cp -r root1 edited && sed -i '0,/"kind":"root"/s//"kind":"rooT"/' edited/ledger.log
signcfg bad8.yaml edited root-key root-ca "sign: { csr: prod.csr, policy: $P/intermediate-prod.yaml, output: { certificate: b8.pem, chain: b8c.pem } }"
refuse_sign 65 "an edited ledger" bad8.yaml
signcfg bad9.yaml root1 root-key root-ca "sign: { csr: prod.csr, policy: $P/intermediate-prod.yaml, output: { certificate: prod.pem, chain: b9c.pem } }"
refuse_sign 73 "an output that exists" bad9.yaml
snapshot "$T"
expect_exit 66 "revoking an unknown serial" pki-root-crl --rehearsal --yes \
    --pin-file pin --revoke 0123456789ABCDEF --reason keyCompromise crl.yaml
unchanged "$T" "revoking an unknown serial"

done_testing
