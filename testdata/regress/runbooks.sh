# runbooks.sh: the runbooks in scripts/runbooks/ run as written, on
# SoftHSM2 with rehearsal roots, and their outcome is checked with openssl
# and the programs themselves.
#
# Each runbook's `sh` fenced blocks are extracted in order and run in one
# shell under set -e, after this test's own values for the variables of
# its `sh site` block (every variable the site block names must be set
# here, so that a new one cannot go unnoticed); `text` blocks are not
# run.  Covered: the OCSP signer rotation (new signer, every response
# re-signed by it), the intermediate compromise (the root CRL revokes dev
# and openssl -crl_check_all then rejects its leaf; the leaf re-issued by
# the new intermediate verifies with CRL checks), a custodian leaving
# (the re-split backup opens with the new shares only), the HSM restore
# (the key restored into a new token signs a root CRL that verifies) and
# the root rollover (a leaf under the new root's intermediate verifies
# to the new root, and to the old one through the cross-certificate).  Release suite only: the programs are the same in both.
. "$(dirname "$0")/lib.sh"

[ "${PKI_SUITE:-release}" = release ] || exit 0
RB=$top/scripts/runbooks

# runbook_blocks FILE: the `sh` blocks of FILE, in order.
runbook_blocks() {
	awk 'st == 0 && /^```/ { info = substr($0, 4); sub(/[ \t]+$/, "", info)
		st = info == "sh" ? 1 : 2; next }
	st != 0 && /^```[ \t]*$/ { st = 0; next }
	st == 1 { print }' "$1"
}

# site_vars FILE: the variables the `sh site` block of FILE sets.
site_vars() {
	awk '/^```sh site[ \t]*$/ { on = 1; next } on && /^```/ { exit }
	on && /^[A-Z_][A-Z0-9_]*=/ { sub(/=.*/, ""); print }' "$1"
}

# runbook NAME SITE: run scripts/runbooks/NAME.md with the settings in
# the file SITE; the log is in $T/NAME.log.
runbook() {
	rb=$RB/$1.md
	vars=$(site_vars "$rb")
	[ -n "$vars" ] && pass "$1: has a site block" || fail "$1: no site block"
	for v in $vars; do
		grep -q "^$v=" "$2" || fail "$1: the test does not set $v"
	done
	[ -n "$(runbook_blocks "$rb")" ] || fail "$1: no sh blocks"
	{ cat "$2"; echo 'set -ex'; runbook_blocks "$rb"; } >"$T/$1.sh"
	if (cd "$T" && sh -e "$T/$1.sh") >"$T/$1.log" 2>&1; then
		pass "$1: every step runs"
	else
		fail "$1: a step failed"; tail -n 15 "$T/$1.log" | sed 's/^/      /'
	fi
}

serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# --- a dev CA with a leaf, a CRL and OCSP responses ----------------------------
dev_ca_setup "mtls-server"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout old.key -subj "/CN=web.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:web.svc.dev.example.internal" \
    -out old.csr 2>/dev/null
check "issue a leaf from dev" pki-issue --profile mtls-server --csr old.csr \
    --out old.pem
check "dev's OCSP signer" pki-ocsp init-signer
check "dev's first CRL" pki-crl
check "dev's first OCSP responses" pki-ocsp refresh

# --- an expiring OCSP signer ---------------------------------------------------
old_signer=$(serial dev/ocsp-signer.pem)
cat >site-ocsp.sh <<EOF
CA=$T/dev
OCSP_DIR=$T/dev/publish/ocsp
EOF
runbook ocsp-signer-rotation site-ocsp.sh
[ "$(serial dev/ocsp-signer.pem)" != "$old_signer" ] &&
    pass "ocsp-signer-rotation: a new signer" || fail "the signer is the same"
s=$(serial old.pem)
openssl ocsp -issuer dev/ca.pem -cert old.pem -respin "dev/publish/ocsp/$s.der" \
    -CAfile root/root.pem -VAfile dev/ocsp-signer.pem -no_nonce \
    >ocsp.txt 2>&1
grep -q "Response verify OK" ocsp.txt && grep -q "old.pem: good" ocsp.txt &&
    pass "ocsp-signer-rotation: the leaf's response is signed by the new signer" ||
    { fail "leaf response after rotation"; sed 's/^/      /' ocsp.txt; }

# --- an intermediate key compromise ----------------------------------------------
softhsm_token dev2-ca 246810
printf '246810\n' >dev2.pin
sed -e 's/^name: dev$/name: dev2/' -e 's/object=dev-key/object=dev2-key/' \
    -e 's/token=dev-ca/token=dev2-ca/' -e "s|pin_file: .*|pin_file: $T/dev2.pin|" \
    -e 's/Example Corp Dev CA/Example Corp Dev CA 2/' dev-init.yaml >dev-2-init.yaml
cat >site-compromise.sh <<EOF
OLD_CA=$T/dev
NEW_CA=$T/dev-2
NEW_INIT=$T/dev-2-init.yaml
WORK=$T/work
MEDIA=$T/media
WEBROOT=$T/www
ROOT_DIR=$T/root
HSM_MODULE=$SOFTHSM_MODULE
ROOT_URI="pkcs11:token=root-ca;object=root-key"
POLICIES=$top/policies
COMPROMISE_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ)
CEREMONY_FLAGS="--rehearsal --yes --pin-file $T/root.pin"
ONLINE_FLAGS=--yes
EOF
runbook intermediate-compromise site-compromise.sh
cat media/root.crl.pem dev/publish/crl/dev.crl >crls-old.pem
expect_exit 2 "intermediate-compromise: openssl -crl_check_all rejects dev's leaf" \
    openssl verify -crl_check_all -CAfile root/root.pem -untrusted dev/ca.pem \
    -CRLfile crls-old.pem old.pem
expect_msg "revoked" "intermediate-compromise: openssl says revoked"
openssl crl -in media/root.crl.pem -noout -text >rootcrl.txt 2>&1
grep -A5 "Serial Number: $(serial dev/ca.pem)" rootcrl.txt |
    grep -q "Key Compromise" &&
    pass "intermediate-compromise: the root CRL gives keyCompromise" ||
    fail "root CRL reason"
cmp -s www/root.crl media/root.crl.der &&
    openssl crl -inform DER -in www/root.crl -CAfile root/root.pem -noout \
    2>/dev/null && pass "intermediate-compromise: the DER root CRL is published" ||
    fail "published root CRL"
new=work/reissued/$s.pem
cat media/root.crl.pem dev-2/publish/crl/dev2.crl >crls-new.pem 2>/dev/null
check "intermediate-compromise: the re-issued leaf verifies with CRL checks" \
    openssl verify -crl_check_all -CAfile root/root.pem -untrusted dev-2/ca.pem \
    -CRLfile crls-new.pem "$new"
[ "$(openssl x509 -in "$new" -noout -ext subjectAltName 2>&1 | tail -1)" = \
  "$(openssl x509 -in old.pem -noout -ext subjectAltName 2>&1 | tail -1)" ] &&
    [ "$(openssl x509 -in "$new" -noout -issuer)" = \
      "$(openssl x509 -in dev-2/ca.pem -noout -subject | sed 's/^subject/issuer/')" ] &&
    pass "intermediate-compromise: same names, issued by the new CA" ||
    fail "re-issued leaf names or issuer"
[ "$(ls work/reissued/*.pem | grep -vc fullchain)" = 1 ] &&
    pass "intermediate-compromise: one leaf to re-issue (the signer is not)" ||
    fail "re-issued: $(ls work/reissued)"

# --- a root rollover -------------------------------------------------------------
softhsm_token root-2036 123456
softhsm_token prod36-ca 135790
printf '135790\n' >prod36.pin
cat >root-2036.yaml <<EOF
ceremony: { name: "Root 2036", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-2036;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Root 2036" }
  validity_years: 20
backup: { method: shamir, threshold: 2, custodians: ["Ann", "Bob", "Cid"] }
output: { directory: $T/root-2036 }
EOF
sed -e 's/^name: dev$/name: prod2036/' -e 's/object=dev-key/object=prod36-key/' \
    -e 's/token=dev-ca/token=prod36-ca/' -e "s|pin_file: .*|pin_file: $T/prod36.pin|" \
    -e 's/Example Corp Dev CA/Example Corp Prod 2036 CA/' dev-init.yaml >prod36-init.yaml
cat >site-rollover.sh <<EOF
OLD_ROOT_DIR=$T/root
OLD_ROOT_URI="pkcs11:token=root-ca;object=root-key"
NEW_CEREMONY=$T/root-2036.yaml
NEW_ROOT_DIR=$T/root-2036
NEW_ROOT_URI="pkcs11:token=root-2036;object=root-key"
HSM_MODULE=$SOFTHSM_MODULE
POLICIES=$top/policies
MEDIA=$T/media36
NEW_CA=$T/prod-2036
NEW_INIT=$T/prod36-init.yaml
CEREMONY_FLAGS="--rehearsal --yes --pin-file $T/root.pin"
ONLINE_FLAGS=--yes
EOF
runbook root-rollover site-rollover.sh
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout r36.key -subj "/CN=api.svc.prod.example.internal" \
    -addext "subjectAltName=DNS:api.svc.prod.example.internal" \
    -out r36.csr 2>/dev/null
check "root-rollover: the new CA issues a leaf" pki-issue --ca prod-2036 \
    --profile mtls-server --csr r36.csr --out r36.pem
check "root-rollover: the leaf verifies to the new root" \
    openssl verify -x509_strict -CAfile root-2036/root.pem \
    -untrusted prod-2036/ca.pem r36.pem
check "root-rollover: and to the old root through the bridge bundle" \
    openssl verify -x509_strict -CAfile root/root.pem \
    -untrusted media36/prod-2036-bridge.pem r36.pem
grep -c '"kind":"cross"' root/ledger.log | grep -q '^1$' &&
    pass "root-rollover: the old root's ledger records the cross-certificate" ||
    fail "no cross entry in the old root's ledger"

# --- a root with a Shamir backup: a custodian leaves, then the HSM breaks ------
softhsm_token root-sh 123456
cat >vault.yaml <<EOF
ceremony: { name: "Vault root", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-sh;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Vault Root" }
  validity_years: 20
backup: { method: shamir, threshold: 2, custodians: ["Carol", "Dave", "Erin"] }
output: { directory: vault }
EOF
check "a 2-of-3 root" pki-root-keygen --rehearsal --yes --pin-file root.pin \
    vault.yaml
mkdir old-set && cp vault/share-*.txt vault/root-backup.bin old-set/
cat >site-custodian.sh <<EOF
ROOT_DIR=$T/vault
SHARES="$T/vault/share-2.txt $T/vault/share-3.txt"
NEW_SET=$T/resplit
CEREMONY_FLAGS="--rehearsal --yes"
EOF
runbook custodian-leaving site-custodian.sh
expect_exit 65 "custodian-leaving: the old shares do not open the backup now" \
    pki-shares combine --backup vault/root-backup.bin old-set/share-2.txt \
    old-set/share-3.txt
check "custodian-leaving: new shares 4 and 5 and 2 open it" \
    pki-shares combine --backup vault/root-backup.bin --cert vault/root.pem \
    resplit/share-4.txt resplit/share-5.txt resplit/share-2.txt
grep -q '"action":"destroy-old"' vault/resplit-transcript.log &&
    pass "custodian-leaving: the transcript says to destroy the old set" ||
    fail "no destroy-old in the re-split transcript"

softhsm2-util --delete-token --token root-sh >/dev/null
softhsm_token root-sh-2 123456
cat >site-restore.sh <<EOF
ROOT_DIR=$T/vault
SHARES="$T/resplit/share-1.txt $T/resplit/share-3.txt $T/resplit/share-5.txt"
HSM_MODULE=$SOFTHSM_MODULE
ROOT_URI="pkcs11:token=root-sh-2;object=root-key"
CEREMONY_FLAGS="--rehearsal --yes --pin-file $T/root.pin"
EOF
runbook hsm-restore site-restore.sh
check "hsm-restore: the CRL signed by the restored key verifies" \
    openssl crl -in vault/root.crl.pem -CAfile vault/root.pem -noout
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label root-sh-2 --login \
    --pin 123456 --list-objects --type privkey >objects.txt 2>&1
grep -q 'label:.*root-key' objects.txt && grep -q 'Access:.*sensitive' objects.txt &&
    ! grep -q 'extractable' objects.txt &&
    pass "hsm-restore: the new token holds the key, sensitive, not extractable" ||
    { fail "restored key attributes"; sed 's/^/      /' objects.txt; }
grep -q '"action":"root-key-restored"' vault/transcript.log &&
    check "hsm-restore: the root's transcript verifies" \
    pki-audit verify vault/transcript.log ||
    fail "no root-key-restored in the transcript"

done_testing
