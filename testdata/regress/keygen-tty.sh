# keygen-tty.sh: pki-root-keygen's interactive ceremony on a real
# pseudo-terminal, driven as the people in the room would drive it
# (tty_ceremony.py): the plan answered "yes" or "no", every custodian
# pressing Enter, reading the share off the cleared screen and typing it
# back with echo off, one custodian scanning the QR code off the screen,
# a custodian typing another ceremony's share, a custodian with a typo
# three times, keys typed ahead (a "yes" before the plan is on the
# screen, a double Enter) that must answer no later question.  A refused
# ceremony leaves nothing: no output or staging directory, no key in the
# token.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# $name: no python3: skipped"
	done_testing
	exit
fi
drive() { python3 "$here/tty_ceremony.py" "$@"; }

softhsm_setup
printf '123456\n' >"$T/pin"
cd "$T" || exit 70

# setup N: a token ttyN and a directory vN holding a 2-of-3 P-256 ceremony.
setup() {
	softhsm_token "tty$1" 123456
	mkdir "v$1"
	cat >"v$1/ceremony.yaml" <<EOF
ceremony:
  name: "TTY ceremony $1"
  administrator: "Alice Admin"
  witnesses: ["Walter Witness"]
key:
  type: p256
  hsm:
    module: $SOFTHSM_MODULE
    uri: "pkcs11:token=tty$1;object=root-key"
certificate:
  subject: { common_name: "TTY Root $1" }
  validity_years: 10
backup:
  method: shamir
  threshold: 2
  custodians: ["Carol", "Dave", "Erin"]
output:
  directory: out
EOF
}

# token_keys N: how many private keys token ttyN holds.
token_keys() {
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "tty$1" --login \
	    --pin 123456 --list-objects --type privkey 2>/dev/null |
	    grep -c 'Private Key Object' || true
}

# run N DRIVER-OPTION...: the ceremony in vN on a pty; the driver's report
# in vN.drv, the whole screen in vN.screen.
run() {
	n=$1; shift
	(cd "v$n" && drive --log "$T/v$n.screen" "$@" -- pki-root-keygen \
	    --rehearsal --pin-file "$T/pin" ceremony.yaml) >"v$n.drv" 2>&1
}

# said N REGEX DESC: the driver reported a check matching REGEX.
said() {
	if grep -q -- "^ok: .*$2" "v$1.drv"; then pass "$3"
	else
		fail "$3"
		grep -e '^FAILED' -e '^skipped' "v$1.drv" | sed 's/^/      /'
	fi
}

# driven N DESC: the driver's run N passed as a whole.
driven() {
	if grep -q '^FAILED' "v$1.drv" || ! grep -q '^ok: exit status' \
	    "v$1.drv"; then
		fail "$2"; sed 's/^/      /' "v$1.drv" | tail -25
	else pass "$2"; fi
}

# nothing_left N DESC: a refused ceremony left no trace.
nothing_left() {
	unchanged "$T/v$1" "$2"
	[ "$(token_keys "$1")" = 0 ] && pass "$2: no key in the token" ||
	    fail "$2: $(token_keys "$1") keys left in token tty$1"
}

# --- 1: typed back correctly ---------------------------------------------
setup 1
run 1 --expect-exit 0
driven 1 "2-of-3 ceremony typed back on a terminal (exit 0)"
said 1 "plan shown with custodians Carol, Dave, Erin" \
    "the plan names the custodians and asks for yes"
for i in 1 2 3; do
	said 1 "custodian $i .*screen cleared, share $i shown as QR" \
	    "custodian $i: screen cleared, then share $i shown (QR and lines)"
	said 1 "custodian $i: echo off while the share was typed" \
	    "custodian $i: echo off during the read-back, nothing typed shown"
	said 1 "custodian $i: echo on again; screen cleared" \
	    "custodian $i: echo restored and the screen cleared after Enter"
done
said 1 "no share on the screen after the last clear" \
    "no share left on the screen at the end"
check "transcript verifies (pki-audit verify)" \
    pki-audit verify v1/out/transcript.log
grep '"action":"readback"' v1/out/transcript.log 2>/dev/null | grep -q \
    'every custodian read their share back from the screen' &&
    pass "transcript: every custodian read their share back from the screen" ||
    fail "transcript lacks the typed readback"
grep -q '"detail":"typed yes"' v1/out/transcript.log 2>/dev/null &&
    pass "transcript: the plan was confirmed by typing yes" ||
    fail "transcript lacks plan-confirmed by typing"
[ "$(token_keys 1)" = 1 ] && pass "the root key is in the token" ||
    fail "token tty1 holds $(token_keys 1) keys"

# --- 2: "no" to the plan -------------------------------------------------
setup 2
snapshot "$T/v2"
run 2 --answer no --expect-exit 1 --expect-msg "not confirmed: nothing was done"
driven 2 "answering no to the plan (exit 1)"
said 2 "the screen said /not confirmed" "'no' is reported as not confirmed"
nothing_left 2 "answering no"
grep -q 'Custodian' v2.screen && fail "custodians were asked after 'no'" ||
    pass "no custodian is asked after 'no'"

# --- 3: custodian 2 makes the same typo three times ----------------------
setup 3
snapshot "$T/v3"
run 3 --typo 2 --expect-exit 1 \
    --expect-msg "custodian Dave could not read the share back"
driven 3 "custodian 2 with a typo three times (exit 1)"
told="^ok: custodian 2: told 'pki-root-keygen: typed share line 3: typo"
[ "$(grep -c "$told" v3.drv)" = 3 ] &&
    pass "each of the three tries names line 3" ||
    { fail "the typo was not named three times"; sed 's/^/      /' v3.drv |
    tail -15; }
said 3 "custodian 1: echo on again" "custodian 1 read back before the typos"
grep -q 'Custodian Erin' v3.screen && fail "custodian 3 was asked" ||
    pass "the ceremony stops at custodian 2"
said 3 "could not read the share back" "'could not read the share back'"
nothing_left 3 "a share not read back"

# --- 4: another ceremony's share, then right; a QR scanned ---------------
setup 4
if command -v zbarimg >/dev/null 2>&1; then scan="--scan 3"; else scan=; fi
run 4 --foreign "1:$T/v1/out/share-1.txt" $scan --expect-exit 0
driven 4 "a foreign share refused, the second try accepted (exit 0)"
said 4 "custodian 1: told .*not this custodian's share" \
    "another ceremony's share 1 is 'not this custodian's share'"
[ -n "$scan" ] && said 4 "custodian 3: the QR code on the screen scans" \
    "the QR code drawn on the terminal scans (zbarimg)"
said 4 "custodian 3: echo on again" \
    "custodian 3 read back${scan:+ by scanning the QR code}"
check "ceremony 4's transcript verifies" pki-audit verify v4/out/transcript.log

# --- 5: keys typed too early ---------------------------------------------
# A "yes" typed before the plan is shown must not confirm it; an Enter
# typed twice (after "yes", or at "Press Enter to clear the screen.")
# must not show the next custodian's share before that custodian has
# pressed Enter: the room may not have turned away yet.
setup 5
run 5 --typeahead --expect-exit 0
driven 5 "a ceremony with keys typed ahead (exit 0)"
said 5 "typeahead: a \"yes\" typed before the plan was shown is not taken" \
    "a \"yes\" typed before the plan is shown does not confirm it"
said 5 "typeahead: custodian 1's share waits for their own Enter" \
    "an extra Enter after \"yes\" does not show custodian 1's share"
said 5 "typeahead: custodian 2's share waits for their own Enter" \
    "a double Enter by custodian 1 does not show custodian 2's share"

done_testing
