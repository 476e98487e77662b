#!/bin/sh
# make-seeds.sh: regenerate the seed corpora in testdata/fuzz/corpus/.
#
# Run from anywhere after `make`: sh testdata/fuzz/make-seeds.sh.  It
# replaces every corpus directory with small valid inputs made from the
# project's own fixtures and policies and from a rehearsal run of the
# programs in bin/ (a root ceremony with a key file and a 2-of-3 backup,
# a dev CA with pki-ca-init, pki-root-sign and pki-ca-install, OCSP
# requests from `openssl ocsp -reqout`).  Keys are made in a scratch
# directory and thrown away; each run writes different bytes with the
# same meaning.
#
# The key files in corpus/keyfile are encrypted under the fuzz target's
# fixed machine key (fuzz_keyfile.c), which is public: they, like the
# PKCS#8 seeds there, hold throwaway keys of a rehearsal that nothing
# trusts.  testdata/fuzz/regress/ (inputs the fuzzers found) is not
# touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=$top/bin
fix=$top/testdata/fixtures
pol=$top/policies
out=$here/corpus
machine_key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

for p in pki-root-keygen pki-ca-init pki-root-sign pki-root-crl pki-ca-install \
    pki-ocsp; do
	[ -x "$bin/$p" ] || { echo "make-seeds.sh: run make first" >&2; exit 69; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

rm -rf "$out"
for t in audit backup base32 cacfg ceremonycfg certfile crlbase csr json keyfile \
    ledger lint ocsp policy profile qr share signcfg yaml; do
	mkdir -p "$out/$t"
done

# --- a rehearsal root ceremony and a dev CA under it ----------------------
printf '%s\n' "$machine_key" >machine.pin
cat >root.yaml <<'EOF'
ceremony: { name: "Fuzz seeds", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  file: root-key.enc
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "Fuzz Seed Root" }
  validity_years: 20
backup:
  method: shamir
  threshold: 2
  custodians: ["Carol", "Dave", "Erin"]
output: { directory: root }
EOF
"$bin/pki-root-keygen" --rehearsal --yes --pin-file machine.pin root.yaml \
    >/dev/null
cat >dev-init.yaml <<EOF
name: dev
key:
  type: p256
  file: ca-key.enc
  pin_file: $tmp/machine.pin
csr:
  subject: { country: "DE", organization: "Example Corp", common_name: "Example Corp Dev CA" }
urls:
  crl: http://pki.example.org/dev-{shard}.crl
  delta_crl: http://pki.example.org/dev-{shard}-delta.crl
  ocsp: http://ocsp.example.org/dev
  ca_issuers: http://pki.example.org/dev.crt
profiles:
  directory: $pol
  allowed: [mtls-server, spiffe-workload]
issuance: { backdate: 5m }
crl: { validity: 2d, shards: 4, delta: true, keep_expired: true }
ocsp: { validity: 1d, refresh: 12h }
publish: { crl: publish/crl, ocsp: publish/ocsp }
EOF
"$bin/pki-ca-init" --ca dev --config dev-init.yaml --yes >/dev/null
cp dev/ca.yaml "$out/cacfg/ca-new.yaml"
cat >sign.yaml <<EOF
ceremony: { name: "Sign dev", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: root/root.pem
  key: { file: root/root-key.enc }
  ledger: root/ledger.log
  transcript: root/transcript.log
sign:
  csr: dev/ca.csr
  policy: $pol/intermediate-dev.yaml
  output: { certificate: dev.pem, chain: dev-chain.pem }
crl:
  validity_days: 30
  output: root.crl
EOF
"$bin/pki-root-sign" --rehearsal --yes --pin-file machine.pin sign.yaml \
    >/dev/null
"$bin/pki-root-crl" --rehearsal --yes --pin-file machine.pin sign.yaml \
    >/dev/null
"$bin/pki-ca-install" --ca dev --yes dev.pem root/root.pem >/dev/null
"$bin/pki-ocsp" init-signer --ca dev >/dev/null 2>&1 || true
cp dev/ca.yaml "$out/cacfg/ca-installed.yaml"
# As an init file elsewhere: profiles next to it (fuzz_cacfg reads it from
# /proc/self/fd, whose "." exists), a pin_file path that reads the same
# on every machine.
sed -e "s|directory: $pol|directory: .|" \
    -e "s|pin_file: .*|pin_file: /etc/pki/dev.pass|" dev-init.yaml \
    >"$out/cacfg/init-dev.yaml"
cp "$pol/ca-prod.yaml" "$out/cacfg/init-prod.yaml"
for f in ca-new ca-installed; do
	sed -i -e "s|$tmp|/srv/pki|g" -e "s|$pol|/srv/pki/policies|g" \
	    "$out/cacfg/$f.yaml"
done

# --- shares: sheets, blocks, QR payloads -----------------------------------
cp root/share-1.txt "$out/share/sheet-1.txt"
sed -n '/^-----BEGIN PKI ROOT BACKUP SHARE/,/^-----END PKI ROOT BACKUP SHARE/p' \
    root/share-2.txt >"$out/share/block-2.txt"
tr 'A-Z' 'a-z' <"$out/share/block-2.txt" >"$out/share/block-2-lower.txt"
for i in 1 2 3; do
	zbarimg -q "root/share-$i.pbm" >"qr-$i.txt" 2>/dev/null
done
cp qr-1.txt "$out/share/qr-1.txt"
cp qr-1.txt "$out/qr/zbarimg-1.txt"
sed 's/^QR-Code://' qr-2.txt >"$out/qr/payload-2.txt"
cat qr-1.txt qr-3.txt >"$out/qr/two-shares.txt"
{ cat qr-2.txt; cat "$out/share/block-2.txt"; } >"$out/qr/qr-and-block.txt"
sed 's/^QR-Code:PKISHARE1://' qr-1.txt | tr -d '\n' >"$out/base32/share-1"
printf 'MZXW6YTBOI' >"$out/base32/foobar"
printf 'AE' >"$out/base32/one-byte"
printf '' >"$out/base32/empty"

# --- the backup, logs and JSON lines ---------------------------------------
cp root/root-backup.bin "$out/backup/root-backup.bin"
# The makings of a backup that fuzz_backup seals itself: M, N, key type,
# set id, creation time (8 bytes, big-endian), then the plaintext.
printf '\002\003\001SETID123\000\000\000\000\145\000\000\000%s' \
    'a PKCS#8 key' >"$out/backup/makings-2of3"
cp root/transcript.log "$out/audit/transcript.log"
cp dev/audit.log "$out/audit/ca-audit.log"
cp root/ledger.log "$out/audit/ledger.log"
# fuzz_ledger takes a script, "ACTION MEMBERS" or "seal" a line.
script() {
	sed -E -e 's/^\{"seq":[0-9]+,"time":"[^"]*","program":"[^"]*",/{/' \
	    -e 's/^\{"version":"[^"]*","action":"seal",.*/seal/' \
	    -e 's/^\{"version":"[^"]*","action":"([^"]*)",?(.*),"prev":"[0-9a-f]*"\}$/\1 \2/' \
	    "$1"
}
script root/ledger.log >"$out/ledger/rehearsal"
printf 'issued "serial":"01","kind":"root"\nrevoked "serial":"01"\nseal\ncrl "number":1\n' \
    >"$out/ledger/short"
head -n 1 root/transcript.log >"$out/json/transcript-line-1"
tail -n 1 root/transcript.log >"$out/json/seal"
tail -n 1 dev/audit.log >"$out/json/ca-audit-last"
printf '{"a":[1,2.5e-3,{"b":null}],"c":"\\u00e9\\ud83d\\ude00","d":true}' \
    >"$out/json/nested"

# --- key files (under the machine key) and PKCS#8 plaintexts ---------------
cp root/root-key.enc "$out/keyfile/root-key.enc"
cp dev/ca-key.enc "$out/keyfile/ca-key.enc"
cp dev/audit.key "$out/keyfile/audit-ed25519.key"
openssl genpkey -algorithm ED25519 -outform DER \
    -out "$out/keyfile/p8-ed25519.der" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -outform DER -out "$out/keyfile/p8-p256.der" 2>/dev/null

# --- YAML: every configuration file of the project -------------------------
for f in "$pol"/*.yaml; do cp "$f" "$out/yaml/"; done
cp dev/ca.yaml "$out/yaml/ca.yaml"
cp "$pol/root-ceremony.yaml" "$out/ceremonycfg/"
cp "$fix/ceremony/good-file.yaml" "$fix/ceremony/good-none.yaml" \
    "$out/ceremonycfg/"
cp root.yaml "$out/ceremonycfg/rehearsal.yaml"
cp "$pol"/intermediate-*.yaml "$fix/policy/good-full.yaml" \
    "$fix/policy/good-minimal.yaml" "$out/policy/"
for p in code-signing device mtls-client mtls-server spiffe-workload user; do
	cp "$pol/$p.yaml" "$out/profile/"
done
cp "$pol/root-sign-prod.yaml" "$pol/cross-sign.yaml" "$out/signcfg/"
cp "$fix/signcfg/good-base.yaml" "$fix/signcfg/good-crl-only.yaml" \
    "$fix/signcfg/good-cross-file.yaml" "$out/signcfg/"
cp sign.yaml "$out/signcfg/rehearsal.yaml"

# --- CSRs and names ---------------------------------------------------------
cp dev/ca.csr "$out/csr/ca-dev.csr"
cp "$fix/csr/p256.csr" "$fix/csr/rsa3072.der" "$fix/csr/ca-pathlen5.csr" \
    "$fix/csr/dup-san.csr" "$fix/csr/ed25519.csr" "$out/csr/"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out leaf.key 2>/dev/null
openssl req -new -key leaf.key -subj '/CN=api.svc.prod.example.internal' \
    -addext 'subjectAltName=DNS:api.svc.prod.example.internal,DNS:www.example.com,IP:10.10.1.2,URI:spiffe://prod.example.org/ns/default/sa/api,email:alice@example.org' \
    -outform DER -out "$out/csr/sans.der"
openssl req -new -key leaf.key -subj '/CN=alice@example.org' \
    -addext 'subjectAltName=email:alice@example.org' \
    -out "$out/csr/user.csr"
printf 'api.svc.prod.example.internal' >"$out/csr/name-dns"
printf '10.10.1.2' >"$out/csr/name-ip"
printf 'spiffe://prod.example.org/ns/default/sa/api' >"$out/csr/name-uri"
printf 'alice@example.org' >"$out/csr/name-email"

# --- certificate files and lint objects -------------------------------------
cp "$fix/lint/chain.pem" "$fix/lint/leaf.der" "$out/certfile/"
openssl pkcs12 -export -nokeys -in "$fix/lint/chain.pem" -passout pass: \
    -noiter -nomaciter -out "$out/certfile/chain.p12" 2>/dev/null
openssl pkcs12 -export -nokeys -in "$fix/lint/leaf.pem" -passout pass: \
    -out "$out/certfile/leaf-iter.p12" 2>/dev/null
der() { openssl x509 -in "$1" -outform DER; }
cp "$fix/lint/leaf.der" "$fix/lint/root-crl.der" "$out/lint/"
{ cat "$fix/lint/leaf.der"; der "$fix/lint/intermediate.pem"; } \
    >"$out/lint/leaf+intermediate.der"
{ cat "$fix/lint/root-crl.der"; der "$fix/lint/root.pem"; } \
    >"$out/lint/crl+root.der"
for b in bad-cn bad-nc-dot bad-sha1; do
	der "$fix/lint/$b.pem" >"$out/lint/$b.der"
done
{ der dev.pem; der root/root.pem; } >"$out/lint/dev+root.der"
{ openssl crl -in root.crl -outform DER; der root/root.pem; } \
    >"$out/lint/rehearsal-crl+root.der"

# --- OCSP requests for the lint fixtures' intermediate ---------------------
ca=$fix/lint/intermediate.pem
openssl ocsp -issuer "$ca" -serial 0x01AB -no_nonce -reqout "$out/ocsp/01AB.der"
openssl ocsp -issuer "$ca" -serial 0x02CD -reqout "$out/ocsp/02CD-nonce.der"
openssl ocsp -issuer "$ca" -sha256 -cert "$fix/lint/leaf.pem" -no_nonce \
    -reqout "$out/ocsp/leaf-sha256.der"
openssl ocsp -issuer "$fix/lint/root.pem" -serial 0x0F -no_nonce \
    -reqout "$out/ocsp/other-ca.der"
# The GET form: /base64, URL-encoded.
printf '/%s' "$(base64 -w0 <"$out/ocsp/01AB.der" | sed -e 's|+|%2B|g' \
    -e 's|/|%2F|g' -e 's|=|%3D|g')" >"$out/ocsp/get-01AB"

# --- crlbase: TBSCertLists of CRLs issued as "Fuzz CRL CA" ----------------
# fuzz_crlbase signs its input itself under that name; openssl ca writes
# the CRLs (no entries, and entries with and without reasons), python3
# cuts out their TBSCertList.
mkdir -p crlca
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout crlca/key.pem -subj "/CN=Fuzz CRL CA" -days 1 \
    -out crlca/cert.pem 2>/dev/null
cat >crlca/ca.cnf <<'CNF'
[ ca ]
default_ca = fuzz
[ fuzz ]
database = crlca/index.txt
crlnumber = crlca/crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
tbs() {	# tbs CRL.pem OUT: the TBSCertList of CRL.pem
	openssl crl -in "$1" -outform DER | python3 -c '
import sys
d = sys.stdin.buffer.read()
def hdr(b, i):
    n = b[i + 1]
    if n < 0x80:
        return i + 2, n
    k = n & 0x7f
    return i + 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")
start, _ = hdr(d, 0)
body, n = hdr(d, start)
sys.stdout.buffer.write(d[start:body + n])' >"$2"
}
i=0
for entries in "" "01 keyCompromise" "01 keyCompromise
7F unspecified
0100 superseded
FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00 -"; do
	: >crlca/index.txt
	echo 1000 >crlca/crlnumber
	printf '%s\n' "$entries" | while read -r s r; do
		[ -n "$s" ] || continue
		[ "$r" = - ] && when=261120000000Z || when=261120000000Z,$r
		printf 'R\t301231000000Z\t%s\t%s\tunknown\t/CN=x\n' "$when" "$s" \
		    >>crlca/index.txt
	done
	openssl ca -gencrl -config crlca/ca.cnf -keyfile crlca/key.pem \
	    -cert crlca/cert.pem -out crlca/crl.pem 2>/dev/null
	tbs crlca/crl.pem "$out/crlbase/tbs-$i.der"
	i=$((i + 1))
done

# --- a dictionary for the YAML targets --------------------------------------
{
	echo '# yaml.dict: libFuzzer dictionary for the YAML targets (README).'
	echo '# Written by make-seeds.sh: the keys of every configuration file'
	echo '# in policies/ and testdata/fixtures/, values that the loaders'
	echo '# treat specially, and the punctuation of plain YAML.'
	{
		grep -ohE '^[[:space:]-]*[a-z_]+:' "$pol"/*.yaml \
		    "$fix"/*/*.yaml "$out"/cacfg/*.yaml
		grep -ohE '[{,] *[a-z_]+:' "$pol"/*.yaml "$out"/*/*.yaml
	} | sed -E 's/^[[:space:]{,-]*//' | sort -u | sed 's/.*/"& "/'
	for v in true false null '~' p256 p384 rsa3072 rsa4096 rsa ed25519 \
	    shamir none '{shard}' 'http://' 'pkcs11:' 'token=' 'object=' \
	    'type=private' '*.' '/16' '::/' 30d 12h 5m 0s; do
		printf '"%s"\n' "$v"
	done
	for v in '\x0a- ' '\x0a  ' ': ' '{ ' ' }' '[' ']' ', ' '\x22' "'" '#' \
	    '|' '>' '&a' '*a' '!!str' '---' '...' '%YAML 1.1'; do
		printf '"%s"\n' "$v"
	done
} >"$here/yaml.dict"

du -sh "$out" | sed 's/^/make-seeds.sh: corpus size /'
