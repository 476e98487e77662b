# report.sh: pki-report end to end.  A dev intermediate (set up as crl.sh
# does) issues leaves of 1 hour and 30 days and one that is revoked, and
# publishes a CRL; the table, the filters (--status, --expiring), JSON
# and the Prometheus text format (checked line by line, and written with
# --out) list what they should; the exit status follows the warning
# window; --scan finds exactly the certificates the inventory does not
# know (a foreign self-signed PEM and a PKCS#12 without passphrase) and
# skips unreadable files with a note.
. "$(dirname "$0")/lib.sh"

dev_ca_setup "mtls-server mtls-client"

check "issue a (1h)" pki-issue --profile mtls-server --lifetime 1h \
    --generate-key a.key --dns a.svc.dev.example.internal --out a.pem
check "issue b (30d)" pki-issue --profile mtls-server --lifetime 30d \
    --generate-key b.key --dns b.svc.dev.example.internal --out b.pem
check "issue c" pki-issue --profile mtls-client \
    --generate-key c.key --dns c.svc.dev.example.internal --out c.pem
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
sa=$(serial a.pem); sb=$(serial b.pem); sc=$(serial c.pem)
check "pki-revoke c" pki-revoke "$sc" --reason superseded
check "pki-crl" pki-crl
check "pki-ocsp init-signer" pki-ocsp init-signer

# --- the table and its filters --------------------------------------------
pki-report --warn 1m >all.txt 2>all.err
grep -q "^$sa .*issued .*mtls-server.*a\.svc\.dev" all.txt &&
    grep -q "^$sb .*issued" all.txt && grep -q "^$sc .*revoked" all.txt &&
    grep -q '^SERIAL' all.txt &&
    pass "the table lists every certificate with its status" ||
    { fail "table"; cat all.txt all.err; }
pki-report --status revoked --warn 1m >rev.txt 2>/dev/null
[ "$(grep -vc '^SERIAL' rev.txt)" = 1 ] && grep -q "^$sc " rev.txt &&
    pass "--status revoked lists the revoked one" ||
    { fail "revoked"; cat rev.txt; }
pki-report --expiring 2d --warn 1m >exp.txt 2>/dev/null
[ "$(grep -vc '^SERIAL' exp.txt)" = 1 ] && grep -q "^$sa " exp.txt &&
    pass "--expiring 2d lists the 1h certificate" ||
    { fail "expiring"; cat exp.txt; }
pki-report --profile mtls-client --warn 1m >prof.txt 2>/dev/null
[ "$(grep -vc '^SERIAL' prof.txt)" = 1 ] && grep -q "^$sc " prof.txt &&
    pass "--profile filters" || { fail "profile"; cat prof.txt; }
pki-report --name B.SVC --warn 1m >name.txt 2>/dev/null
[ "$(grep -vc '^SERIAL' name.txt)" = 1 ] && grep -q "^$sb " name.txt &&
    pass "--name matches a SAN, case-insensitively" ||
    { fail "name"; cat name.txt; }

# --- JSON -----------------------------------------------------------------
total=$(sqlite3 dev/inventory.db \
    "SELECT count(*) FROM certs WHERE status IN ('issued','revoked')" \
    2>/dev/null || echo 4)
pki-report --format json --warn 1m >r.json 2>/dev/null
python3 -m json.tool r.json >/dev/null &&
    python3 -c 'import json,sys; a=json.load(open("r.json"));
n=int(sys.argv[1]); assert len(a)==n, (len(a), n)
s={x["serial"]:x for x in a}
c=s[sys.argv[2]]
assert c["status"]=="revoked" and c["reason"]=="superseded", c
assert 0 < s[sys.argv[3]]["seconds_left"] <= 3600
assert s[sys.argv[3]]["sans"]' "$total" "$sc" "$sa" &&
    pass "--format json parses, with the right count ($total)" ||
    { fail "json"; cat r.json; }
pki-report --format json --status expired >e.json 2>/dev/null
python3 -c 'import json; assert json.load(open("e.json"))==[]' &&
    pass "an empty selection is []" || { fail "empty json"; cat e.json; }

# --- Prometheus -----------------------------------------------------------
cat >promcheck.py <<'EOF'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
lval = r'"(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{(%s=%s)(,%s=%s)*\})? -?[0-9]+(\.[0-9]+)?$'
    % (name, name, lval, name, lval))
helped, typed, done, cur, seen = set(), set(), set(), None, {}
for ln in open(sys.argv[1]).read().split('\n')[:-1]:
    m = re.match(r'^# (HELP|TYPE) (%s) (.+)$' % name, ln)
    if m:
        (helped if m.group(1) == 'HELP' else typed).add(m.group(2))
        if m.group(1) == 'TYPE':
            assert m.group(3) in ('gauge', 'counter'), ln
        continue
    m = sample.match(ln)
    assert m, 'bad line: %r' % ln
    n = m.group(1)
    assert n in helped and n in typed, 'no HELP/TYPE for ' + n
    if n != cur:
        assert n not in done, 'family split: ' + n
        if cur: done.add(cur)
        cur = n
    seen[n] = seen.get(n, 0) + 1
for want in sys.argv[2:]:
    assert want in seen, 'missing ' + want
print(seen)
EOF
pki-report --format prometheus --warn 1m >prom.txt 2>prom.err
check "prometheus output passes the format check" python3 promcheck.py \
    prom.txt pki_certificate_expiry_seconds pki_certificates \
    pki_crl_age_seconds pki_crl_next_update_seconds pki_ca_expiry_seconds \
    pki_ocsp_signer_expiry_seconds
grep -q "^pki_certificate_expiry_seconds{.*serial=\"$sa\"" prom.txt &&
    ! grep -q "^pki_certificate_expiry_seconds{.*serial=\"$sc\"" prom.txt &&
    grep -q '^pki_certificates{ca="dev",status="revoked",'`
	`'profile="mtls-client"} 1$' prom.txt &&
    grep -q "serial=\"$sa\",profile=\"mtls-server\","`
	`"subject=\"DNS:a.svc.dev.example.internal\"}" prom.txt &&
    pass "expiry per live certificate, counts by status and profile" ||
    { fail "prometheus content"; cat prom.txt; }
expect_exit 73 "--out into a missing directory" pki-report --format \
    prometheus --warn 1m --out metrics/pki.prom
mkdir -p metrics
expect_exit 1 "--warn 2d: the 1h certificate" pki-report --format \
    prometheus --warn 2d --out metrics/pki.prom
expect_msg "1 certificate expires within 2d" "the warning names the count"
[ "$(stat -c %a metrics/pki.prom)" = 644 ] &&
    python3 promcheck.py metrics/pki.prom pki_certificates >/dev/null &&
    ! ls metrics | grep -qv '^pki.prom$' &&
    pass "--out writes the file (0644, no temporary left)" ||
    { fail "--out"; ls -la metrics; }
expect_exit 0 "--warn 1m: nothing inside the window" pki-report --warn 1m
expect_exit 1 "the default window (14d) holds the 1h certificate" pki-report

# --- refusals -------------------------------------------------------------
expect_exit 64 "an unknown status" pki-report --status bogus
expect_exit 64 "a bad duration" pki-report --warn 2x
expect_exit 64 "--format twice" pki-report --format json --format json
expect_exit 64 "an unexpected argument" pki-report extra
expect_exit 66 "not a CA directory" pki-report --ca "$T/nowhere"

# --- --scan ---------------------------------------------------------------
mkdir -p scan/sub scan/deeper/er
cp a.pem scan/managed.pem
openssl x509 -in b.pem -outform DER -out scan/sub/managed.der
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout f1.key -subj /CN=foreign-one -days 10 -out scan/foreign.pem \
    2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout f2.key -subj /CN=foreign-two -days 400 -out f2.pem 2>/dev/null
openssl pkcs12 -export -passout pass: -in f2.pem -inkey f2.key \
    -out scan/deeper/er/bundle.p12
printf 'not a certificate\n' >scan/sub/junk.txt
pki-report --scan scan --format json --warn 1m >scan.json 2>scan.err
rc=$?
python3 -c 'import json; a=json.load(open("scan.json"))
subj=sorted(x["subject"] for x in a)
assert subj==["CN=foreign-one","CN=foreign-two"], subj
p={x["subject"]:x["path"] for x in a}
assert p["CN=foreign-two"].endswith("bundle.p12"), p
assert all(x["issuer"]==x["subject"] and x["seconds_left"]>0 for x in a)' &&
    [ $rc = 0 ] &&
    pass "--scan reports exactly the foreign certificates (PEM, PKCS#12)" ||
    { fail "scan (exit $rc)"; cat scan.json scan.err; }
grep -q "junk.txt" scan.err &&
    pass "an unreadable file is skipped with a note" ||
    { fail "no note for junk.txt"; cat scan.err; }
pki-report --scan scan --warn 1m >scan.txt 2>/dev/null
grep -q 'foreign.pem' scan.txt && grep -q 'subject: CN=foreign-one' scan.txt &&
    ! grep -q 'managed' scan.txt &&
    pass "the scan table names path and subject" ||
    { fail "scan table"; cat scan.txt; }
expect_exit 1 "--scan: a foreign certificate expires within 30d" \
    pki-report --scan scan --warn 30d
expect_exit 64 "--scan without a directory" pki-report --scan
expect_exit 64 "--scan with prometheus" pki-report --scan scan \
    --format prometheus

done_testing
