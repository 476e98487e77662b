# faults-kill.sh: SIGKILL at random moments.  On one dev CA, pki-issue
# (single and --batch), pki-revoke, pki-crl and pki-ocsp refresh are
# each started again and again and killed after a random delay drawn
# from the whole length of a run (measured first), then all four at
# once.  After every kill: PRAGMA integrity_check is ok; every
# certificate file below out/ is complete, in the inventory as issued
# with the same DER, its serial once (so no pending row has a file);
# every OCSP response file written since is one complete DER object and
# the responses file is complete line by line; the published CRL files
# (PEM, DER, .prev) are copied.  After each loop: sqlite3's
# integrity_check; every issued row's DER verifies against the root
# (openssl verify); every distinct CRL copied verifies (openssl crl
# -CAfile), no number names two different CRLs, the published number
# never went back and is not above the inventory's.  Then: at most one
# pending chunk per killed issuer, listed by pki-report --status pending
# with their age and counted in its Prometheus output; a clean refresh
# and pki-crl catch up, after which every response verifies with openssl
# ocsp and says what the inventory says, the responses file holds
# exactly the response files, every revoked serial is on the CRL, and
# the audit log verifies.  The temporary files the kills left are
# listed: they never carry a published name.
. "$(dirname "$0")/lib.sh"

FC="python3 $top/testdata/fault/faultcheck.py"
if [ "${PKI_SUITE:-release}" = release ]; then KILLS=16; else KILLS=4; fi

# The dev CA as dev_ca_setup makes it, but with its key in an encrypted
# key file under a raw 256-bit key (no Argon2id: fast): SoftHSM2's file
# store rewrites token.object in place (ftruncate, write) at every
# C_Login, so a process killed at that moment leaves the token empty
# ("no token matches"); the token holds only the root here, which no
# killed program touches.
softhsm_setup
softhsm_token root-ca 123456
printf '123456\n' >"$T/root.pin"
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$T/dev.pin"
echo >>"$T/dev.pin"
cd "$T" || exit 70
P=$top/policies
cat >root.yaml <<EOT
ceremony: { name: "Root", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Test Root" }
  validity_years: 20
backup: { method: none }
output: { directory: root }
EOT
check "root ceremony" pki-root-keygen --rehearsal --yes \
    --pin-file root.pin root.yaml
sed -e "s#directory: \.#directory: $P#" -e "s#allowed: .*#allowed: [mtls-server]#" \
    -e "s|# pin_file: .*|pin_file: $T/dev.pin|" "$P/ca-dev.yaml" >dev-init.yaml
check "pki-ca-init dev (key file)" pki-ca-init --ca dev --config dev-init.yaml \
    --yes
cat >sign-dev.yaml <<EOT
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
EOT
check "pki-root-sign dev" pki-root-sign --rehearsal --yes \
    --pin-file root.pin sign-dev.yaml
check "pki-ca-install dev" pki-ca-install --ca dev --yes dev.pem root/root.pem
PKI_CA_DIR=$T/dev
export PKI_CA_DIR
DB=dev/inventory.db
O=dev/publish/ocsp
C=dev/publish/crl
q() { sqlite3 "$DB" "$1"; }
mkdir out verified crlsnap
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k.pem -subj "/CN=k.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:k.svc.dev.example.internal" \
    -out req.csr 2>/dev/null

# rnd N: a random number in [0, N).
rnd() { echo $(($(od -An -N4 -tu4 /dev/urandom) % $1)); }
now_us() { echo $(($(date +%s%N) / 1000)); }
# usleep US
usleep() { sleep "$(($1 / 1000000)).$(printf '%06d' $(($1 % 1000000)))"; }

# measure NAME CMD...: run once, set $span to 1.2 x its time in us.
measure() {
	mname=$1; shift
	t0=$(now_us)
	"$@" >/dev/null 2>"$T/measure.err" ||
	    { fail "$mname: the unkilled run failed"; cat "$T/measure.err"; }
	span=$(($(now_us) - t0))
	span=$((span + span / 5))
	echo "# $mname: one run takes $((span * 5 / 6 / 1000)) ms"
}

# killrun CMD...: start CMD, SIGKILL it after a random delay in [0,
# span); $killed is 1 if it died by the signal.
killrun() {
	"$@" >"$T/k.out" 2>"$T/k.err" &
	kpid=$!
	usleep "$(rnd "$span")"
	kill -9 "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	krc=$?
	killed=0
	[ "$krc" -eq 137 ] && killed=1
	if [ "$krc" -ne 0 ] && [ "$krc" -ne 137 ]; then
		echo "# unkilled run exited $krc: $(head -c 300 "$T/k.err")"
		badexit=$((badexit + 1))
	fi
}

problems=0
note() { problems=$((problems + 1)); echo "      $*"; }

# After every kill (one process): PRAGMA integrity_check; every
# certificate file below out/ complete, in the inventory as issued with
# its DER, its serial once; every OCSP file written since the mark one
# complete DER object; the responses file complete line by line.  And a
# copy of every published CRL file, checked at the end of the loop.
seq=0
invariants() {
	$FC iter "$DB" out $O "$T/mark" >"$T/it.out" 2>&1 ||
	    note "$(head -5 "$T/it.out")"
	for f in $C/dev.crl $C/dev.crl.prev $C/dev.crl.der $C/dev.crl.der.prev
	do
		seq=$((seq + 1))
		[ ! -e $f ] || cp $f crlsnap/$(printf %05d $seq)-${f##*/}
	done
}
# At the end of a loop: integrity_check by sqlite3 itself; every issued
# row not checked yet verifies against the CA (openssl); every distinct
# CRL seen verifies (openssl crl -CAfile, PEM and DER, .prev too), its
# number never named another CRL and never went back, and is not above
# the inventory's; the temporary files left are listed.
inv_rows() {
	[ "$(q 'PRAGMA integrity_check;')" = ok ] ||
	    note "integrity_check: $(q 'PRAGMA integrity_check;' | head -3)"
	rm -f verified/*.pem
	$FC dump "$DB" verified verified.list >"$T/dump.list"
	if [ -s "$T/dump.list" ]; then
		# shellcheck disable=SC2046
		openssl verify -CAfile root/root.pem -untrusted \
		    dev/ca-chain.pem $(cat "$T/dump.list") >"$T/v.out" 2>&1
		if [ "$(grep -c ': OK$' "$T/v.out")" = \
		    "$(wc -l <"$T/dump.list")" ]
		then sed 's,.*/,,; s,\.pem$,,' "$T/dump.list" >>verified.list
		else note "rows that do not verify: $(grep -v ': OK$' \
		    "$T/v.out" | head -3)"; fi
	fi
	ls crlsnap | sed 's,^,crlsnap/,' >"$T/snaps"
	[ -s "$T/snaps" ] || return 0
	# shellcheck disable=SC2046
	$FC crls $(cat "$T/snaps") >"$T/distinct" 2>"$T/crls.err" ||
	    note "$(head -3 "$T/crls.err")"
	max=$(q 'SELECT max(last_number) FROM crl_numbers;')
	while read -r f; do
		case $f in *.der*) fm=DER ;; *) fm=PEM ;; esac
		openssl crl -inform $fm -in "$f" -CAfile chain.pem -noout \
		    2>/dev/null || note "$f does not verify"
		n=$(($(openssl crl -inform $fm -in "$f" -noout -crlnumber |
		    sed 's/.*=//')))
		[ "$n" -le "$max" ] || note "$f: number $n above the inventory's"
		grep -q "^$n$" crls.seen 2>/dev/null || echo "$n" >>crls.seen
	done <"$T/distinct"
	$FC temps out dev/publish >>temps.all
}

# kill_loop NAME CMD...: KILLS iterations, the invariants after each.
# CMD may use $i (the iteration) through eval.
kill_loop() {
	lname=$1; shift
	problems=0; kills=0; badexit=0; i=0
	while [ $i -lt "$KILLS" ]; do
		i=$((i + 1))
		touch "$T/mark"
		eval killrun "$@"
		kills=$((kills + killed))
		invariants
	done
	inv_rows
	[ $problems = 0 ] && pass "$lname: $KILLS runs ($kills killed), \
every invariant held" || fail "$lname: $problems broken invariants"
	[ $badexit = 0 ] && pass "$lname: no unkilled run failed" ||
	    fail "$lname: $badexit unkilled runs failed"
}
cat root/root.pem dev/ca.pem >chain.pem

secs() { echo "# $(($(date +%s) - t_start)) s: $*"; }
t_start=$(date +%s)
# --- pki-issue, one certificate a run ---------------------------------------
measure "pki-issue" pki-issue --profile mtls-server --csr req.csr \
    --out out/first.pem
kill_loop "pki-issue" pki-issue --profile mtls-server --csr req.csr \
    --out 'out/s$i.pem'
single_kills=$kills

secs "pki-issue --batch"
# --- pki-issue --batch --------------------------------------------------------
mkbatch() {	# mkbatch FILE DIR N
	mkdir -p "$2"
	j=0
	while [ $j -lt "$3" ]; do
		echo "req.csr mtls-server $2/$j.pem"
		j=$((j + 1))
	done >"$1"
}
mkbatch b0.batch out/b0 12
measure "pki-issue --batch of 12" pki-issue --batch b0.batch
i=0
while [ $i -lt "$KILLS" ]; do i=$((i + 1)); mkbatch b$i.batch out/b$i 12; done
kill_loop "pki-issue --batch" pki-issue --batch 'b$i.batch'
batch_kills=$kills

secs "the pending rows"
# --- the pending rows the issuers left ----------------------------------------
$FC pending "$DB" >pending.list
np=$(wc -l <pending.list)
echo "# $np pending rows after $single_kills + $batch_kills killed issuers"
[ "$np" -le $((single_kills + 12 * batch_kills)) ] &&
    pass "at most one pending chunk per killed issuer ($np rows)" ||
    fail "$np pending rows for $single_kills + $batch_kills kills"
pki-report --status pending --format json >pend.json 2>pend.err
rc=$?
python3 - "$np" pend.json pending.list <<'EOF' >pend.out 2>&1
import json, sys
n = int(sys.argv[1])
rows = json.load(open(sys.argv[2]))
want = set(open(sys.argv[3]).read().split())
got = set(r["serial"] for r in rows)
assert got == want, (got ^ want)
for r in rows:
    assert r["status"] == "pending" and r["age_s"] >= 0, r
    assert r["profile"] == "mtls-server" and r["requester"], r
EOF
[ $rc -le 1 ] && [ -s pend.json ] && ! [ -s pend.out ] &&
    pass "pki-report --status pending lists them with their age" ||
    { fail "pki-report --status pending (exit $rc)"; cat pend.err pend.out |
    head -5; }
pki-report --format prometheus >prom.txt 2>/dev/null
grep -q "^pki_pending_serials{ca=\"dev\"} $np$" prom.txt &&
    pass "Prometheus: pki_pending_serials $np" ||
    fail "Prometheus: $(grep pending prom.txt)"

secs "the OCSP signer"
# --- the OCSP signer, then pki-revoke -----------------------------------------
check "init-signer" pki-ocsp init-signer --lifetime 20d
check "a first refresh" pki-ocsp refresh
# Each run revokes a different issued certificate (superseded: the key
# is shared by every request and must not be blocked).
q "SELECT serial FROM certs WHERE status = 'issued' AND profile =
    'mtls-server' ORDER BY random() LIMIT $((KILLS + 1));" >victims
[ "$(wc -l <victims)" -gt "$KILLS" ] || fail "too few issued rows to revoke"
victim() { sed -n "$1p" victims; }
measure "pki-revoke" pki-revoke "$(victim $((KILLS + 1)))" --reason superseded
kill_loop "pki-revoke" pki-revoke '"$(victim $i)"' --reason superseded

secs "pki-crl"
# --- pki-crl ------------------------------------------------------------------
measure "pki-crl" pki-crl
kill_loop "pki-crl" pki-crl
n=$(q 'SELECT last_number FROM crl_numbers WHERE shard = 0;')
echo "# CRL numbers seen: $(sort -n crls.seen | tr '\n' ' ')"
[ "$(wc -l <crls.seen)" -ge 1 ] && pass "the CRLs published were checked" ||
    fail "no CRL seen"

secs "pki-ocsp refresh"
# --- pki-ocsp refresh ---------------------------------------------------------
# The first run also makes the publishing pool; the kills are spread over
# the second, which is what the runs killed below do.
measure "pki-ocsp refresh --all, the first" pki-ocsp refresh --all
measure "pki-ocsp refresh --all" pki-ocsp refresh --all
kill_loop "pki-ocsp refresh" pki-ocsp refresh --all

secs "all four"
# --- all four at once -----------------------------------------------------------
mkdir -p out/mix
problems=0; badexit=0; i=0; mixed=$KILLS
[ "${PKI_SUITE:-release}" = release ] && mixed=6
q "SELECT serial FROM certs WHERE status = 'issued' AND profile =
    'mtls-server' ORDER BY random() LIMIT $mixed;" >victims
while [ $i -lt $mixed ]; do
	i=$((i + 1))
	touch "$T/mark"
	mkbatch m$i.batch out/mix/$i 8
	pki-issue --batch m$i.batch >/dev/null 2>&1 & p1=$!
	pki-revoke "$(victim $i)" --reason superseded >/dev/null 2>&1 & p2=$!
	pki-crl >/dev/null 2>&1 & p3=$!
	pki-ocsp refresh --all >/dev/null 2>&1 & p4=$!
	usleep "$(rnd "$span")"
	kill -9 $p1 $p2 $p3 $p4 2>/dev/null
	wait $p1 $p2 $p3 $p4 2>/dev/null
	invariants
done
inv_rows
[ $problems = 0 ] && pass "all four at once, $mixed rounds: every \
invariant held" || fail "all four at once: $problems broken invariants"

secs "afterwards"
# --- afterwards: clean runs catch up --------------------------------------------
check "a clean refresh after the kills" pki-ocsp refresh
check "a clean pki-crl after the kills" pki-crl
touch -d '2001-01-01' "$T/mark"
problems=0
invariants
inv_rows
[ $problems = 0 ] && pass "the invariants hold after the clean runs" ||
    fail "after the clean runs: $problems broken invariants"
# Every response file verifies with openssl and says what the inventory
# says; every revoked serial is on the CRL.
q "SELECT serial, status FROM certs WHERE status IN ('issued', 'revoked')
    AND not_after > unixepoch();" >live
bad=0; nl=0
while read -r line; do
	s=${line%%|*}; st=${line#*|}
	nl=$((nl + 1))
	openssl ocsp -respin $O/$s.der -issuer dev/ca.pem -serial "0x$s" \
	    -CAfile root/root.pem -verify_other dev/ca-chain.pem >o.txt 2>&1
	want=good; [ "$st" = revoked ] && want=revoked
	grep -q "Response verify OK" o.txt && grep -q ": $want" o.txt || {
		bad=$((bad + 1)); [ $bad -le 3 ] && echo "      $s: $want?" &&
		    head -3 o.txt; }
done <live
[ $bad = 0 ] && pass "all $nl OCSP responses verify with openssl and match \
the inventory" || fail "$bad of $nl OCSP responses wrong"
[ "$(wc -l <$O/responses)" = "$nl" ] &&
    pass "the responses file has one line per live certificate" ||
    fail "responses file: $(wc -l <$O/responses) lines, $nl live"
# shellcheck disable=SC2046
check "the responses file holds the response files, byte for byte" \
    $FC same $O $(cut -d'|' -f1 live)
openssl crl -in $C/dev.crl -noout -text >crl.txt
bad=0
for s in $(q "SELECT serial FROM certs WHERE status = 'revoked';"); do
	grep -q "Serial Number: $s" crl.txt || bad=$((bad + 1))
done
[ $bad = 0 ] && pass "every revoked serial is on the CRL" ||
    fail "$bad revoked serials missing from the CRL"
check "the audit log verifies after the kills" pki-audit verify dev/audit.log
# An issuer appends its audit entry before it records the rows as
# issued: however it was killed, every issued row is named in the log.
q "SELECT serial FROM certs WHERE status IN ('issued', 'revoked') AND
    profile = 'mtls-server';" | sort >issued.list
grep -o '"serials":\[[^]]*' dev/audit.log | grep -o '[0-9A-F]\{8,\}' |
    sort -u >audited.list
unaudited=$(comm -23 issued.list audited.list | wc -l)
[ "$unaudited" = 0 ] && [ -s issued.list ] &&
    pass "every one of $(wc -l <issued.list) issued rows is named in the audit log" ||
    fail "$unaudited of $(wc -l <issued.list) issued rows are named by no audit entry"
# pki-crl removes what a killed run left in its directory, an hour on.
touch -d '2 hours ago' $C/dev.crl.tmp-Stale1 $C/dev.crl.der.tmp-Stale2
touch $C/dev.crl.tmp-Fresh1
check "pki-crl after planted temporary files" pki-crl
[ ! -e $C/dev.crl.tmp-Stale1 ] && [ ! -e $C/dev.crl.der.tmp-Stale2 ] &&
    [ -e $C/dev.crl.tmp-Fresh1 ] &&
    pass "pki-crl removes temporary files an hour old, not newer ones" ||
    fail "pki-crl sweep: $(ls $C)"
rm -f $C/dev.crl.tmp-Fresh1
# What the kills left in the served directories (never a published name:
# inv_temps above found only temporary names).
sort -u temps.all | sed 's,.*/,,; s/[0-9A-F]\{6,\}/S/g' | sort | uniq -c |
    sed 's/^/# left by a kill: /'
done_testing
