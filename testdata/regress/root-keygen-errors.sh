# root-keygen-errors.sh: every bad input to pki-root-keygen gets its exit
# status and one sentence, and nothing is written: no output directory,
# no staging directory, no key in the token.  Also: the HSM-less key-file
# mode, backup: none, and the environment gate.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
printf '123456\n' >"$T/pin"
printf 'not-the-pin\n' >"$T/badpin"
printf 'a long demo passphrase\n' >"$T/pass"
cd "$T" || exit 70

# cfg FILE [KEY-SECTION] [BACKUP-SECTION] [EXTRA]
cfg() {
	cat >"$1" <<EOF
ceremony:
  name: "Error tests"
  administrator: "Alice"
  witnesses: ["Walter"]
key:
${2:-  type: p256
  hsm:
    module: $SOFTHSM_MODULE
    uri: "pkcs11:token=root-ca;object=root-key"}
certificate:
  subject: { common_name: "Test Root" }
  validity_years: 10
backup:
${3:-  method: shamir
  threshold: 2
  custodians: ["A", "B", "C"]}
output:
  directory: out
${4:-}
EOF
}

token_keys() {
	pkcs11-tool --module "$SOFTHSM_MODULE" --login --pin 123456 \
	    --list-objects 2>/dev/null | grep -c 'Private Key Object' || true
}

# refuse CODE DESC CONFIG [PINFILE] [EXTRA ARGS]
refuse() {
	code=$1; desc=$2; file=$3; pinfile=${4:-pin}
	snapshot "$T"
	expect_exit "$code" "$desc" pki-root-keygen --rehearsal --yes \
	    --pin-file "$pinfile" "$file"
	unchanged "$T" "$desc"
}

cfg m1.yaml "" "  method: shamir
  threshold: 1
  custodians: [\"A\", \"B\", \"C\"]"
refuse 78 "threshold M < 2" m1.yaml
expect_msg "m1.yaml line" "M < 2 names the file and line"
cfg mn.yaml "" "  method: shamir
  threshold: 4
  custodians: [\"A\", \"B\", \"C\"]"
refuse 78 "threshold M > N" mn.yaml
cfg n17.yaml "" "  method: shamir
  threshold: 2
  custodians: [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"]"
refuse 78 "N > 16 custodians" n17.yaml
cfg weak.yaml "  type: rsa2048
  hsm:
    module: $SOFTHSM_MODULE
    uri: \"pkcs11:token=root-ca;object=root-key\""
refuse 78 "weak key type rsa2048" weak.yaml
expect_msg "rsa2048" "the weak key type is named"
cfg unknown.yaml "" "" "extra_section: 1"
refuse 78 "unknown YAML key" unknown.yaml
expect_msg "extra_section" "the unknown key is named"
cfg typo.yaml "" "  method: shamir
  treshold: 2
  custodians: [\"A\", \"B\", \"C\"]"
refuse 78 "misspelt YAML key" typo.yaml
expect_msg "did you mean" "a misspelt key gets a suggestion"
refuse 66 "missing ceremony file" nosuch.yaml
cfg nomod.yaml "  type: p256
  hsm:
    module: $T/no-such-module.so
    uri: \"pkcs11:token=root-ca;object=root-key\""
refuse 69 "PKCS#11 module path unreadable" nomod.yaml
cfg good.yaml
refuse 77 "wrong PIN" good.yaml badpin
expect_msg "PIN" "the wrong PIN is named"
cfg notoken.yaml "  type: p256
  hsm:
    module: $SOFTHSM_MODULE
    uri: \"pkcs11:token=no-such-token;object=root-key\""
refuse 69 "token not present" notoken.yaml
mkdir out
refuse 73 "output directory exists" good.yaml
rmdir out
expect_exit 64 "no ceremony file given" pki-root-keygen --yes
expect_exit 64 "a PIN on the command line is not an option" \
    pki-root-keygen --pin 123456 good.yaml
expect_exit 64 "two PIN sources" \
    pki-root-keygen --pin-file pin --pin-fd 0 good.yaml

# Without a terminal and without --yes the plan cannot be confirmed.
snapshot "$T"
expect_exit 64 "no terminal and no --yes" setsid -w \
    pki-root-keygen --rehearsal --pin-file pin good.yaml
unchanged "$T" "unconfirmed plan"
[ "$(token_keys)" = 0 ] && pass "no key reached the token" ||
    fail "a key reached the token"

# The label already in the token.
check "a P-256 root with 2 of 3" \
    pki-root-keygen --rehearsal --yes --pin-file pin good.yaml
mv out first
refuse 73 "key label already in the token" good.yaml
expect_msg "already holds a key" "the existing label is named"

# The environment gate: outside --rehearsal a network interface that is
# up is refused; in a network namespace of our own only lo exists.
if ip -o link 2>/dev/null | grep -v ' lo:' | grep -q 'state UP'; then
	snapshot "$T"
	expect_exit 1 "gate refuses without --rehearsal" \
	    pki-root-keygen --yes --pin-file pin good.yaml
	expect_msg "network interface" "the gate names the interface"
	unchanged "$T" "gate refusal"
fi
if unshare -n true 2>/dev/null; then
	cfg gate.yaml "  type: p256
  hsm:
    module: $SOFTHSM_MODULE
    uri: \"pkcs11:token=root-ca;object=gate-key\""
	if unshare -n pki-root-keygen --yes --pin-file pin gate.yaml \
	    >gate.out 2>&1; then
		pass "without a network the gate lets a real ceremony run"
		grep -q '"rehearsal":false' out/transcript.log &&
		    pass "the transcript records a real (not rehearsal) run" ||
		    fail "transcript rehearsal flag"
		rm -rf out
	elif grep -q 'memory cannot be locked' gate.out; then
		pass "gate refuses: memory cannot be locked here"
	else
		fail "ceremony in a network namespace"; cat gate.out
	fi
fi

# HSM-less: an encrypted key file in the output directory.
cfg file.yaml "  type: p256
  file: root-key.enc"
check "HSM-less root with an encrypted key file" \
    pki-root-keygen --rehearsal --yes --pin-file pass file.yaml
[ "$(stat -c %a out/root-key.enc 2>/dev/null)" = 600 ] &&
    pass "key file is 0600" || fail "key file mode"
grep -q 'BEGIN PKI ENCRYPTED PRIVATE KEY' out/root-key.enc &&
    pass "key file is encrypted" || fail "key file format"
check "key-file root restores into a new key file" \
    pki-root-restore --rehearsal --yes --backup out/root-backup.bin \
    --cert out/root.pem --key-file restored.enc --pin-file pass \
    --transcript restore.log out/share-1.txt out/share-3.txt
expect_exit 73 "restore refuses an existing key file" \
    pki-root-restore --rehearsal --yes --backup out/root-backup.bin \
    --cert out/root.pem --key-file restored.enc --pin-file pass \
    out/share-1.txt out/share-3.txt
expect_exit 1 "restore with shares against the wrong certificate" \
    pki-root-restore --rehearsal --yes --backup out/root-backup.bin \
    --cert first/root.pem --key-file other.enc --pin-file pass \
    out/share-1.txt out/share-2.txt
[ ! -e other.enc ] && pass "nothing written for the wrong certificate" ||
    fail "other.enc written"
rm -rf out

# backup: none generates the key inside the token.
cfg none.yaml "  type: p256
  hsm:
    module: $SOFTHSM_MODULE
    uri: \"pkcs11:token=root-ca;object=inside-key\"" "  method: none"
check "backup: none generates the key in the HSM" \
    pki-root-keygen --rehearsal --yes --pin-file pin none.yaml
[ ! -e out/root-backup.bin ] && [ ! -e out/share-1.txt ] &&
    pass "backup: none writes no backup and no shares" ||
    fail "backup: none wrote a backup"
check "backup: none root verifies" \
    openssl verify -x509_strict -CAfile out/root.pem out/root.pem

done_testing
