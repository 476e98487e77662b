# lint.sh: pki-lint on the fixtures of testdata/fixtures/lint (made with
# the openssl CLI by make-fixtures.sh): a good chain and CRL lint clean
# as PEM, DER and a multi-certificate PEM, each bad fixture fails with its
# rule id, the exit statuses for findings, usage, missing and unreadable
# input, JSON output that parses, and a man page that lists every rule.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/lint
cd "$T" || exit 70

# out_has PATTERN DESC: the last expect_exit's stdout matches.
out_has() {
	if grep -q -- "$1" "$T/.out"; then pass "$2"
	else fail "$2: stdout lacks '$1'"; sed 's/^/      /' "$T/.out" | head -5; fi
}

# --help, --version.
expect_exit 0 "--help" pki-lint --help
out_has "^usage: pki-lint \[--kind" "--help prints the usage on stdout"
expect_exit 0 "--version" pki-lint --version
out_has "^pki-lint [0-9]" "--version prints the version"

# The good chain, CRL, DER and multi-certificate PEM.
expect_exit 0 "good root" pki-lint --kind root "$F/root.pem"
out_has "root.pem: 0 errors, 0 warnings, 0 notices" "good root: no finding"
expect_exit 0 "good intermediate vs root" pki-lint --kind intermediate \
    --eku serverAuth --eku clientAuth --issuer "$F/root.pem" \
    "$F/intermediate.pem"
out_has "0 errors, 0 warnings, 0 notices" "good intermediate: no finding"
expect_exit 0 "good leaf vs intermediate" pki-lint --kind leaf \
    --eku serverAuth --issuer "$F/intermediate.pem" "$F/leaf.pem"
out_has "0 errors, 0 warnings, 0 notices" "good leaf: no finding"
expect_exit 0 "good leaf as DER" pki-lint "$F/leaf.der"
expect_exit 0 "leaf on standard input" sh -c "pki-lint - <'$F/leaf.pem'"
expect_exit 0 "chain.pem" pki-lint "$F/chain.pem"
out_has "chain.pem\[1\]: 0 errors" "chain.pem: the leaf linted"
out_has "chain.pem\[2\]: 0 errors" "chain.pem: the intermediate linted"
expect_exit 0 "root CRL vs root" pki-lint --issuer "$F/root.pem" \
    "$F/root.crl"
out_has "root.crl: 0 errors, 0 warnings, 0 notices" "root CRL: no finding"
expect_exit 0 "root CRL as DER" pki-lint --issuer "$F/root.pem" \
    "$F/root-crl.der"

# Bad fixtures: exit 1 and the rule id.
bad() {	# FILE RULE DESC [ARGS...]
	file=$1; rule=$2; desc=$3; shift 3
	expect_exit 1 "$desc" pki-lint "$@" "$F/$file"
	out_has "error: $rule (" "$desc: $rule reported as an error"
}
bad bad-cn.pem cn-not-in-san "CN not among the SAN DNS names"
bad bad-nc-dot.pem nc-dns-leading-dot "name constraint with a leading dot"
bad bad-rsa2048-ca.pem key-rsa-size "RSA-2048 intermediate"
bad bad-sha1.pem sig-alg-allowed "leaf signed with SHA-1"
bad bad-crl-nonumber.crl crl-number-missing "CRL without a number"
bad leaf.pem eku-missing "leaf without the profile's clientAuth" \
    --eku serverAuth --eku clientAuth
bad leaf.pem issuer-signature "leaf against the wrong issuer" \
    --issuer "$F/root.pem"
bad intermediate.pem root-self-signed "intermediate linted as a root" \
    --kind root
bad root.crl crl-signature "root CRL against the intermediate" \
    --issuer "$F/intermediate.pem"
expect_exit 1 "a bad file among good ones" pki-lint "$F/leaf.pem" \
    "$F/bad-cn.pem"
expect_msg "1 error finding" "the summary on stderr counts the errors"

# Unreadable and missing inputs.
expect_exit 65 "garbage file" pki-lint "$F/garbage.pem"
expect_msg "garbage.pem: not a PEM or DER certificate or CRL" \
    "garbage: the message names the file"
printf '' >empty.pem
expect_exit 65 "empty file" pki-lint empty.pem
sed 's/^MII/MIX/' "$F/leaf.pem" >corrupt.pem
expect_exit 65 "corrupt base64 DER" pki-lint corrupt.pem
head -c 200 "$F/leaf.der" >short.der
expect_exit 65 "truncated DER" pki-lint short.der
cat "$F/leaf.der" "$F/leaf.der" >double.der
expect_exit 65 "DER with trailing data" pki-lint double.der
expect_exit 66 "missing file" pki-lint nonexistent.pem
expect_msg "nonexistent.pem: no such file" "missing: the message names it"
expect_exit 66 "missing issuer" pki-lint --issuer nonexistent.pem \
    "$F/leaf.pem"
expect_exit 65 "issuer that is no certificate" pki-lint \
    --issuer "$F/garbage.pem" "$F/leaf.pem"
expect_exit 66 "missing file among good ones" pki-lint "$F/leaf.pem" \
    nonexistent.pem "$F/bad-cn.pem"
out_has "leaf.pem: 0 errors" "the good file before it is still linted"
out_has "bad-cn.pem: error: cn-not-in-san" "and the bad one after it"
expect_msg "1 of 3 inputs could not be linted" "the summary counts them"

# Usage errors.
expect_exit 64 "no file" pki-lint
expect_exit 64 "unknown option" pki-lint --frobnicate "$F/leaf.pem"
expect_exit 64 "unknown kind" pki-lint --kind branch "$F/leaf.pem"
expect_exit 64 "unknown EKU" pki-lint --eku webAuth "$F/leaf.pem"
expect_msg "webAuth" "unknown EKU: the message names it"
expect_exit 64 "EKU given twice" pki-lint --eku serverAuth \
    --eku serverAuth "$F/leaf.pem"
expect_exit 64 "kind given twice" pki-lint --kind leaf --kind leaf \
    "$F/leaf.pem"
expect_exit 64 "unknown format" pki-lint --format xml "$F/leaf.pem"
expect_exit 64 "--list-rules with a file" pki-lint --list-rules \
    "$F/leaf.pem"

# JSON.
expect_exit 1 "JSON output" pki-lint --format json "$F/leaf.pem" \
    "$F/bad-cn.pem" "$F/chain.pem"
cp "$T/.out" findings.json	# check overwrites .out
check "JSON output parses" python3 -m json.tool findings.json
check "JSON: one finding, cn-not-in-san, with every member" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1, a
f = a[0]
assert f["file"].endswith("bad-cn.pem") and f["index"] == 1, f
assert f["rule"] == "cn-not-in-san" and f["severity"] == "error", f
assert f["source"] == "CA/B BR 7.1.4.3" and "www.example.com" in f["message"]
' findings.json
expect_exit 0 "JSON output, clean" pki-lint --format json "$F/chain.pem"
cp "$T/.out" clean.json
check "JSON: a clean run is []" python3 -c '
import json, sys
assert json.load(open(sys.argv[1])) == []
' clean.json

# Every rule is in the man page's table.
expect_exit 0 "--list-rules" pki-lint --list-rules
cut -f1 "$T/.out" >rules.txt
n=$(wc -l <rules.txt)
[ "$n" -ge 100 ] && pass "--list-rules lists $n rules" || fail "only $n rules"
missing=""
while read -r id; do
	grep -q "^\.It Li $id Ta " "$top/man/pki-lint.1" || missing="$missing $id"
done <rules.txt
[ -z "$missing" ] && pass "man/pki-lint.1 has a table row for every rule" \
    || fail "rules missing from man/pki-lint.1:$missing"
awk -F'\t' '{ print $1 " " $2 " " $3 }' "$T/.out" | while read -r id sev src; do
	grep -q "^\.It Li $id Ta $sev Ta $src\$" "$top/man/pki-lint.1" ||
	    echo "$id"
done >stale.txt
[ ! -s stale.txt ] && pass "the man page's severities and sources match" \
    || fail "stale rows in man/pki-lint.1: $(tr '\n' ' ' <stale.txt)"

done_testing
