#!/bin/sh
# ci-issue.sh: issue a TLS certificate for a deployment from a CI
# pipeline, and leave what the deploy step needs.
#
#   ci-issue.sh [-p PROFILE] [-l LIFETIME] [-o DIR] NAME [NAME...]
#
# The key is made here and never leaves the runner: only the CSR goes to
# the CA, on standard input, and the certificate comes back in pki-issue's
# JSON on standard output, so the CA can be on another host:
#
#   PKI_ISSUE="ssh pki@ca.example.org pki-issue --ca /srv/pki/prod"
#
# Environment:
#   PKI_ISSUE     how to run pki-issue (default: pki-issue, which reads
#                 PKI_CA_DIR)
#   PKI_CA_DIR    the CA directory, when pki-issue runs here
#   CA_BUNDLE     the CA certificate followed by the root (default
#                 $PKI_CA_DIR/ca-chain.pem); kept with the pipeline
#   ROOT          the root certificate (default $PKI_CA_DIR/root.pem)
#   PKI_REQUESTER who asks, for the CA's inventory and audit log
#                 (default: the CI project and job, else the user)
#
# Writes into DIR (default tls/, which must not exist): tls.key (0600),
# tls.csr, tls.crt (the certificate, the CA certificate, the root),
# ca.crt (the root), issue.json (pki-issue's answer) and secret.yaml (a
# Kubernetes Secret of type kubernetes.io/tls with all three).  Exits
# non-zero, and removes DIR, when anything fails: a name the profile
# does not allow, a certificate that does not verify.  See pki-issue(1)
# and pki(7).
set -eu

profile=mtls-server
lifetime=7d
out=tls
while getopts p:l:o: opt; do
	case $opt in
	p) profile=$OPTARG ;;
	l) lifetime=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: ci-issue.sh [-p PROFILE] [-l LIFETIME] [-o DIR] NAME..." >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "ci-issue.sh: no name given" >&2; exit 64; }
issue=${PKI_ISSUE:-pki-issue}
bundle=${CA_BUNDLE:-${PKI_CA_DIR:-.}/ca-chain.pem}
root=${ROOT:-${PKI_CA_DIR:-.}/root.pem}
requester=${PKI_REQUESTER:-${CI_PROJECT_PATH:-$(id -un)}#${CI_JOB_ID:-$$}}

# 1. A new directory, removed again on any failure.
[ ! -e "$out" ] || { echo "ci-issue.sh: $out exists" >&2; exit 73; }
umask 077
mkdir "$out"
trap 'rm -rf "$out"' EXIT

# 2. The key and the CSR: the first name is the common name, every name
#    a DNS subjectAltName.
sans=
for n in "$@"; do sans="${sans:+$sans,}DNS:$n"; done
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$out/tls.key" 2>/dev/null
openssl req -new -key "$out/tls.key" -subj "/CN=$1" \
    -addext "subjectAltName=$sans" -out "$out/tls.csr"

# 3. Issue.  Without --out, the JSON carries the certificate's PEM.
# shellcheck disable=SC2086
$issue --profile "$profile" --lifetime "$lifetime" \
    --requester "$requester" --csr - --format json \
    <"$out/tls.csr" >"$out/issue.json"
jq -r .certificate "$out/issue.json" >"$out/leaf.pem"

# 4. Check before anything is deployed: the chain verifies to the root,
#    and the certificate is for our key.
openssl verify -x509_strict -CAfile "$root" -untrusted "$bundle" \
    "$out/leaf.pem" >/dev/null
[ "$(openssl x509 -in "$out/leaf.pem" -noout -pubkey)" = \
  "$(openssl pkey -in "$out/tls.key" -pubout)" ]

# 5. What the deploy step takes: files, and a Secret manifest.
cat "$out/leaf.pem" "$bundle" >"$out/tls.crt"
cp "$root" "$out/ca.crt"
rm "$out/leaf.pem"
b64() { base64 -w0 <"$1"; }
cat >"$out/secret.yaml" <<EOT
apiVersion: v1
kind: Secret
metadata:
  name: $(printf '%s' "$1" | tr . -)-tls
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$out/tls.crt")
  tls.key: $(b64 "$out/tls.key")
  ca.crt: $(b64 "$out/ca.crt")
EOT
trap - EXIT
jq -r '"issued \(.serial) for \(.sans | join(", ")), valid until \(.not_after)"' \
    "$out/issue.json"
# A pipeline would go on with, for example:
#   kubectl apply -n shop -f tls/secret.yaml
#   kubectl rollout restart -n shop deployment/web
