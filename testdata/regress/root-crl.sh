# root-crl.sh: the root's CRL from its ledger, on SoftHSM2.
#
# A P-256 root; its first CRL is empty, number 1, and verifies with
# openssl crl -CAfile; an unknown serial, a bad reason, an edited ledger,
# a foreign file at the output and a ledger of another root are refused
# with their exit codes and nothing written; once pki-root-sign exists,
# an intermediate revoked for keyCompromise appears in CRL number 2 with
# its reason, the previous CRL is replaced, and revoking it again for the
# same reason is refused.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
printf '123456\n' >"$T/pin"
cd "$T" || exit 70

cat >root.yaml <<EOF
ceremony: { name: "CRL test root", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Test Org", common_name: "CRL Test Root" }
  validity_years: 10
backup: { method: none }
output: { directory: root }
EOF

# crlcfg FILE [LEDGER] [OUTPUT] [DAYS]
crlcfg() {
	cat >"$1" <<EOF
ceremony: { name: "Root CRL", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: ${2:-root/ledger.log}
  transcript: root/transcript.log
crl: { validity_days: ${4:-30}, output: ${3:-root.crl.pem} }
EOF
}

crl() {	# crl CONFIG [options...]
	cfg=$1; shift
	pki-root-crl --rehearsal --yes --pin-file pin "$@" "$cfg"
}

# fields FILE: the CRL's text dump, for grep.
fields() { openssl crl -in "$1" -noout -text 2>&1; }

check "root ceremony (P-256, key in the token)" \
    pki-root-keygen --rehearsal --yes --pin-file pin root.yaml
if [ ! -s root/ledger.log ]; then
	fail "pki-root-keygen wrote no root/ledger.log; nothing to test"
	done_testing
	exit
fi
crlcfg crl.yaml

# --- the first CRL: empty, number 1 -----------------------------------------
check "the first CRL" crl crl.yaml
check "openssl crl -CAfile verifies it" \
    openssl crl -in root.crl.pem -CAfile root/root.pem -noout
fields root.crl.pem >crl1.txt
grep -q 'No Revoked Certificates' crl1.txt && pass "no entries" ||
    fail "entries in the first CRL"
grep -A1 'CRL Number' crl1.txt | grep -qx ' *1' && pass "CRL number 1" ||
    { fail "CRL number"; cat crl1.txt; }
grep -A1 'Issuing Distribution Point: critical' crl1.txt |
    grep -q 'Only CA Certificates' &&
    pass "IDP critical with onlyContainsCACerts" || fail "IDP"
grep -q 'Version 2' crl1.txt && grep -q 'Authority Key Identifier' crl1.txt &&
    pass "v2 with an AKI" || fail "version or AKI"
openssl crl -in root.crl.pem -outform DER | cmp -s - root.crl.der &&
    pass "root.crl.der is the same CRL in DER" || fail "DER copy differs"
last=$(openssl crl -in root.crl.pem -noout -lastupdate | cut -d= -f2)
next=$(openssl crl -in root.crl.pem -noout -nextupdate | cut -d= -f2)
days=$(( ($(date -d "$next" +%s) - $(date -d "$last" +%s)) / 86400 ))
[ "$days" -eq 30 ] && pass "nextUpdate is thisUpdate + 30 days" ||
    fail "validity $days days"
check "the ledger still verifies (pki-audit verify)" \
    pki-audit verify root/ledger.log
grep -q '"action":"crl","number":1,' root/ledger.log &&
    pass "the ledger records CRL 1" || fail "ledger lacks CRL 1"
check "the transcript verifies" pki-audit verify root/transcript.log
grep -q '"program":"pki-root-crl","version":"[^"]*","action":"crl"' \
    root/transcript.log && pass "the transcript records the CRL" ||
    fail "transcript lacks the CRL"

# --- refusals: nothing signed or written -----------------------------------
cp root/ledger.log ledger.before
cp root/transcript.log transcript.before
cp root.crl.pem crl.before
snapshot "$T"
expect_exit 66 "revoking a serial the root never issued" \
    crl crl.yaml --revoke 0BADC0DE --reason keyCompromise
expect_msg "serial 0BADC0DE was not issued by this root" "names the serial"
expect_exit 64 "an unknown reason" \
    crl crl.yaml --revoke 0BADC0DE --reason stolen
expect_msg "valid: unspecified, keyCompromise" "lists the valid reasons"
expect_exit 64 "--revoke without --reason" crl crl.yaml --revoke 0BADC0DE
expect_exit 64 "--reason without --revoke" crl crl.yaml --reason superseded
rootserial=$(openssl x509 -in root/root.pem -noout -serial | cut -d= -f2)
expect_exit 65 "revoking the root itself" \
    crl crl.yaml --revoke "$rootserial" --reason keyCompromise
unchanged "$T" "refused revocations"
cmp -s root/ledger.log ledger.before && cmp -s root/transcript.log \
    transcript.before && cmp -s root.crl.pem crl.before &&
    pass "ledger, transcript and CRL untouched" || fail "a file changed"

# An edited ledger: one byte.
cp -r root edited
sed -i '1s/"kind":"root"/"kind":"rooT"/' edited/ledger.log
cmp -s root/ledger.log edited/ledger.log && fail "ledger edit had no effect"
crlcfg edited.yaml edited/ledger.log edited.crl.pem
snapshot "$T"
expect_exit 65 "an edited ledger is refused" crl edited.yaml
expect_msg "edited/ledger.log: line 2: prev does not match line 1" \
    "the message names the line"
expect_msg "the ledger was edited" "and says the ledger was edited"
unchanged "$T" "an edited ledger"

# A foreign file where the CRL goes.
echo "not a CRL" >foreign.pem
crlcfg foreign.yaml root/ledger.log foreign.pem
snapshot "$T"
expect_exit 73 "an output that is not a recorded CRL" crl foreign.yaml
expect_msg "foreign.pem exists and is not a CRL" "names the output"
unchanged "$T" "a foreign output"
cp root.crl.pem stranger.pem
openssl crl -in stranger.pem -outform DER -out stranger.der
printf '\001' | dd of=stranger.der bs=1 seek=40 conv=notrunc 2>/dev/null
crlcfg stranger.yaml root/ledger.log stranger.pem
expect_exit 73 "a DER copy that is not a recorded CRL" crl stranger.yaml

# A ledger of another root.
softhsm_token other-ca 123456
sed -e 's/root-ca/other-ca/; s/directory: root/directory: other/' \
    root.yaml >other.yaml
pki-root-keygen --rehearsal --yes --pin-file pin other.yaml >/dev/null 2>&1
if [ -s other/ledger.log ]; then
	crlcfg mixed.yaml other/ledger.log mixed.pem
	expect_exit 65 "another root's ledger is refused" crl mixed.yaml
	expect_msg "belongs to another root" "says whose ledger it is"
fi

# --- revoking an intermediate (needs pki-root-sign) ------------------------
if ! command -v pki-root-sign >/dev/null 2>&1; then
	echo "# $name: pki-root-sign is not built yet; revocation of a signed" \
	    "intermediate not tested"
	done_testing
	exit
fi
# signit NAME: pki-root-sign signs NAME.csr under the dev policy.
signit() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key" 2>/dev/null
	openssl req -new -key "$1.key" -subj "/CN=$1 intermediate" \
	    -out "$1.csr"
	cat >"$1.yaml" <<EOF
ceremony: { name: "Sign", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: root/ledger.log
  transcript: root/transcript.log
sign:
  csr: $1.csr
  policy: $top/policies/intermediate-dev.yaml
  output: { certificate: $1.pem, chain: $1-chain.pem }
EOF
	pki-root-sign --rehearsal --yes --pin-file pin "$1.yaml"
}
check "pki-root-sign signs an intermediate" signit int
serial=$(openssl x509 -in int.pem -noout -serial | cut -d= -f2)
check "revoke it for keyCompromise" \
    crl crl.yaml --revoke "$serial" --reason keyCompromise
check "CRL 2 verifies" openssl crl -in root.crl.pem -CAfile root/root.pem -noout
fields root.crl.pem >crl2.txt
grep -A1 'CRL Number' crl2.txt | grep -qx ' *2' && pass "CRL number 2" ||
    fail "CRL number"
grep -q "Serial Number: $serial" crl2.txt && pass "the serial is listed" ||
    { fail "serial $serial not listed"; cat crl2.txt; }
grep -A4 "Serial Number: $serial" crl2.txt | grep -q 'Key Compromise' &&
    pass "with reason keyCompromise" || fail "reason missing"
openssl verify -crl_check -CRLfile root.crl.pem -CAfile root/root.pem \
    int.pem >verify.txt 2>&1
grep -q 'certificate revoked' verify.txt &&
    pass "openssl verify -crl_check rejects the intermediate" ||
    { fail "the revoked intermediate still verifies"; cat verify.txt; }
grep -q '"action":"revoked","serial":"'"$serial"'","reason":"keyCompromise"' \
    root/ledger.log && pass "the ledger records the revocation" ||
    fail "ledger lacks the revocation"
check "ledger verifies after the revocation" pki-audit verify root/ledger.log
cp root/ledger.log ledger.before
snapshot "$T"
expect_exit 65 "revoking it again for the same reason" \
    crl crl.yaml --revoke "$serial" --reason keyCompromise
expect_msg "already revoked" "says it is already revoked"
unchanged "$T" "a repeated revocation"
cmp -s root/ledger.log ledger.before && pass "ledger untouched" ||
    fail "ledger changed"


# Superseded first, then found to be compromised earlier: the reason may
# change to keyCompromise, with the earlier date.
check "pki-root-sign signs a second intermediate" signit two
serial2=$(openssl x509 -in two.pem -noout -serial | cut -d= -f2)
check "revoke it as superseded" crl crl.yaml --revoke "$serial2" \
    --reason superseded
fields root.crl.pem >crl3.txt
grep -A1 'CRL Number' crl3.txt | grep -qx ' *3' &&
    grep -A4 "Serial Number: $serial2" crl3.txt | grep -q Superseded &&
    grep -q "Serial Number: $serial" crl3.txt &&
    pass "CRL 3 lists both, the second as superseded" ||
    { fail "CRL 3"; cat crl3.txt; }
when=$(date -u -d "$last" +%Y-%m-%dT%H:%M:%SZ)
check "re-revoke it for keyCompromise as of $when" crl crl.yaml \
    --revoke "$serial2" --reason keyCompromise --time "$when"
fields root.crl.pem >crl4.txt
grep -A4 "Serial Number: $serial2" crl4.txt | grep -q 'Key Compromise' &&
    grep -A1 "Serial Number: $serial2" crl4.txt | grep -q "$last" &&
    pass "CRL 4: keyCompromise, revoked at the earlier time" ||
    { fail "CRL 4"; cat crl4.txt; }
expect_exit 64 "a revocation time in the future" crl crl.yaml \
    --revoke "$serial2" --reason keyCompromise --time 2099-01-01T00:00:00Z
check "the ledger verifies at the end" pki-audit verify root/ledger.log
check "the transcript verifies at the end" \
    pki-audit verify root/transcript.log

done_testing
