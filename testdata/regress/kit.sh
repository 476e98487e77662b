# kit.sh: the ceremony kit and the paper script (pki-kit(7)).
#
# Both suites: every ceremony program records the SHA-256 of the binary
# that ran (binary_sha256, compared here with sha256sum of that file);
# --plan prints the validated ceremony as JSON and touches nothing; the
# paper script holds every step, the boxes and the values of the YAML.
# Release suite only: make kit is reproducible (two builds from two
# clones, in two directories, at two times, with different TZ and umask,
# one clone with uncommitted changes, give the same bytes), its manifest
# checks, and a program from the kit runs and records the hash the
# manifest lists.
. "$(dirname "$0")/lib.sh"

P=$top/policies
softhsm_setup
softhsm_token root-ca 123456
printf '123456\n' >"$T/root.pin"
cd "$T" || exit 70

# json FILE EXPR: a value from a JSON document, by a Python expression
# over j.
json() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(" ".join(json.dumps(x) if not isinstance(x, str) else x
               for x in (v if isinstance(v, tuple) else (v,))))' "$1" "$2"
}
# recorded TRANSCRIPT PROGRAM: binary_sha256 of PROGRAM's last start entry.
recorded() {
	pki-audit show --action start --format json "$1" | python3 -c '
import json, sys
h = [json.loads(l)["binary_sha256"] for l in sys.stdin
     if json.loads(l)["program"] == sys.argv[1]]
print(h[-1] if h else "")' "$2"
}

# ---- the programs record their own SHA-256 ----------------------------
cat >cer.yaml <<EOT
ceremony: { name: "Kit test root", administrator: "Ada Admin", witnesses: ["Wim Witness", "Wanda Witness"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Kit Test", common_name: "Kit Test Root" }
  validity_years: 12
backup: { method: shamir, threshold: 2, custodians: ["Cleo", "Dirk", "Emil"] }
output: { directory: root }
EOT
cat >sign.yaml <<EOT
ceremony: { name: "Kit test dev", administrator: "Ada Admin", witnesses: ["Wim Witness"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: root/ledger.log
  transcript: root/transcript.log
sign: { csr: dev.csr, policy: $P/intermediate-dev.yaml, output: { certificate: dev.pem } }
EOT
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout dev.key -subj "/CN=Kit Dev CA" -out dev.csr 2>/dev/null
cat >crl.yaml <<EOT
ceremony: { name: "Kit test CRL", administrator: "Ada Admin", witnesses: ["Wim Witness"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: root/ledger.log
  transcript: root/transcript.log
crl: { validity_days: 30, output: root.crl }
EOT
pki-root-keygen --rehearsal --yes --pin-file root.pin cer.yaml >keygen.out 2>&1
check "pki-root-keygen ran" test -f root/transcript.log
pki-root-sign --rehearsal --yes --pin-file root.pin sign.yaml >sign.out 2>&1
check "pki-root-sign ran" test -f dev.pem
pki-root-crl --rehearsal --yes --pin-file root.pin crl.yaml >crl.out 2>&1
check "pki-root-crl ran" test -f root.crl
for prog in pki-root-keygen pki-root-sign pki-root-crl; do
	want=$(sha256sum "$BINDIR/$prog" | cut -d' ' -f1)
	got=$(recorded root/transcript.log $prog)
	[ -n "$got" ] && [ "$got" = "$want" ] &&
	    pass "$prog recorded the SHA-256 of the binary that ran" ||
	    fail "$prog recorded '$got', sha256sum says $want"
done
pki-audit show root/transcript.log >show.out
grep -q "pki-root-keygen start .*binary_sha256=$(sha256sum "$BINDIR/pki-root-keygen" | cut -d' ' -f1)" show.out &&
    pass "pki-audit show prints binary_sha256" ||
    fail "pki-audit show lacks binary_sha256"

# ---- --plan --------------------------------------------------------------
mkdir plan && cd plan || exit 70
cp "$P/root-ceremony.yaml" "$P/root-sign-prod.yaml" .
mkdir policies && cp "$P/intermediate-prod.yaml" policies/
snapshot "$T/plan"
expect_exit 0 "pki-root-keygen --plan" sh -c \
    'pki-root-keygen --plan root-ceremony.yaml >../keygen.plan'
expect_exit 0 "pki-root-sign --plan" sh -c \
    'pki-root-sign --plan root-sign-prod.yaml >../sign.plan'
expect_exit 0 "pki-root-crl --plan" sh -c \
    'pki-root-crl --plan --revoke 0a:1b --reason keyCompromise root-sign-prod.yaml >../crl.plan'
unchanged "$T/plan" "--plan"
cd "$T" || exit 70
[ "$(json keygen.plan 'j["backup"]["threshold"], j["backup"]["shares"], j["backup"]["custodians"]')" = \
    '3 5 ["Carol", "Dave", "Erin", "Frank", "Grace"]' ] &&
    pass "keygen plan: 3 of 5 and the custodians" || fail "keygen plan: M-of-N"
[ "$(json keygen.plan 'j["key"]["type"], j["certificate"]["validity_years"], j["rehearsal"]')" = \
    "p384 20 false" ] && pass "keygen plan: key type, validity" ||
    fail "keygen plan: key type, validity"
[ "$(json keygen.plan 'j["config"]["sha256"]')" = \
    "$(sha256sum "$P/root-ceremony.yaml" | cut -d' ' -f1)" ] &&
    pass "keygen plan: the file's SHA-256" || fail "keygen plan: SHA-256"
[ "$(json sign.plan 'j["policy"]["name"], j["validity_days"], j["policy"]["sha256"], j["request"]')" = \
    "prod 1825 $(sha256sum "$P/intermediate-prod.yaml" | cut -d' ' -f1) null" ] &&
    pass "sign plan: policy, days, policy SHA-256, no CSR yet" ||
    fail "sign plan: $(json sign.plan 'j["policy"]["name"], j["validity_days"], j["request"]')"
[ "$(json crl.plan 'j["crl"]["validity_days"], j["der_output"], j["revoke"]["serial"], j["revoke"]["reason"]')" = \
    "180 root.crl.der 0A1B keyCompromise" ] && pass "crl plan: days, DER output, --revoke" ||
    fail "crl plan: $(cat crl.plan)"
# The CSR, once it is there, is checked and its key shown.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout plan/prod.key -subj "/CN=Kit Prod CA" -out plan/prod.csr 2>/dev/null
(cd plan && pki-root-sign --plan root-sign-prod.yaml) >sign2.plan
want=$(openssl req -in plan/prod.csr -pubkey -noout | openssl pkey -pubin -outform DER |
    sha256sum | cut -d' ' -f1 | tr a-f A-F | sed 's/../&:/g; s/:$//')
[ "$(json sign2.plan 'j["request"]["key_type"], j["request"]["key_sha256"]')" = "p256 $want" ] &&
    pass "sign plan: the CSR's key type and SHA-256" || fail "sign plan: CSR key: $(cat sign2.plan)"
printf 'garbage\n' >plan/prod.csr
expect_exit 65 "sign plan: a bad CSR fails the plan" sh -c \
    'cd plan && pki-root-sign --plan root-sign-prod.yaml'
rm plan/prod.csr plan/prod.key
# No HSM is touched: a module that does not exist stops a real run only.
sed "s|module: [^ ]*|module: /nonexistent/pkcs11.so|" "$P/root-ceremony.yaml" >nohsm.yaml
expect_exit 0 "--plan does not load the PKCS#11 module" \
    pki-root-keygen --plan nohsm.yaml
expect_exit 69 "a real run does" pki-root-keygen --rehearsal --yes \
    --pin-file root.pin nohsm.yaml
# Refused as a real run refuses, with the same message.
sed 's/threshold: 3/threshold: 9/' "$P/root-ceremony.yaml" >bad.yaml
expect_exit 78 "--plan refuses a bad ceremony file" pki-root-keygen --plan bad.yaml
cp "$T/.err" plan-bad.err
expect_exit 78 "a real run refuses it too" pki-root-keygen --rehearsal --yes \
    --pin-file root.pin bad.yaml
check "with the same message" cmp plan-bad.err "$T/.err"
expect_exit 64 "--plan with --yes" pki-root-keygen --plan --yes cer.yaml
expect_exit 64 "--plan with a PIN" pki-root-sign --plan --pin-file root.pin crl.yaml
expect_exit 78 "pki-root-sign --plan needs a sign section" pki-root-sign --plan crl.yaml

# ---- the paper script ------------------------------------------------------
CS=$top/scripts/ceremony-script
(cd plan && "$CS" --bindir "$BINDIR" root-ceremony.yaml root-sign-prod.yaml) >script.txt
check "ceremony-script for the example files" test -s script.txt
steps=$(grep -cE '^ *[0-9]+\. ' script.txt)
last=$(grep -E '^ *[0-9]+\. ' script.txt | tail -1 | sed 's/^ *\([0-9]*\)\..*/\1/')
[ "$steps" -ge 30 ] && [ "$steps" = "$last" ] &&
    pass "steps numbered 1..$last" || fail "steps: $steps lines, last $last"
for who in "Alice Admin" "Walter Witness" "Wendy Witness"; do
	n=$(grep -o "$who \[    \]" script.txt | wc -l)
	[ "$n" -eq "$steps" ] && pass "$who has an initials box in every step" ||
	    fail "$who: $n boxes for $steps steps"
done
n=$(grep -c 'Started __:__ UTC   Finished __:__ UTC' script.txt)
[ "$n" -eq "$steps" ] && pass "a time box in every step" || fail "time boxes: $n"
for c in Carol Dave Erin Frank Grace; do
	grep -q "reads share .* back" script.txt && grep -q "Hand share [0-9] to $c" script.txt &&
	    grep -q "^  custodian *$c " script.txt &&
	    pass "custodian $c: read-back, hand-over, signature" ||
	    fail "custodian $c missing"
done
for want in "KEK split 3 of 5" "p384, pkcs11:token=root-ca;object=root-key" \
    "valid 20 years" "\$ pki-root-keygen --config root-ceremony.yaml" \
    "\$ pki-root-sign --config root-sign-prod.yaml" \
    "\$ pki-root-crl --config root-sign-prod.yaml" \
    "<now + 1825 days>" "(180 days)" "path length 0" \
    "$(sha256sum "$P/root-ceremony.yaml" | cut -d' ' -f1)  root-ceremony.yaml" \
    "$(sha256sum "$P/intermediate-prod.yaml" | cut -d' ' -f1)  policies/intermediate-prod.yaml" \
    "Attestation sheet" "Transcript digest after pki-root-keygen" \
    "Transcript digest after pki-root-sign" "Transcript digest after pki-root-crl" \
    "pki-audit show --action start root-ceremony-2026/transcript.log"; do
	grep -qF -- "$want" script.txt && pass "script holds: $want" ||
	    fail "script lacks: $want"
done
# The plan it prints is the one the programs show, with the SHA-256 of
# each program from the manifest.
(cd "$BINDIR/.." && sha256sum bin/pki-root-keygen bin/pki-root-sign \
    bin/pki-root-crl) >bin.manifest
"$CS" --bindir "$BINDIR" --rehearsal --manifest bin.manifest cer.yaml \
    sign.yaml crl.yaml >script2.txt
sed -n '/^Plan for/,/^  output:/p' keygen.out >shown.txt
sed -n '/^Sign intermediate/,/^  policy file:/p' sign.out >>shown.txt
grep -A1 '^  key SHA-256:' sign.out >>shown.txt
sed -n '/^Plan for/,/^  root:/p' crl.out | sed '$d' >>shown.txt
for prog in pki-root-keygen pki-root-sign pki-root-crl; do
	grep -q "^ *$(sha256sum "$BINDIR/$prog" | cut -d' ' -f1)\$" shown.txt &&
	    pass "$prog shows its SHA-256 before the yes" ||
	    fail "$prog does not show its SHA-256"
done
n=0
while IFS= read -r line; do
	grep -qxF "       | $line" script2.txt || { fail "script lacks the plan line: $line"; n=1; }
done <shown.txt
grep -q '^Sign intermediate under policy dev (REHEARSAL)$' shown.txt &&
    grep -q '^  key SHA-256: ' shown.txt && [ "$(wc -l <shown.txt)" -ge 25 ] &&
    pass "the plans and the preview were captured" ||
    fail "plans not captured: $(wc -l <shown.txt) lines"
[ $n -eq 0 ] && [ -s shown.txt ] &&
    pass "every plan and preview line the programs showed is in the script"
grep -q '^\*\*\* REHEARSAL' script2.txt && pass "a rehearsal script says so" ||
    fail "rehearsal not marked"
expect_exit 78 "ceremony-script stops at a bad file" "$CS" --bindir "$BINDIR" bad.yaml
expect_msg "threshold" "with the program's message"
expect_exit 64 "ceremony-script without a file" "$CS" --bindir "$BINDIR"
expect_exit 0 "ceremony-script --sign-only" "$CS" --bindir "$BINDIR" --sign-only crl.yaml
grep -q "pki-root-crl --config crl.yaml" "$T/.out" && ! grep -q pki-root-keygen "$T/.out" &&
    pass "a CRL-only script" || fail "a CRL-only script"

# ---- make kit: reproducible ----------------------------------------------
if [ "${PKI_SUITE:-release}" = release ]; then
	git clone -q "$top" "$T/src-a" && git clone -q "$top" "$T/src-longer-b"
	check "two clones of the commit" test -f "$T/src-longer-b/scripts/kit"
	# Uncommitted and untracked files must not enter the kit.
	echo "# uncommitted" >>"$T/src-a/policies/root-ceremony.yaml"
	echo "x: 1" >"$T/src-a/policies/untracked.yaml"
	mkdir -p "$T/tmp1" "$T/tmp-second"
	( TMPDIR=$T/tmp1 TZ=UTC "$T/src-a/scripts/kit" "$T/kit1" ) >kit1.out 2>&1
	check "first kit build" test -f "$T/kit1/pki-ceremony-kit-0.1.0.tar.gz"
	[ -f "$T/kit1/pki-ceremony-kit-0.1.0.tar.gz" ] || sed 's/^/      /' kit1.out
	grep -q "uncommitted changes are not in the kit" kit1.out &&
	    pass "make kit notes uncommitted changes" || fail "no note of uncommitted changes"
	sleep 2
	( umask 077; TMPDIR=$T/tmp-second TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 \
	    "$T/src-longer-b/scripts/kit" "$T/out/kit2" ) >kit2.out 2>&1
	check "second kit build" test -f "$T/out/kit2/pki-ceremony-kit-0.1.0.tar.gz"
	[ -f "$T/out/kit2/pki-ceremony-kit-0.1.0.tar.gz" ] || sed 's/^/      /' kit2.out
	k1=$T/kit1/pki-ceremony-kit-0.1.0.tar.gz
	k2=$T/out/kit2/pki-ceremony-kit-0.1.0.tar.gz
	check "the two tarballs are byte-identical" cmp "$k1" "$k2"
	check "and so are their .sha256 lines" cmp "$k1.sha256" "$k2.sha256"
	(cd "$T/kit1" && sha256sum -c --strict --quiet pki-ceremony-kit-0.1.0.tar.gz.sha256) &&
	    pass "the .sha256 line checks" || fail "the .sha256 line does not check"
	mkdir x1 x2
	tar -xzf "$k1" -C x1 && tar -xzf "$k2" -C x2
	K=$T/x1/pki-ceremony-kit-0.1.0
	for prog in $(cd x2/pki-ceremony-kit-0.1.0/bin && ls); do
		cmp -s "$K/bin/$prog" "x2/pki-ceremony-kit-0.1.0/bin/$prog" &&
		    pass "$prog is byte-identical in both builds" ||
		    fail "$prog differs between the builds"
	done
	for prog in pki-root-keygen pki-root-sign pki-root-crl pki-shares \
	    pki-root-restore pki-audit pki-lint; do
		[ -x "$K/bin/$prog" ] && [ -f "$K/man/man1/$prog.1" ] &&
		    pass "the kit has $prog and its page" || fail "the kit lacks $prog"
	done
	for f in man/man5/pki-ceremony.5 man/man5/pki-sign-ceremony.5 \
	    man/man5/pki-policy.5 man/man7/pki-kit.7 policies/root-ceremony.yaml \
	    scripts/ceremony-script BUILDINFO; do
		[ -f "$K/$f" ] && pass "the kit has $f" || fail "the kit lacks $f"
	done
	[ ! -e "$K/bin/pki-issue" ] && pass "no online program in the kit" ||
	    fail "an online program is in the kit"
	[ ! -e "$K/policies/untracked.yaml" ] &&
	    cmp -s "$K/policies/root-ceremony.yaml" "$P/root-ceremony.yaml" &&
	    pass "uncommitted and untracked files stayed out" ||
	    fail "an uncommitted file entered the kit"
	(cd "$K" && sha256sum -c --strict --quiet MANIFEST.sha256) &&
	    pass "sha256sum -c MANIFEST.sha256" || fail "the manifest does not check"
	listed=$(grep -v '^#' "$K/MANIFEST.sha256" | sed 's/^[0-9a-f]*  //' | sort)
	present=$(cd "$K" && find . -type f ! -name MANIFEST.sha256 | sed 's|^\./||' | sort)
	[ "$listed" = "$present" ] && pass "the manifest lists every file" ||
	    fail "manifest and files differ"
	commit=$(git -C "$top" rev-parse HEAD)
	grep -q "^# pki-ceremony-kit-0.1.0 built from commit $commit\$" "$K/MANIFEST.sha256" &&
	    grep -q "^commit: $commit\$" "$K/BUILDINFO" &&
	    pass "manifest and BUILDINFO name the commit" || fail "the commit is not named"
	if grep -aqE "$T|pki-kit\.|src-a|src-longer-b" "$K"/bin/*; then
		fail "a build path is embedded in a program"
	else
		pass "no build path in the programs"
	fi
	bad=$(cd "$K" && find . -type f -perm /022 -o -type f ! -perm -044 | head -1)
	[ -z "$bad" ] && pass "modes fixed despite umask 077" || fail "mode of $bad"
	echo >>"x2/pki-ceremony-kit-0.1.0/policies/root-ceremony.yaml"
	(cd x2/pki-ceremony-kit-0.1.0 && sha256sum -c --quiet MANIFEST.sha256) >/dev/null 2>&1 &&
	    fail "a changed file passes the manifest" ||
	    pass "a changed file fails the manifest"
	"$K/bin/pki-root-keygen" --version | grep -q '^pki-root-keygen 0.1.0$' &&
	    pass "the kit's pki-root-keygen runs" || fail "the kit's program does not run"
	# The program from the kit records the hash the manifest lists.
	softhsm_token kit-root 123456
	sed 's/root-ca;object=root-key/kit-root;object=root-key/; s/directory: root/directory: kitroot/' \
	    cer.yaml >kit.yaml
	"$K/bin/pki-root-keygen" --rehearsal --yes --pin-file root.pin kit.yaml >/dev/null 2>&1
	want=$(grep ' bin/pki-root-keygen$' "$K/MANIFEST.sha256" | cut -d' ' -f1)
	[ -n "$want" ] && [ "$(recorded kitroot/transcript.log pki-root-keygen)" = "$want" ] &&
	    pass "the kit's program recorded its manifest SHA-256" ||
	    fail "recorded hash differs from the manifest"
	# The kit's script generator, with the manifest's values.
	"$K/scripts/ceremony-script" --manifest "$K/MANIFEST.sha256" cer.yaml >script3.txt
	grep -q "manifest $want" script3.txt &&
	    grep -q "$(sha256sum "$K/MANIFEST.sha256" | cut -d' ' -f1)  MANIFEST.sha256" script3.txt &&
	    pass "the kit's ceremony-script prints the manifest's hashes" ||
	    fail "ceremony-script --manifest"
fi
done_testing
