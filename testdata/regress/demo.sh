# demo.sh: `make demo` works end to end and its summary.json keeps its
# contract (DESIGN.md): every path it names exists, relative to the
# demo directory, and the leaves verify against the root.
. "$(dirname "$0")/lib.sh"

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
done_testing
