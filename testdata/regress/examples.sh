# examples.sh: scripts/examples/ against a dev CA made through the
# ceremony programs (dev_ca_setup).  ci-issue.sh issues a certificate
# that openssl verifies, for its own key, with a Secret manifest that
# holds the same files, and refuses a name the profile does not allow
# leaving nothing; every crontab line has a valid schedule, names a
# program whose --help works and lists each flag used, and runs; the
# systemd units pass a key parser and, where it works here,
# systemd-analyze verify (checked first on a good and a bad unit), and
# their ExecStart lines run; the files envoy-mtls.yaml names are made as
# its comments say and verify with openssl (CRL checks, OCSP staple).
# Release suite only.
. "$(dirname "$0")/lib.sh"

[ "${PKI_SUITE:-release}" = release ] || exit 0
EX=$top/scripts/examples

dev_ca_setup "mtls-server"
check "dev's OCSP signer" pki-ocsp init-signer

# --- the crontab ----------------------------------------------------------------
mkdir log prom
lines=0
grep -v -e '^#' -e '^[[:space:]]*$' -e '^[A-Z_]*=' "$EX/crontab" >cron.txt
while read -r m h dom mon dow cmd; do
	lines=$((lines + 1))
	for f in "$m" "$h" "$dom" "$mon" "$dow"; do
		echo "$f" | grep -qE '^[0-9*/,-]+$' ||
		    fail "crontab: bad schedule field '$f' in: $cmd"
	done
	prog=${cmd%% *}
	case $prog in pki-*) ;; *) fail "crontab: runs $prog"; continue ;; esac
	if "$prog" --help >help.txt 2>&1; then
		for flag in $(echo "$cmd" | grep -oE -- '--[a-z0-9-]+'); do
			grep -q -- "$flag" help.txt ||
			    fail "crontab: $prog --help lacks $flag"
		done
		pass "crontab: $prog --help lists every flag of: ${cmd%% >*}"
	else
		fail "crontab: $prog --help"
	fi
	run=$(echo "$cmd" | sed -e "s|/srv/pki/prod|$T/dev|g" \
	    -e "s|/var/log/pki|$T/log|g" \
	    -e "s|/var/lib/node_exporter/textfile|$T/prom|g")
	check "crontab: runs: ${cmd%% >*}" sh -c "$run"
done <cron.txt
[ "$lines" -ge 4 ] && pass "crontab: $lines jobs" || fail "crontab: $lines jobs"
jq -e '.numbers' log/prod-crl.json >/dev/null 2>&1 ||
    jq -e . log/prod-crl.json >/dev/null 2>&1 &&
    pass "crontab: pki-crl logged JSON" || fail "crontab: crl log"
jq -e .signed log/prod-ocsp.json >/dev/null 2>&1 &&
    pass "crontab: pki-ocsp logged JSON" || fail "crontab: ocsp log"
grep -q '^pki_ca_expiry_seconds{ca="dev"} [0-9]' prom/pki-prod.prom &&
    pass "crontab: the textfile collector file has the CA's expiry" ||
    fail "crontab: prom file"

# --- the systemd units ------------------------------------------------------------
mkdir units
for u in "$EX"/*@.service "$EX"/*@.timer; do
	b=$(basename "$u")
	sed -e "s|/usr/local/bin/|$BINDIR/|g" -e "s|/srv/pki/|$T/|g" \
	    -e "s|/var/lib/node_exporter/textfile|$T/prom|g" "$u" \
	    >"units/$(echo "$b" | sed 's/@\./@dev./')"
done
# keyparse FILE: every line a comment, a known section or a known key.
keyparse() {
	awk '/^#/ || /^[[:space:]]*$/ { next }
	/^\[(Unit|Service|Timer|Install)\]$/ { sec = $0; next }
	/^\[/ { print FILENAME ": unknown section " $0; bad = 1; next }
	{ k = $0; sub(/=.*/, "", k)
	  ok = sec == "[Unit]" && k ~ /^(Description|Documentation)$/ ||
	    sec == "[Service]" && k ~ /^(Type|User|Group|ExecStart|SuccessExitStatus|NoNewPrivileges|PrivateTmp|ProtectHome|ProtectSystem|UMask)$/ ||
	    sec == "[Timer]" && k ~ /^(OnCalendar|RandomizedDelaySec|Persistent|AccuracySec)$/ ||
	    sec == "[Install]" && k ~ /^WantedBy$/
	  if (!ok || $0 !~ /=/) { print FILENAME ": " sec " " $0; bad = 1 } }
	END { exit bad }' "$1"
}
for u in units/*; do
	check "systemd: $(basename "$u"): known sections and keys" keyparse "$u"
	case $u in *.timer)
		[ -f "${u%.timer}.service" ] && pass "systemd: $(basename "$u") has its service" ||
		    fail "systemd: no service for $u" ;;
	esac
done
# Does systemd-analyze verify work here?  A good unit must pass quietly
# and a unit with an unknown key must not.
printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\n' \
    >good.service
printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\nBogusKey=1\n' \
    >bogus.service
if command -v systemd-analyze >/dev/null &&
    [ -z "$(systemd-analyze verify --man=no ./good.service 2>&1)" ] &&
    [ -n "$(systemd-analyze verify --man=no ./bogus.service 2>&1)" ]; then
	for u in units/*; do
		if out=$(systemd-analyze verify --man=no "./$u" 2>&1) &&
		    [ -z "$out" ]; then
			pass "systemd-analyze verify $(basename "$u")"
		else
			fail "systemd-analyze verify $(basename "$u")"
			echo "$out" | sed 's/^/      /'
		fi
	done
	for t in units/*.timer; do
		cal=$(sed -n 's/^OnCalendar=//p' "$t")
		check "systemd-analyze calendar '$cal'" systemd-analyze calendar "$cal"
	done
else
	echo "# examples: systemd-analyze verify does not work here; the key parser stands in"
fi
for u in units/*.service; do
	cmd=$(sed -n 's/^ExecStart=//p' "$u" | sed 's/%i/dev/g')
	# pki-report exits 1 inside the warning window (SuccessExitStatus=1).
	check "systemd: $(basename "$u") ExecStart runs" \
	    sh -c "$cmd; rc=\$?; [ \$rc -eq 0 ] || [ \$rc -eq 1 ]"
done
grep -q '^pki_ca_expiry_seconds{ca="dev"}' prom/pki-dev.prom &&
    pass "systemd: pki-report@dev wrote prom/pki-dev.prom" ||
    fail "systemd: no prom/pki-dev.prom"

# --- the CI example ---------------------------------------------------------------
W=web.svc.dev.example.internal
check "ci-issue.sh issues for two names" env PKI_REQUESTER=ci-test#42 \
    sh "$EX/ci-issue.sh" -o ci "$W" api.svc.dev.example.internal
check "ci: tls.crt verifies to the root (openssl -x509_strict)" \
    openssl verify -x509_strict -CAfile ci/ca.crt -untrusted ci/tls.crt ci/tls.crt
openssl x509 -in ci/tls.crt -noout -ext subjectAltName >san.txt 2>&1
grep -q "DNS:$W, DNS:api.svc.dev.example.internal" san.txt &&
    pass "ci: both names in the certificate" || fail "ci SAN: $(cat san.txt)"
[ "$(openssl x509 -in ci/tls.crt -noout -pubkey)" = \
  "$(openssl pkey -in ci/tls.key -pubout)" ] &&
    pass "ci: the certificate is for the runner's key" || fail "ci: key mismatch"
[ "$(stat -c %a ci/tls.key)" = 600 ] && pass "ci: tls.key is 0600" ||
    fail "ci: tls.key mode $(stat -c %a ci/tls.key)"
check "ci: secret.yaml holds tls.crt, tls.key and ca.crt" python3 - ci <<'PY'
import base64, sys, yaml
d = sys.argv[1]
s = yaml.safe_load(open(d + "/secret.yaml"))
assert s["kind"] == "Secret" and s["type"] == "kubernetes.io/tls", s
for k in ("tls.crt", "tls.key", "ca.crt"):
    assert base64.b64decode(s["data"][k]) == open(d + "/" + k, "rb").read(), k
PY
s=$(jq -r .serial ci/issue.json)
grep "\"serials\":\[\"$s\"\]" dev/audit.log | grep -q '"requester":"ci-test#42"' &&
    pass "ci: the audit log names the requester" || fail "ci: audit entry"
expect_exit 1 "ci: a name outside the profile is refused" \
    sh "$EX/ci-issue.sh" -o bad evil.example.com
[ ! -e bad ] && pass "ci: nothing left behind" || fail "ci: bad/ left behind"
check "ci: pki-issue through a PKI_ISSUE command, as over ssh" \
    env -u PKI_CA_DIR PKI_ISSUE="env PKI_CA_DIR=$T/dev pki-issue" \
    CA_BUNDLE=dev/ca-chain.pem ROOT=root/root.pem \
    sh "$EX/ci-issue.sh" -o ci2 -l 1d "x.svc.dev.example.internal"

expect_exit 1 "crontab: the morning report exits 1 once a leaf expires within 7d" \
    sh -c "$(grep -- '--warn 7d' "$EX/crontab" | cut -d' ' -f6- |
    sed "s|/srv/pki/prod|$T/dev|")"
expect_msg "expire within 7d" "crontab: and says so on stderr"

# --- envoy: the files envoy-mtls.yaml names ---------------------------------------
check "envoy-mtls.yaml is YAML with one mTLS listener" python3 - \
    "$EX/envoy-mtls.yaml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
l = c["static_resources"]["listeners"][0]
t = l["filter_chains"][0]["transport_socket"]["typed_config"]
assert t["require_client_certificate"] is True
ctx = t["common_tls_context"]
files = {ctx["tls_certificates"][0][k]["filename"]
         for k in ("certificate_chain", "private_key", "ocsp_staple")}
files |= {ctx["validation_context"][k]["filename"] for k in ("trusted_ca", "crl")}
want = {"/etc/envoy/tls/" + f for f in
        ("fullchain.pem", "edge.key", "ocsp.der", "ca.pem", "crl.pem")}
assert files == want, files
PY
cat >root-crl.yaml <<EOF
ceremony: { name: "Root CRL", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: root/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=root-ca;object=root-key" } }
  ledger: root/ledger.log
  transcript: root/transcript.log
crl: { validity_days: 30, output: root.crl.pem }
EOF
check "the root's CRL" pki-root-crl --rehearsal --yes --pin-file root.pin \
    root-crl.yaml
mkdir envoy
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout envoy/edge.key -subj "/CN=edge.svc.dev.example.internal" \
    -addext "subjectAltName=DNS:edge.svc.dev.example.internal" \
    -out edge.csr 2>/dev/null
check "envoy: the server certificate, as the comments say" pki-issue \
    --ca dev --profile mtls-server --csr edge.csr --out edge.pem \
    --fullchain envoy/fullchain.pem
cp dev/root.pem envoy/ca.pem
pki-crl --ca dev >/dev/null
cat root.crl.pem dev/publish/crl/dev.crl >envoy/crl.pem
pki-ocsp refresh --ca dev >/dev/null
cp "dev/publish/ocsp/$(openssl x509 -in edge.pem -noout -serial | cut -d= -f2).der" \
    envoy/ocsp.der
check "envoy: the chain verifies with every CRL (-crl_check_all)" \
    openssl verify -crl_check_all -CAfile envoy/ca.pem \
    -untrusted envoy/fullchain.pem -CRLfile envoy/crl.pem edge.pem
openssl ocsp -issuer dev/ca.pem -cert edge.pem -respin envoy/ocsp.der \
    -CAfile envoy/ca.pem -verify_other dev/ca-chain.pem >ocsp.txt 2>&1
grep -q "Response verify OK" ocsp.txt && grep -q "edge.pem: good" ocsp.txt &&
    pass "envoy: the OCSP staple verifies and says good" ||
    { fail "envoy: OCSP staple"; sed 's/^/      /' ocsp.txt; }

done_testing
