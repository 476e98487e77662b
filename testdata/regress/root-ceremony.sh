# root-ceremony.sh: the root key ceremony end to end on SoftHSM2.
#
# A 3-of-5 root; every share sheet checked (text and QR); the token lost
# and the key restored from shares 1, 3 and 5 into a new token; a
# certificate signed by the restored key (through OpenSSL's own PKCS#11
# engine, an independent path) verifies under the root; too few shares,
# a typo, duplicates, foreign and edited inputs refused; resplit makes the
# old shares useless; no file holds the private key.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
printf '123456\n' >"$T/pin"
printf 'wrong-pin\n' >"$T/badpin"
cd "$T" || exit 70

# mkcfg NAME TYPE THRESHOLD "CUSTODIANS" [OUTDIR] [LABEL] [EXTRA-KEY-LINES]
mkcfg() {
	cat >"$1" <<EOF
ceremony:
  name: "Test ceremony"
  administrator: "Alice Admin"
  witnesses: ["Walter Witness"]
key:
  type: $2
  hsm:
    module: $SOFTHSM_MODULE
    uri: "pkcs11:token=root-ca;object=${6:-root-key}"
certificate:
  subject: { country: "DE", organization: "Test Org", common_name: "Test Root CA" }
  validity_years: 20
backup:
  method: shamir
  threshold: $3
  custodians: [$4]
output:
  directory: ${5:-out}
EOF
}
FIVE='"Carol", "Dave", "Erin", "Frank", "Grace"'

# --- the ceremony ---------------------------------------------------------
mkcfg good.yaml p384 3 "$FIVE"
check "3-of-5 P-384 root ceremony on SoftHSM2" \
    pki-root-keygen --rehearsal --yes --pin-file pin good.yaml
for f in root.pem root.der root-backup.bin transcript.log \
    share-1.txt share-5.txt share-3.svg share-4.pbm; do
	[ -s "out/$f" ] && pass "out/$f written" || fail "out/$f missing"
done
[ "$(stat -c %a out/share-2.txt)" = 600 ] && pass "share sheets are 0600" ||
    fail "share sheet mode $(stat -c %a out/share-2.txt)"
check "root verifies as a self-signed CA (openssl verify -x509_strict)" \
    openssl verify -x509_strict -CAfile out/root.pem out/root.pem
openssl x509 -in out/root.pem -noout -text >root.txt
grep -A1 'Basic Constraints: critical' root.txt | grep -q 'CA:TRUE$' &&
    pass "basicConstraints CA:TRUE critical, no pathLen" ||
    fail "basicConstraints"
grep -A1 'Key Usage: critical' root.txt | grep -q 'Certificate Sign, CRL Sign' &&
    pass "keyUsage keyCertSign+cRLSign critical" || fail "keyUsage"
grep -q 'ASN1 OID: secp384r1' root.txt && pass "default key type P-384" ||
    fail "key type"
check "transcript verifies (pki-audit verify)" pki-audit verify out/transcript.log
for a in start plan-confirmed root-certificate backup key-installed \
    readback restore-test seal; do
	grep -q "\"action\":\"$a\"" out/transcript.log &&
	    pass "transcript records $a" || fail "transcript lacks $a"
done
pkcs11-tool --module "$SOFTHSM_MODULE" --login --pin 123456 \
    --list-objects --type privkey >objects.txt 2>&1
grep -q 'Access:.*sensitive' objects.txt && ! grep -q 'extractable' \
    objects.txt && pass "token key is sensitive and not extractable" ||
    { fail "token key attributes"; cat objects.txt; }

# --- shares: text and QR --------------------------------------------------
check "every share verifies against the backup" \
    pki-shares verify --backup out/root-backup.bin out/share-1.txt \
    out/share-2.txt out/share-3.txt out/share-4.txt out/share-5.txt
for i in 1 2 3 4 5; do
	zbarimg -q "out/share-$i.pbm" >"qr-$i.txt" 2>/dev/null
	if pki-shares verify --backup out/root-backup.bin - <"qr-$i.txt" \
	    >qrv.txt 2>&1 && grep -q "share $i of 5" qrv.txt; then
		pass "QR of share $i decodes with zbarimg to share $i"
	else
		fail "QR of share $i"; cat qrv.txt
	fi
done
cat qr-2.txt qr-4.txt qr-5.txt >qr-three.txt
check "three QR-scanned shares on stdin open the backup" \
    pki-shares combine --backup out/root-backup.bin --cert out/root.pem - \
    <qr-three.txt
check "shares 1, 2, 3 open the backup and match the root" \
    pki-shares combine --backup out/root-backup.bin --cert out/root.pem \
    out/share-1.txt out/share-2.txt out/share-3.txt
expect_exit 1 "2 of 3 shares are refused" \
    pki-shares combine --backup out/root-backup.bin out/share-1.txt \
    out/share-2.txt
expect_msg "2 shares given, 3 needed" "too few shares named"
expect_exit 65 "the same share twice is refused" \
    pki-shares combine --backup out/root-backup.bin out/share-1.txt \
    out/share-1.txt out/share-2.txt
expect_msg "same share" "duplicate named"

# One changed character on line 3 of share 2.
awk 'f && /^03 / { c = substr($0, 5, 1); r = (c == "A") ? "B" : "A";
    $0 = substr($0, 1, 4) r substr($0, 6) } /BEGIN PKI/ { f = 1 } { print }' \
    out/share-2.txt >typo.txt
cmp -s typo.txt out/share-2.txt && fail "typo fixture unchanged"
expect_exit 65 "verify catches a one-character typo" pki-shares verify typo.txt
expect_msg "line 3" "verify names the line of the typo"
expect_exit 65 "combine refuses the share with the typo" \
    pki-shares combine --backup out/root-backup.bin out/share-1.txt \
    typo.txt out/share-3.txt
expect_msg "typo.txt line 3" "combine names the share and the line"
head -n 16 out/share-2.txt >trunc.txt
expect_exit 65 "a truncated share file is refused" pki-shares verify trunc.txt

# Edited backups.
cp out/root-backup.bin hdr-edit.bin
printf '\001' | dd of=hdr-edit.bin bs=1 seek=12 conv=notrunc 2>/dev/null
expect_exit 65 "an edited backup header is refused" \
    pki-shares combine --backup hdr-edit.bin out/share-1.txt \
    out/share-2.txt out/share-3.txt
size=$(stat -c %s out/root-backup.bin)
cp out/root-backup.bin blob-edit.bin
printf '\377' | dd of=blob-edit.bin bs=1 seek=$((size - 3)) conv=notrunc \
    2>/dev/null
expect_exit 1 "an edited backup blob does not open" \
    pki-shares combine --backup blob-edit.bin out/share-1.txt \
    out/share-2.txt out/share-3.txt

# --- disaster: the token is lost; restore from shares 1, 3 and 5 -----------
softhsm2-util --delete-token --token root-ca >/dev/null
softhsm_token root-ca 123456
snapshot "$T"
expect_exit 1 "restore with 2 shares is refused" \
    pki-root-restore --rehearsal --yes --backup out/root-backup.bin \
    --cert out/root.pem --hsm-module "$SOFTHSM_MODULE" \
    --uri "pkcs11:token=root-ca;object=root-key" --pin-file pin \
    out/share-1.txt out/share-3.txt
unchanged "$T" "restore with 2 shares"
check "restore from shares 1, 3 and 5 into a new token" \
    pki-root-restore --rehearsal --yes --backup out/root-backup.bin \
    --cert out/root.pem --hsm-module "$SOFTHSM_MODULE" \
    --uri "pkcs11:token=root-ca;object=root-key" --pin-file pin \
    --transcript restore.log out/share-1.txt out/share-3.txt out/share-5.txt
check "restore transcript verifies" pki-audit verify restore.log
expect_exit 73 "restore refuses a token that already holds the label" \
    pki-root-restore --rehearsal --yes --backup out/root-backup.bin \
    --cert out/root.pem --hsm-module "$SOFTHSM_MODULE" \
    --uri "pkcs11:token=root-ca;object=root-key" --pin-file pin \
    --transcript restore2.log out/share-1.txt out/share-3.txt \
    out/share-5.txt
[ ! -e restore2.log ] && pass "failed restore leaves no transcript" ||
    fail "failed restore left restore2.log"

# A certificate signed by the restored key, through OpenSSL's engine.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout leaf.key -subj "/CN=leaf.test" -out leaf.csr 2>/dev/null
if openssl x509 -req -in leaf.csr -engine pkcs11 -CAkeyform engine \
    -CAkey "pkcs11:token=root-ca;object=root-key;type=private;pin-value=123456" \
    -CA out/root.pem -CAcreateserial -days 1 -out leaf.pem >sign.txt 2>&1 &&
    openssl verify -CAfile out/root.pem leaf.pem >/dev/null 2>&1; then
	pass "a certificate signed by the restored token key verifies under the root"
else
	fail "signing with the restored key"; sed 's/^/      /' sign.txt | head
fi

# --- resplit ---------------------------------------------------------------
check "resplit 2 of 3 to new custodians with shares 2, 4, 5" \
    pki-shares resplit --rehearsal --yes --backup out/root-backup.bin \
    --cert out/root.pem --threshold 2 --custodian Heidi --custodian Ivan \
    --custodian Judy --out new out/share-2.txt out/share-4.txt \
    out/share-5.txt
check "new shares open the new backup" \
    pki-shares combine --backup new/root-backup.bin --cert out/root.pem \
    new/share-1.txt new/share-3.txt
expect_exit 65 "old shares do not open the new backup" \
    pki-shares combine --backup new/root-backup.bin out/share-1.txt \
    out/share-2.txt out/share-3.txt
expect_msg "share set" "the foreign share set is named"
expect_exit 65 "a share of another set is refused among good ones" \
    pki-shares combine --backup new/root-backup.bin new/share-1.txt \
    out/share-2.txt
grep -q '"action":"destroy-old"' new/transcript.log &&
    pass "resplit transcript says to destroy the old backup" ||
    fail "resplit transcript lacks destroy-old"

# --- secret hygiene: no file holds the private key ---------------------------
cc -std=c11 -D_GNU_SOURCE -I "$top/common" -o keybytes \
    "$top/testdata/regress/keybytes.c" "$top/build/release/libpki.a" \
    -Wl,-Bstatic -lp11 -lssl -lcrypto -lsodium -lyaml -lsqlite3 \
    -Wl,-Bdynamic -lqrencode -lpthread -ldl -lm 2>cc.txt ||
    { fail "build keybytes"; cat cc.txt; }
./keybytes out/root-backup.bin out/share-1.txt out/share-2.txt \
    out/share-3.txt >secrets.hex
if [ "$(wc -l <secrets.hex)" -eq 2 ] && python3 - secrets.hex out new \
    "$T/tokens" restore.log <<'PY'
import os, sys
secrets = [bytes.fromhex(l.strip()) for l in open(sys.argv[1])]
forms = []
for s in secrets:
    forms += [s, s.hex().encode(), s.hex().upper().encode()]
bad = []
for top in sys.argv[2:]:
    paths = [top] if os.path.isfile(top) else [
        os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs]
    for p in paths:
        data = open(p, 'rb').read()
        if any(f in data for f in forms):
            bad.append(p)
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
then
	pass "no output file or token file holds the root private key"
else
	fail "the private key was found in a file"
fi

done_testing
