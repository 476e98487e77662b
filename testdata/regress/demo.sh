# demo.sh: `make demo` works end to end and its summary.json keeps its
# contract (DESIGN.md): every path it names exists, relative to the
# demo directory, and the leaves verify against the root.  On the same
# demo directory, so that the demo runs once:
#
#   - the interoperability matrix (scripts/interop): one PASS/FAIL line
#     per row, and proof that it can fail (a summary that calls a good
#     leaf revoked makes it fail on that leaf's rows);
#   - secret hygiene: no file the demo wrote, the SoftHSM2 token files
#     included, holds any CA key's private bytes -- the root's (from the
#     backup and three shares), each online CA's and OCSP signer's and
#     audit key's (from their encrypted key files) -- raw, in hex, or in
#     base64; keys in a token are sensitive and not extractable.
#
# scripts/demo always runs bin/, so this runs in the release suite only.
. "$(dirname "$0")/lib.sh"
if [ "${PKI_SUITE:-release}" != release ]; then
	echo "# demo.sh: release suite only (scripts/demo runs bin/)"
	done_testing; exit
fi

check "scripts/demo runs the whole story" "$top/scripts/demo" "$T/demo"
check "summary.json parses" python3 -m json.tool "$T/demo/summary.json"
check "every path in summary.json exists under the demo directory" \
    python3 - "$T/demo" <<'PY'
import json, os, sys
d = sys.argv[1]
s = json.load(open(os.path.join(d, "summary.json")))
paths = [s["root"][k] for k in ("cert", "backup", "transcript", "crl")]
paths += s["root"]["shares"]
for i in s["intermediates"]:
    paths += [i[k] for k in ("dir", "cert", "crl", "ocsp_dir", "ocsp_signer",
                              "audit")]
for l in s["leaves"]:
    paths += [l["cert"], l["key"]]
missing = [p for p in paths if os.path.isabs(p) or
           not os.path.exists(os.path.join(d, p))]
print("missing or absolute:", missing)
assert s["root"]["threshold"] == 3 and len(s["root"]["shares"]) == 5
assert not missing
PY
cd "$T/demo" || exit 70
for leaf in server client; do
	check "demo leaf $leaf verifies against the root" openssl verify \
	    -x509_strict -CAfile root-ceremony-2026/root.pem \
	    -untrusted ca/prod/ca-chain.pem "leaves/$leaf.pem"
done
check "the demo's root CRL verifies" openssl crl -in root.crl \
    -CAfile root-ceremony-2026/root.pem -noout

# --- the interoperability matrix ---------------------------------------------
# matrix_lines FILE: PASS/FAIL per row of a matrix that scripts/interop
# printed (rows are the lines before the footnotes with a cell column).
matrix_lines() {
	sed -n '2,/^\[1\]\|^interop:/p' "$1" | grep -E '  (ok|FAIL|n/a)' |
	while IFS= read -r line; do
		row=$(printf '%s\n' "$line" | sed 's/  *\(ok\|FAIL\|n\/a\).*$//')
		case $line in
		*FAIL*) fail "interop: $row" ;;
		*" ok"*) pass "interop: $row" ;;
		*) fail "interop: $row: no implementation checked it" ;;
		esac
	done
}
"$top/scripts/interop" "$T/demo" >"$T/interop.out" 2>&1
rc=$?
# The subshell of the pipeline cannot count: count again from its output.
matrix_lines "$T/interop.out" >"$T/interop.lines"
cat "$T/interop.lines"
passed=$((passed + $(grep -c '^PASS: ' "$T/interop.lines")))
failed=$((failed + $(grep -c '^FAIL: ' "$T/interop.lines")))
if [ "$rc" -eq 0 ] && grep -q ', 0 FAIL, 0 rows where' "$T/interop.out"
then
	pass "scripts/interop exits 0: no FAIL, no disagreement"
else
	fail "scripts/interop exit $rc"
	sed -n '/^Failures:/,$p' "$T/interop.out" | head -40 | sed 's/^/      /'
fi
[ "$(grep -c '^PASS: .*interop: tls: ' "$T/interop.lines")" -ge 4 ] &&
    pass "the matrix has its TLS rows (nginx ran)" ||
    fail "the matrix lacks TLS rows"
if cmp -s "$T/interop.out" interop.txt; then
	pass "interop.txt holds the matrix as printed"
else
	fail "interop.txt missing or different from what was printed"
fi

# The matrix can fail: the same demo, but summary.json says the good
# client is revoked.  Every implementation must now answer "no" on its
# CRL, OCSP and TLS rows.
mkdir "$T/live"
for f in *; do
	[ "$f" = summary.json ] || [ "$f" = interop.txt ] ||
	    ln -s "$T/demo/$f" "$T/live/$f"
done
python3 - summary.json "$T/live/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for l in s["leaves"]:
    if l["name"] == "client":
        l["revoked"] = True
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY
# It runs beside the key search below and is judged at the end.
"$top/scripts/interop" "$T/live" >"$T/live.out" 2>&1 &
live_pid=$!

# --- secret hygiene: no file holds a CA private key --------------------------
cc -std=c11 -D_GNU_SOURCE -I "$top/common" -o "$T/keybytes" \
    "$top/testdata/regress/keybytes.c" "$top/build/release/libpki.a" \
    -Wl,-Bstatic -lp11 -lssl -lcrypto -lsodium -lyaml -lsqlite3 \
    -Wl,-Bdynamic -lqrencode -lpthread -ldl -lm 2>"$T/cc.txt" ||
    { fail "build keybytes"; sed 's/^/      /' "$T/cc.txt"; }
r=root-ceremony-2026
: >"$T/secrets"
# keys_of NAME PUBLIC-PEM-SOURCE KEYBYTES-ARGS...: recover the key, check
# that it is the one whose public key is given (a certificate, or an
# encrypted key's own public half), and add it to $T/secrets.
keys_of() {
	kname=$1 kpub=$2; shift 2
	if ! "$T/keybytes" "$@" >"$T/k.hex" 2>"$T/k.err" ||
	    [ "$(wc -l <"$T/k.hex")" -ne 2 ]; then
		fail "recover the $kname key"; sed 's/^/      /' "$T/k.err"
		return
	fi
	head -1 "$T/k.hex" | xxd -r -p >"$T/k.der"
	openssl pkey -inform der -in "$T/k.der" -pubout >"$T/k.pub" 2>&1
	rm -f "$T/k.der"
	if [ -n "$kpub" ] && ! cmp -s "$T/k.pub" "$kpub"; then
		fail "the recovered $kname key does not match its certificate"
		return
	fi
	pass "the $kname private key recovered (for the search)"
	sed "s/^/$kname /" "$T/k.hex" >>"$T/secrets"
}
pubkey() { openssl x509 -in "$1" -noout -pubkey >"$2"; }
pubkey $r/root.pem "$T/root.pub"
keys_of root "$T/root.pub" $r/root-backup.bin $r/share-1.txt \
    $r/share-2.txt $r/share-3.txt
pubkey ca/dev/ca.pem "$T/dev.pub"
keys_of dev-ca "$T/dev.pub" -k ca/dev/ca-key.enc pins/dev-ca.pass
for ca in prod dev; do
	pin=pins/$ca-ca.pin
	[ "$ca" = dev ] && pin=pins/dev-ca.pass
	pubkey ca/$ca/ocsp-signer.pem "$T/$ca-signer.pub"
	keys_of "$ca-ocsp-signer" "$T/$ca-signer.pub" -k \
	    ca/$ca/ocsp-signer.key $pin
	keys_of "$ca-audit" "" -k ca/$ca/audit.key $pin
done
# Keys in a token: generated there or imported as sensitive, never
# extractable, so no program can have written them out.
SOFTHSM2_CONF=$T/demo/softhsm/softhsm2.conf
export SOFTHSM2_CONF
for tok in root-ca:pins/root-ca.pin prod-ca:pins/prod-ca.pin; do
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "${tok%%:*}" \
	    --login --pin "$(head -1 "${tok#*:}")" -O --type privkey \
	    >"$T/p11" 2>&1
	access=$(sed -n 's/^ *Access: *//p' "$T/p11")
	case ", $access," in
	*", sensitive,"*)
		if printf '%s' ", $access," | grep -q ', extractable,'; then
			fail "token ${tok%%:*}: the CA key is extractable ($access)"
		else
			pass "token ${tok%%:*}: the CA key is sensitive, not" \
			    "extractable ($access)"
		fi ;;
	*) fail "token ${tok%%:*}: no sensitive private key ($access)" ;;
	esac
done

# find_secrets SECRETS DIR...: print each file that holds a secret raw,
# in hex (either case) or in base64 (at any alignment, line breaks
# ignored).  Exit 0 when none does.
find_secrets() {
	python3 - "$@" <<'PY'
import base64, os, sys
forms = []
for line in open(sys.argv[1]):
    name, h = line.split()
    s = bytes.fromhex(h)
    forms += [(name, s), (name, s.hex().encode()), (name, s.hex().upper().encode())]
    for k in range(3):
        t = s[k:]
        t = t[:len(t) - len(t) % 3]
        if len(t) >= 15:
            forms.append((name, base64.b64encode(t)))
            forms.append((name, base64.urlsafe_b64encode(t)))
bad = []
for top in sys.argv[2:]:
    for d, _, fs in os.walk(top):
        for f in fs:
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            data = open(p, "rb").read()
            flat = b"".join(data.split())
            for name, form in forms:
                if form in data or form in flat:
                    bad.append("%s: %s key" % (p, name))
                    break
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}
if [ "$(wc -l <"$T/secrets")" -eq 12 ] &&
    find_secrets "$T/secrets" "$T/demo" >"$T/found"; then
	pass "no file the demo wrote (tokens included) holds a CA, OCSP" \
	    "signer or audit private key, raw, hex or base64"
else
	fail "a private key in a file, or keys missing"
	sed 's/^/      /' "$T/found" | head
fi
# The search is live: the dev CA key written out as PEM, and as hex, is
# found.
mkdir "$T/plain"
grep '^dev-ca ' "$T/secrets" | head -1 | cut -d' ' -f2 | xxd -r -p |
    openssl pkey -inform der -out "$T/plain/leak.pem" 2>/dev/null
grep '^prod-ocsp-signer ' "$T/secrets" | tail -1 | cut -d' ' -f2 |
    tr a-f A-F >"$T/plain/leak.txt"
find_secrets "$T/secrets" "$T/plain" >"$T/found"
if grep -q 'leak.pem: dev-ca' "$T/found" &&
    grep -q 'leak.txt: prod-ocsp-signer' "$T/found"; then
	pass "the search finds a key written as PEM or as upper-case hex"
else
	fail "the search missed a planted key"; sed 's/^/      /' "$T/found"
fi
rm -rf "$T/plain"

wait "$live_pid"
rc=$?
if [ "$rc" -eq 1 ] &&
    grep -Eq '^leaf client \(prod\): CRL status revoked +FAIL +FAIL' \
    "$T/live.out" &&
    grep -Eq '^prod: OCSP response for client: verifies, revoked +FAIL +FAIL' \
    "$T/live.out" &&
    grep -Eq '^tls: leaf client \(revoked\) refused +FAIL +FAIL' \
    "$T/live.out"; then
	pass "the matrix fails when a good leaf is said to be revoked"
else
	fail "the matrix did not fail on a wrong summary (exit $rc)"
	grep -E 'client|^interop:' "$T/live.out" | head -20 | sed 's/^/      /'
fi
done_testing
