# renew.sh: pki-renew, renew-if-due with a deploy hook.
#
# A dev CA on SoftHSM2 set up through the ceremony programs (as
# ca-setup.sh and issue.sh do), with a profiles directory of its own in
# $T: mtls-server as shipped and flags-server, which takes names by flag
# only.  Short-lived certificates (--lifetime 1h and 5m) are then: left
# alone while not due (files byte-identical, --check exits 1); renewed
# when --before or --ratio makes them due, with a new key (0600, of the
# same type, matching the new certificate, same CN, names and profile,
# verifying against the root through the chain) or the same key
# (--reuse-key); the hook sees PKI_* in its environment and its output
# stays off stdout; a failing hook exits 1 after the files were
# replaced; a wrong PIN, a foreign certificate, a key of another
# certificate, a symbolic link, an unknown serial and bad options change
# nothing; --dry-run changes nothing; an interrupted renewal is
# completed, or its leftovers removed; JSON output parses.
. "$(dirname "$0")/lib.sh"

softhsm_setup
softhsm_token root-ca 123456
softhsm_token dev-ca 654321
printf '123456\n' >"$T/root.pin"
printf '654321\n' >"$T/dev.pin"
printf 'wrong-pin\n' >"$T/bad.pin"
cd "$T" || exit 70
P=$top/policies

# --- a dev CA ---------------------------------------------------------------
mkdir profiles
cp "$P/mtls-server.yaml" profiles/
sed -e 's/^profile: mtls-server/profile: flags-server/' \
    -e 's/^  from_csr: true /  from_csr: false/' \
    "$P/mtls-server.yaml" >profiles/flags-server.yaml
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
profiles:
  directory: $T/profiles
  allowed: [mtls-server, flags-server]
issuance: { backdate: 1m }
crl: { validity: 2d, shards: 1, delta: false }
ocsp: { validity: 1d, refresh: 12h }
publish: { crl: publish/crl, ocsp: publish/ocsp }
EOF
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
  output: { certificate: dev.pem }
EOF
check "root ceremony" pki-root-keygen --rehearsal --yes --pin-file root.pin \
    root.yaml
check "pki-ca-init dev" pki-ca-init --ca dev --config dev-init.yaml --yes
check "pki-root-sign dev" pki-root-sign --rehearsal --yes \
    --pin-file root.pin sign-dev.yaml
check "pki-ca-install dev" pki-ca-install --ca dev --yes dev.pem root/root.pem
export PKI_CA_DIR=$T/dev

serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
pubkey() { openssl pkey -in "$1" -pubout 2>/dev/null; }
certkey() { openssl x509 -in "$1" -noout -pubkey; }
names() { openssl x509 -in "$1" -noout -subject -ext subjectAltName |
    grep -v '^X509v3'; }
rows() { sqlite3 dev/inventory.db "SELECT count(*) FROM certs;"; }
verify() { openssl verify -x509_strict -CAfile root/root.pem \
    -untrusted "$2" "$1"; }
save() { for f in "$@"; do cp -p "$f" "$f.orig"; done; }
same() {	# same DESC FILE...: each FILE is byte-identical to FILE.orig
	desc=$1; shift
	for f in "$@"; do
		cmp -s "$f" "$f.orig" || { fail "$desc: $f changed"; return; }
	done
	pass "$desc: files byte-identical"
}
json_ok() { python3 -m json.tool "$1" >/dev/null 2>&1; }

# The service's certificate: CN and SANs from a CSR, the key from openssl.
san=DNS:web.svc.dev.example.internal,DNS:www.svc.dev.example.internal
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout web.key -subj "/CN=web.svc.dev.example.internal" \
    -addext "subjectAltName=$san,IP:10.30.1.5" -out web.csr 2>/dev/null
check "issue a 1-hour mtls-server certificate" pki-issue --profile \
    mtls-server --csr web.csr --lifetime 1h --out web.pem \
    --chain web-chain.pem
chmod 600 web.key
R="--cert web.pem --key web.key --chain web-chain.pem"

# --- not due ----------------------------------------------------------------
save web.pem web.key web-chain.pem
n0=$(rows)
expect_exit 0 "a fresh certificate is not due" pki-renew $R
grep -q "web.pem: not due: serial $(serial web.pem)" "$T/.out" &&
    pass "the report says not due, with the serial" ||
    { fail "not-due report"; cat "$T/.out"; }
same "not due" web.pem web.key web-chain.pem
expect_exit 1 "--check: not due" pki-renew --check --cert web.pem
expect_exit 1 "--check with the renewal's own options" pki-renew --check $R \
    --exec false
expect_exit 0 "--check --before 2h: due" pki-renew --check --cert web.pem \
    --before 2h
expect_exit 1 "--check --ratio 99/100: not due" pki-renew --check \
    --cert web.pem --ratio 99/100
pki-renew $R --format json >nd.json 2>&1
json_ok nd.json && grep -q '"status":"not due"' nd.json &&
    grep -q '"not_after":"20[0-9-]*T[0-9:]*Z"' nd.json &&
    grep -q '"due_at":"20' nd.json &&
    pass "--format json: not due, with not_after and due_at" ||
    { fail "not-due JSON"; cat nd.json; }
same "not due and --check" web.pem web.key web-chain.pem
[ "$(rows)" = "$n0" ] && pass "nothing recorded while not due" ||
    fail "inventory grew"

# --- nothing changes when something fails -----------------------------------
expect_exit 0 "--dry-run --before 2h" pki-renew $R --before 2h --dry-run
grep -q "would renew serial $(serial web.pem)" "$T/.out" &&
    grep -q "profile mtls-server" "$T/.out" &&
    pass "--dry-run says what it would do" ||
    { fail "--dry-run report"; cat "$T/.out"; }
pki-renew $R --before 2h --dry-run --format json >dry.json 2>&1
json_ok dry.json && grep -q '"status":"would renew"' dry.json &&
    pass "--dry-run --format json parses" ||
    { fail "dry-run JSON"; cat dry.json; }
same "--dry-run" web.pem web.key web-chain.pem
[ "$(rows)" = "$n0" ] && pass "--dry-run records nothing" ||
    fail "--dry-run grew the inventory"

# SQLite keeps its WAL files (db.c: SQLITE_FCNTL_PERSIST_WAL): not ours.
files() { listing "$T" | grep -v 'inventory\.db-'; }
files | grep -v "\.lst$" >before.lst
expect_exit 77 "a wrong CA PIN (--pin-file)" pki-renew $R --before 2h \
    --pin-file bad.pin --exec 'touch hook-ran'
same "a wrong PIN" web.pem web.key web-chain.pem
files | grep -v "\.lst$" >after.lst
cmp -s before.lst after.lst &&
    pass "a wrong PIN: no file written" || fail "a wrong PIN: files written"
[ "$(rows)" = "$n0" ] && pass "a wrong PIN records nothing" ||
    fail "inventory grew"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout evil.key -subj "/CN=web.svc.dev.example.internal" -days 1 \
    -out evil.pem 2>/dev/null
save evil.pem evil.key
expect_exit 1 "a certificate from another CA" pki-renew --cert evil.pem \
    --key evil.key --before 2d
expect_msg "was not issued by CA dev" "the foreign issuer is named"
same "a foreign certificate" evil.pem evil.key
expect_exit 65 "a key that is not the certificate's" pki-renew \
    --cert web.pem --key evil.key --before 2d
expect_msg "evil.key does not hold the private key of web.pem" \
    "the key mismatch is named"
same "a foreign key" web.pem evil.key
ln -s web.pem link.pem
expect_exit 65 "CERT as a symbolic link" pki-renew --cert link.pem \
    --key web.key --before 2h
expect_msg "symbolic link" "the link is named"
expect_exit 64 "--before and --ratio together" pki-renew $R --before 1h \
    --ratio 1/2
expect_exit 64 "--ratio 3/2" pki-renew $R --ratio 3/2
expect_exit 64 "--ratio 0/3" pki-renew $R --ratio 0/3
expect_exit 64 "--before 10x" pki-renew $R --before 10x
expect_exit 64 "no --key" pki-renew --cert web.pem --before 2h
expect_exit 64 "--key and --cert the same file" pki-renew --cert web.pem \
    --key web.pem --before 2h
expect_exit 66 "a missing certificate" pki-renew --cert nothere.pem \
    --key web.key
expect_exit 64 "--check with --dry-run" pki-renew --check --dry-run $R
same "bad options" web.pem web.key web-chain.pem
[ "$(rows)" = "$n0" ] && pass "no refusal records anything" ||
    fail "inventory grew"

# --- renewal with a new key -------------------------------------------------
old=$(serial web.pem)
cat >hook.sh <<'EOF'
env | grep '^PKI_' | sort >"$HOOK_OUT"
EOF
expect_exit 0 "renew when due (--before 2h), with a deploy hook" \
    env HOOK_OUT="$T/hook.env" pki-renew $R --before 2h \
    --exec "sh $T/hook.sh"
new=$(serial web.pem)
grep -q "renewed: serial $old replaced by $new" "$T/.out" &&
    pass "the report says renewed, old and new serial" ||
    { fail "renewal report"; cat "$T/.out"; }
[ "$new" != "$old" ] && pass "a new serial" || fail "the serial is unchanged"
[ "$(stat -c %a web.key)" = 600 ] && pass "the new key file is 0600" ||
    fail "key mode $(stat -c %a web.key)"
[ "$(stat -c %a web.pem)" = 644 ] && pass "the certificate is 0644" ||
    fail "certificate mode $(stat -c %a web.pem)"
[ "$(pubkey web.key)" != "$(pubkey web.key.orig)" ] &&
    pass "the key is new" || fail "the key is the old one"
[ -n "$(pubkey web.key)" ] && [ "$(pubkey web.key)" = "$(certkey web.pem)" ] &&
    pass "the new certificate is for the new key" ||
    fail "certificate and key do not match"
openssl pkey -in web.key -noout -text 2>/dev/null | grep -q 'prime256v1' &&
    pass "the new key has the old key's type (P-256)" || fail "key type"
check "the new certificate verifies against the root with the chain" \
    verify web.pem web-chain.pem
[ "$(names web.pem)" = "$(names web.pem.orig)" ] &&
    pass "the same subject and names (CN, 2 DNS, 1 IP)" ||
    { fail "names differ"; names web.pem; names web.pem.orig; }
row=$(sqlite3 dev/inventory.db \
    "SELECT profile || ' ' || status FROM certs WHERE serial='$new';")
[ "$row" = "mtls-server issued" ] &&
    pass "the inventory records the new serial under mtls-server" ||
    fail "inventory row of $new"
grep -q "^PKI_CERT=$T/web.pem\$" hook.env &&
    grep -q "^PKI_KEY=$T/web.key\$" hook.env &&
    grep -q "^PKI_CHAIN=$T/web-chain.pem\$" hook.env &&
    grep -q "^PKI_SERIAL=$new\$" hook.env &&
    grep -q "^PKI_OLD_SERIAL=$old\$" hook.env &&
    grep -q '^PKI_NOT_AFTER=20[0-9-]*T[0-9:]*Z$' hook.env &&
    pass "the hook ran with PKI_CERT, KEY, CHAIN, SERIAL, NOT_AFTER" ||
    { fail "hook environment"; cat hook.env; }
ls -a | grep -q 'pki-new' && fail "staged files left behind" ||
    pass "no staged file is left"
grep -q '"action":"renew"' dev/audit.log && grep -q "\"old_serial\":\"$old\"" \
    dev/audit.log && pass "audit.log records the renewal" ||
    fail "no renew entry in audit.log"
save web.pem web.key web-chain.pem
expect_exit 0 "the renewed certificate is not due" pki-renew $R
grep -q "not due" "$T/.out" && pass "it says not due" || fail "not-due text"
same "after the renewal, not due" web.pem web.key web-chain.pem

# --- the same key -----------------------------------------------------------
old=$(serial web.pem)
# Renewed under the profile's default lifetime (30d): 1/100 is 7.2h.
expect_exit 0 "--check --before 40d on the 30-day renewal: due" \
    pki-renew --check --cert web.pem --before 40d
expect_exit 1 "--check --ratio 1/100 on the 30-day renewal: not due" \
    pki-renew --check --cert web.pem --ratio 1/100
pki-renew $R --before 40d --reuse-key --format json --exec 'echo noise' \
    >reuse.json 2>reuse.err
[ $? -eq 0 ] && pass "renew by --before 40d with --reuse-key" ||
    { fail "--reuse-key"; cat reuse.err; }
json_ok reuse.json && grep -q '"status":"renewed"' reuse.json &&
    grep -q "\"old_serial\":\"$old\"" reuse.json &&
    grep -q "\"serial\":\"$(serial web.pem)\"" reuse.json &&
    grep -q '"key_reused":true' reuse.json &&
    grep -q '^noise$' reuse.err &&
    pass "--format json: renewed, old and new serial; hook output on stderr" ||
    { fail "renewed JSON"; cat reuse.json; }
[ "$(serial web.pem)" != "$old" ] && pass "--reuse-key: a new serial" ||
    fail "--reuse-key: same serial"
same "--reuse-key leaves the key file" web.key
[ "$(pubkey web.key)" = "$(certkey web.pem)" ] &&
    pass "--reuse-key: the certificate is for the same key" ||
    fail "--reuse-key: mismatch"

# --- due by --ratio ---------------------------------------------------------
# A 5-minute certificate: 1/1000 of its lifetime is under a second, so it
# is due at once whatever the backdate (capped at the CA's notBefore).
check "issue a 5-minute certificate (pki-issue --generate-key)" \
    pki-issue --profile mtls-server --generate-key short.key \
    --dns short.svc.dev.example.internal --lifetime 5m --out short.pem
expect_exit 1 "--check: a fresh 5-minute certificate is not due" \
    pki-renew --check --cert short.pem
expect_exit 0 "--check --ratio 1/1000: due" pki-renew --check \
    --cert short.pem --ratio 1/1000
old=$(serial short.pem)
save short.pem
check "renew by --ratio 1/1000" pki-renew --cert short.pem --key short.key \
    --ratio 1/1000
[ "$(serial short.pem)" != "$old" ] &&
    [ "$(pubkey short.key)" = "$(certkey short.pem)" ] &&
    [ "$(names short.pem)" = "$(names short.pem.orig)" ] &&
    pass "--ratio: renewed, new key matching, same (empty) subject and SAN" ||
    fail "--ratio renewal"

# --- a failing hook ---------------------------------------------------------
old=$(serial web.pem)
save web.pem web.key web-chain.pem
pki-renew $R --before 40d --exec 'exit 3' --format json >hook.json 2>hook.err
rc=$?
[ $rc -eq 1 ] && pass "a failing hook: exit 1" || fail "failing hook: exit $rc"
grep -q 'are new (serial .*), but the deploy hook failed with exit status 3' \
    hook.err && pass "the message says the files are new but the hook failed" ||
    { fail "failing hook message"; cat hook.err; }
json_ok hook.json && grep -q '"hook_status":3' hook.json &&
    pass "--format json reports hook_status 3" ||
    { fail "hook JSON"; cat hook.json; }
[ "$(serial web.pem)" != "$old" ] && ! cmp -s web.key web.key.orig &&
    [ "$(pubkey web.key)" = "$(certkey web.pem)" ] &&
    pass "the files were replaced before the hook ran" ||
    fail "files not replaced"

# --- a profile that takes names by flag only --------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
    -keyout api.key -subj "/CN=api.svc.dev.example.internal" -out api.csr \
    2>/dev/null
check "issue under flags-server (CN from a CSR, --dns, --ip)" pki-issue \
    --profile flags-server --csr api.csr --lifetime 1h \
    --dns api.svc.dev.example.internal --ip 10.30.2.2 --out api.pem
save api.pem
check "renew it: the names go through as flags" pki-renew --cert api.pem \
    --key api.key --before 2h
[ "$(pubkey api.key)" = "$(certkey api.pem)" ] &&
    openssl x509 -in api.pem -noout -ext subjectAltName |
    grep -q 'DNS:api.svc.dev.example.internal, IP Address:10.30.2.2' &&
    [ "$(names api.pem)" = "$(names api.pem.orig)" ] &&
    openssl x509 -in api.pem -noout -text | grep -q 'secp384r1' &&
    pass "flags-server: same CN and names, a new P-384 key matching" ||
    fail "flags-server renewal"

# --- the inventory's record and --profile -----------------------------------
s=$(serial api.pem)
sqlite3 dev/inventory.db "DELETE FROM certs WHERE serial='$s';" 2>/dev/null
save api.pem api.key
expect_exit 66 "a serial the inventory does not know, without --profile" \
    pki-renew --cert api.pem --key api.key --before 40d
expect_msg "give --profile" "the message says to give --profile"
same "an unknown serial" api.pem api.key
check "with --profile flags-server it renews" pki-renew --cert api.pem \
    --key api.key --before 40d --profile flags-server

# --- an interrupted renewal -------------------------------------------------
# The state a crash between the key's and the certificate's rename
# leaves: the new key in place, the new certificate staged.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout succ.key -subj "/CN=web.svc.dev.example.internal" -out succ.csr \
    2>/dev/null
check "issue the successor by hand" pki-issue --profile mtls-server \
    --csr succ.csr --dns web.svc.dev.example.internal --out succ.pem
cp succ.key web.key && cp succ.pem .web.pem.pki-new
old=$(serial web.pem)
expect_exit 0 "the next run completes the interrupted renewal" \
    env HOOK_OUT="$T/hook2.env" pki-renew $R --exec "sh $T/hook.sh"
grep -q "renewed (an interrupted renewal completed): serial $old replaced by" \
    "$T/.out" && grep -q "by $(serial succ.pem)," "$T/.out" &&
    pass "it says so" || { fail "recovery report"; cat "$T/.out"; }
cmp -s web.pem succ.pem && [ ! -e .web.pem.pki-new ] &&
    pass "the staged certificate is in place" || fail "recovery"
grep -q "^PKI_SERIAL=$(serial succ.pem)\$" hook2.env &&
    pass "the hook ran for the completed renewal" || fail "no hook on recovery"
# A crash before the key moved: the leftovers go, the old files stay.
save web.pem web.key web-chain.pem
echo junk >.web.key.pki-new && echo junk >.web.pem.pki-new
expect_exit 0 "leftovers of a crash before the key moved" pki-renew $R
expect_msg "removed the staged files" "the removal is reported"
[ ! -e .web.key.pki-new ] && [ ! -e .web.pem.pki-new ] &&
    pass "the leftovers are gone" || fail "leftovers remain"
same "leftovers removed" web.pem web.key web-chain.pem

done_testing
