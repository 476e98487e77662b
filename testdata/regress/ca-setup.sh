# ca-setup.sh: setting up online CAs, pki-ca-init and pki-ca-install.
#
# A P-256 root on SoftHSM2; a prod CA from policies/ca-prod.yaml with its
# key generated in a second token and a dev CA from policies/ca-dev.yaml
# with an encrypted key file; their CSRs signed by pki-root-sign under
# intermediate-prod.yaml and -dev.yaml; both installed (dev through
# PKI_CA_DIR); the CA directories' files and modes, no private key in
# the clear, the token key sensitive and not extractable, audit.log
# verifying under ca.yaml's key; a renewal for the same key accepted.
# Every bad input is refused with its exit code and nothing written:
# the directory exists, an unknown key, an unknown profile, a wrong PIN,
# a certificate for another key, one that does not chain to ROOT, a
# non-CA certificate, an expired one, a second install, a "renewal" that
# expires sooner; and a failure after the token made the key deletes it.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
softhsm_token ca-prod 123456
printf '123456\n' >"$T/pin"
printf 'wrong-pin\n' >"$T/badpin"
printf 'dev CA passphrase\n' >"$T/devpass"
cd "$T" || exit 70
P=$top/policies
unset PKI_CA_DIR

cat >root.yaml <<EOF
ceremony: { name: "Root", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Test Root" }
  validity_years: 20
backup: { method: none }
output: { directory: root }
EOF
check "root ceremony (P-256, key in the token)" \
    pki-root-keygen --rehearsal --yes --pin-file pin root.yaml

# The shipped examples, with this machine's module and profiles path.
sed -e "s#/usr/lib/softhsm/libsofthsm2.so#$SOFTHSM_MODULE#" \
    -e "s#directory: \.#directory: $P#" "$P/ca-prod.yaml" >prod-init.yaml
sed -e "s#directory: \.#directory: $P#" "$P/ca-dev.yaml" >dev-init.yaml

# --- pki-ca-init -----------------------------------------------------------
check "pki-ca-init prod (key generated in token ca-prod)" \
    pki-ca-init --ca prod --config prod-init.yaml --yes --pin-file pin
check "pki-ca-init dev (encrypted key file)" \
    pki-ca-init --ca dev --config dev-init.yaml --yes --pin-file devpass

mode() { stat -c %a "$1"; }
for d in prod dev; do
	for f in ca.yaml audit.log audit.key ca.csr inventory.db; do
		[ -f "$d/$f" ] && pass "$d/$f written" || fail "$d/$f missing"
	done
	[ "$(mode $d)" = 755 ] && [ "$(mode $d/ca.yaml)" = 644 ] &&
	    [ "$(mode $d/audit.log)" = 644 ] && [ "$(mode $d/ca.csr)" = 644 ] &&
	    pass "$d: directory, ca.yaml, audit.log and ca.csr are public" ||
	    fail "$d: public modes"
	[ "$(mode $d/audit.key)" = 600 ] && [ "$(mode $d/inventory.db)" = 600 ] &&
	    pass "$d: audit.key and inventory.db are 0600" ||
	    fail "$d: private modes"
	[ "$(mode $d/publish/crl)" = 755 ] && [ "$(mode $d/publish/ocsp)" = 755 ] &&
	    pass "$d: publish/crl and publish/ocsp, 0755" || fail "$d: publish"
	grep -q '^  installed: false$' "$d/ca.yaml" &&
	    pass "$d: ca.yaml says installed: false" || fail "$d: state"
	openssl req -in "$d/ca.csr" -noout -verify >csr.txt 2>&1
	grep -q 'verify OK' csr.txt && pass "$d: the CSR's signature verifies" ||
	    fail "$d: CSR signature"
	openssl req -in "$d/ca.csr" -noout -text >csr.txt 2>&1
	! grep -q 'X509v3' csr.txt && grep -q 'prime256v1' csr.txt &&
	    pass "$d: the CSR asks for no extension; P-256 key" ||
	    fail "$d: CSR content"
	check "$d: audit.log verifies (pki-audit)" pki-audit verify "$d/audit.log"
	grep -q '"action":"ca-init"' "$d/audit.log" &&
	    pass "$d: audit.log records ca-init" || fail "$d: no ca-init entry"
done
[ "$(mode dev/ca-key.enc)" = 600 ] && grep -q 'BEGIN PKI ENCRYPTED PRIVATE KEY' \
    dev/ca-key.enc && pass "dev: the key file is encrypted, 0600" ||
    fail "dev: key file"
if grep -rlE 'BEGIN (EC |RSA )?PRIVATE KEY' prod dev; then
	fail "a private key in the clear"
else
	pass "no file holds a private key in the clear"
fi
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label ca-prod --login \
    --pin 123456 --list-objects --type privkey >objects.txt 2>&1
grep -q 'label: *ca-prod-key' objects.txt &&
    grep -q 'Access: *sensitive, .*never extractable' objects.txt &&
    pass "prod: token key sensitive and not extractable" ||
    { fail "prod: token key attributes"; cat objects.txt; }

# --- pki-ca-init: bad inputs ----------------------------------------------------
refuse_init() {	# refuse_init CODE DESC ARGS...
	want=$1; desc=$2; shift 2
	snapshot "$T"
	expect_exit "$want" "$desc" pki-ca-init --yes "$@"
	unchanged "$T" "$desc"
}
refuse_init 73 "a CA directory that exists" --ca prod --config prod-init.yaml \
    --pin-file pin
expect_msg "prod: already exists" "the existing directory is named"
sed 's/^name: prod/name: prod\nnmae: typo/' prod-init.yaml >typo.yaml
refuse_init 78 "an unknown key in the init file" --ca prod2 --config typo.yaml \
    --pin-file pin
expect_msg 'typo.yaml line 16: unknown key "nmae"' "the key and line are named"
sed 's/allowed: \[mtls-server/allowed: [no-such-profile, mtls-server/' \
    prod-init.yaml >noprof.yaml
refuse_init 78 "a profile that does not exist" --ca prod2 --config noprof.yaml \
    --pin-file pin
expect_msg "unknown profile no-such-profile" "the profile is named"
refuse_init 77 "a wrong token PIN" --ca prod2 --config prod-init.yaml \
    --pin-file badpin
refuse_init 64 "no --ca and no PKI_CA_DIR" --config prod-init.yaml \
    --pin-file pin
expect_msg "give --ca DIR or set PKI_CA_DIR" "the message says how"
sed 's/object=ca-prod-key/object=ca-other-key/' prod-init.yaml >other.yaml
if [ "${PKI_SUITE:-release}" = release ]; then
	# Argon2id cannot get its 256 MiB: audit.key fails after the token
	# made the key (ASan's shadow memory rules out a memory limit).
	snapshot "$T"
	expect_exit 70 "a failure after the key was generated in the token" \
	    sh -c 'ulimit -v 200000; exec pki-ca-init --yes --ca prod3 \
	    --config other.yaml --pin-file pin'
	unchanged "$T" "a failure after the key was generated"
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label ca-prod --login \
	    --pin 123456 --list-objects >objects.txt 2>&1
	! grep -q 'ca-other-key' objects.txt &&
	    pass "the key made in the token was deleted again" ||
	    fail "the token still holds ca-other-key"
fi

# --- the root signs the CSRs ------------------------------------------------------
# sign NAME CSR POLICY OUT [VALIDITY_DAYS]
sign() {
	cat >"$1.yaml" <<EOF
ceremony: { name: "Sign $1", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: root/ledger.log
  transcript: root/transcript.log
sign:
  csr: $2
  policy: $P/intermediate-$3.yaml
  ${5:+validity_days: $5}
  output: { certificate: $4 }
EOF
	pki-root-sign --rehearsal --yes --pin-file pin "$1.yaml"
}
check "the root signs prod's CSR (intermediate-prod.yaml, 1000 days)" \
    sign s-prod prod/ca.csr prod prod.pem 1000
check "the root signs dev's CSR (intermediate-dev.yaml)" \
    sign s-dev dev/ca.csr dev dev.pem
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other.key -subj "/CN=Other" -out other.csr 2>/dev/null
check "the root signs a CA certificate for another key" \
    sign s-other other.csr prod other.pem

# Certificates for prod's own key from an impostor root, made with
# openssl: a good CA certificate, a non-CA one and an expired one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout evil.key -subj "/CN=Evil Root" -days 30 -out evil.pem 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >ca.ext
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >leaf.ext
openssl x509 -req -in prod/ca.csr -CA evil.pem -CAkey evil.key -days 30 \
    -set_serial 1 -extfile ca.ext -out evilca.pem 2>/dev/null
openssl x509 -req -in prod/ca.csr -CA evil.pem -CAkey evil.key -days 30 \
    -set_serial 2 -extfile leaf.ext -out noca.pem 2>/dev/null
mkdir evildb && : >evildb/index.txt && echo 03 >evildb/serial
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=evildb/index.txt\nnew_certs_dir=evildb\nserial=evildb/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >evil.cnf
openssl ca -batch -config evil.cnf -cert evil.pem -keyfile evil.key \
    -in prod/ca.csr -startdate 20200101000000Z -enddate 20210101000000Z \
    -extensions v3 -notext -out expired.pem 2>/dev/null
[ -s evilca.pem ] && [ -s noca.pem ] && [ -s expired.pem ] &&
    pass "openssl made the impostor certificates" || fail "openssl certs"

# --- pki-ca-install: bad inputs --------------------------------------------------
refuse_install() {	# refuse_install CODE DESC ARGS...
	want=$1; desc=$2; shift 2
	snapshot "$T"
	expect_exit "$want" "$desc" pki-ca-install --yes "$@"
	unchanged "$T" "$desc"
}
refuse_install 1 "a certificate for another key" --ca prod --pin-file pin \
    other.pem root/root.pem
expect_msg "its public key is not the key of CA prod" "the key mismatch is named"
refuse_install 1 "a certificate that does not chain to ROOT" --ca prod \
    --pin-file pin evilca.pem root/root.pem
expect_msg "does not chain to root/root.pem" "the chain failure is named"
refuse_install 1 "the right certificate under the wrong ROOT" --ca prod \
    --pin-file pin prod.pem evil.pem
refuse_install 1 "a certificate that is not a CA" --ca prod --pin-file pin \
    noca.pem root/root.pem
expect_msg "not a CA certificate" "basicConstraints is named"
refuse_install 1 "an expired certificate" --ca prod --pin-file pin \
    expired.pem root/root.pem
expect_msg "expired on 2021-01-01" "the expiry is named"
refuse_install 77 "a wrong token PIN at install" --ca prod --pin-file badpin \
    prod.pem root/root.pem
refuse_install 66 "a missing certificate" --ca prod --pin-file pin \
    nothere.pem root/root.pem
refuse_install 66 "a directory that is not a CA" --ca root --pin-file pin \
    prod.pem root/root.pem
grep -q '^  installed: false$' prod/ca.yaml && [ ! -e prod/ca.pem ] &&
    pass "after the refusals prod is still not installed" ||
    fail "prod installed by a refused certificate"

# --- pki-ca-install ------------------------------------------------------------
check "pki-ca-install prod" pki-ca-install --ca prod --yes --pin-file pin \
    prod.pem root/root.pem
check "pki-ca-install dev, the directory from PKI_CA_DIR" \
    env PKI_CA_DIR=dev pki-ca-install --yes --pin-file devpass dev.pem \
    root/root.pem
for d in prod dev; do
	grep -q '^  installed: true$' "$d/ca.yaml" &&
	    grep -q '^  certificate_sha256: "[0-9a-f]\{64\}"$' "$d/ca.yaml" &&
	    pass "$d: ca.yaml says installed, with the certificate's hash" ||
	    fail "$d: installed state"
	[ "$(mode $d/ca.pem)" = 644 ] && [ "$(mode $d/ca-chain.pem)" = 644 ] &&
	    [ "$(mode $d/root.pem)" = 644 ] &&
	    pass "$d: ca.pem, ca-chain.pem, root.pem written, 0644" ||
	    fail "$d: certificate files"
	cmp -s "$d/ca.pem" "$d.pem" && cmp -s "$d/root.pem" root/root.pem &&
	    cat "$d.pem" root/root.pem | cmp -s - "$d/ca-chain.pem" &&
	    pass "$d: ca-chain.pem is ca.pem then root.pem" ||
	    fail "$d: file contents"
	check "$d: ca.pem verifies under root.pem (openssl -x509_strict)" \
	    openssl verify -x509_strict -CAfile "$d/root.pem" "$d/ca.pem"
	key=$(sed -n 's/^  public_key: "\([0-9a-f]*\)"$/\1/p' "$d/ca.yaml")
	check "$d: audit.log verifies, sealed by ca.yaml's audit key" \
	    pki-audit verify --key "$key" "$d/audit.log"
	grep -q '"action":"ca-install"' "$d/audit.log" &&
	    pass "$d: audit.log records ca-install" || fail "$d: no ca-install"
done
refuse_install 73 "installing the same certificate twice" --ca prod \
    --pin-file pin prod.pem root/root.pem
expect_msg "already installed" "the message says so"

# --- renewal: same key, same subject, later notAfter ---------------------------------
check "the root signs prod's CSR again (default 1825 days)" \
    sign s-renew prod/ca.csr prod renew.pem
check "sign a shorter one (500 days)" sign s-short prod/ca.csr prod short.pem 500
refuse_install 73 "a \"renewal\" that expires sooner" --ca prod \
    --pin-file pin short.pem root/root.pem
expect_msg "no renewal" "the message says why"
check "a renewal is installed over the old certificate" \
    pki-ca-install --ca prod --yes --pin-file pin renew.pem root/root.pem
cmp -s prod/ca.pem renew.pem && pass "ca.pem is the renewed certificate" ||
    fail "ca.pem not replaced"
grep -q '"renewal":true' prod/audit.log &&
    pass "audit.log records the renewal" || fail "no renewal entry"
check "prod: audit.log still verifies" pki-audit verify prod/audit.log

done_testing
