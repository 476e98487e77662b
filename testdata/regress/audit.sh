#!/bin/sh
# audit.sh: pki-audit verify and show on logs written by testdata/unit/mklog.c
# (built here against libpki.a): exit codes and messages for a good log,
# tampered logs, a missing file and bad usage, and that neither command
# writes anything.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 70
# Build mklog against the library of the suite being run.
if [ "${PKI_SUITE:-release}" = asan ]; then
	lib=$top/build/asan/libpki.a
	san="-fsanitize=address,undefined"
else
	lib=$top/build/release/libpki.a
	san=
fi
# shellcheck disable=SC2086
if ! cc -std=c11 -D_GNU_SOURCE $san -I "$top/common" -o mklog \
    "$top/testdata/unit/mklog.c" "$lib" \
    -Wl,-Bstatic -lp11 -lssl -lcrypto -lsodium -lyaml -lsqlite3 \
    -Wl,-Bdynamic -lqrencode -lpthread -ldl -lm 2>cc.txt; then
	fail "build mklog"
	sed 's/^/      /' cc.txt | head -20
	done_testing
	exit 1
fi

key1=$(./mklog good.log 5 1) || fail "mklog writes a log"
key2=$(./mklog other.log 3 2) || fail "mklog writes a second log"

# --- a good log ---------------------------------------------------------------
sum=$(cksum <good.log)
expect_exit 0 "good log verifies" pki-audit verify good.log
grep -q '^good.log: verified$' "$T/.out" && grep -q '^entries: *5$' "$T/.out" &&
    grep -q '^seals: *1$' "$T/.out" && grep -q "^seal key: *$key1" "$T/.out" &&
    pass "verify prints entries, seals and the seal key" ||
    { fail "verify output"; cat "$T/.out"; }
head=$(sed -n 's/^head: *//p' "$T/.out")
[ "${#head}" -eq 64 ] && pass "verify prints a 64-digit head" ||
    fail "no head digest in: $(cat "$T/.out")"
words=$(sed -n '/^head:/{n;p;}' "$T/.out" | wc -w)
[ "$words" -eq 32 ] && pass "head also in 32 PGP words" ||
    fail "head words: $words"
expect_exit 0 "pinned key accepted" pki-audit verify --key "$key1" good.log
expect_exit 0 "head written down matches" \
    pki-audit verify --head "$head" good.log
colon=$(echo "$head" | sed 's/\(..\)/\1:/g; s/:$//')
expect_exit 0 "head as colon hex matches" \
    pki-audit verify --key "$key1" --head "$colon" good.log
expect_exit 1 "another pinned key refused" \
    pki-audit verify --key "$key2" good.log
expect_msg "good.log line 6: sealed by key .*not by the pinned key" \
    "the message names the seal line and the pinned key"
expect_exit 1 "another head refused" \
    pki-audit verify --head "$(echo "$head" | tr 0-9a-f 1-9a-f0)" good.log
expect_msg "good.log: head is .*cut back or extended" \
    "the message says the log was cut or extended"
[ "$(cksum <good.log)" = "$sum" ] && pass "verify leaves the log unchanged" ||
    fail "verify changed the log"

# --- tampering ---------------------------------------------------------------
sed 's/"entry 3"/"entry 4"/' good.log >edited.log
expect_exit 1 "edited entry fails" pki-audit verify edited.log
expect_msg "^pki-audit: edited.log line 4: prev does not match line 3" \
    "the message names the line after the edit"
sed '2d' good.log >deleted.log
expect_exit 1 "deleted entry fails" pki-audit verify deleted.log
expect_msg "deleted.log line 2: seq 3 where 2 expected (missing entry)" \
    "the message names the missing entry"
sed '$d' good.log >unsealed.log
expect_exit 1 "log without its seal fails" pki-audit verify unsealed.log
expect_msg "unsealed.log: the log has no seal" "the message says unsealed"
cat good.log >tail.log
./mklog tail.log 2 1 "" open >/dev/null
expect_exit 1 "entries after the seal fail" pki-audit verify tail.log
expect_msg "entries after the last seal are not sealed (line 7)" \
    "the message names the first unsealed line"
head -c -1 good.log >torn.log
expect_exit 1 "torn last line fails" pki-audit verify torn.log
expect_msg "torn.log line 6: no newline at the end" "the torn line is named"
: >empty.log
expect_exit 1 "empty log fails" pki-audit verify empty.log

# --- hostile text is escaped -------------------------------------------------
rlo=$(printf '\342\200\256')
./mklog hostile.log 1 1 "\"who\":\"Zo$(printf '\303\253') ${rlo}evil\",\"esc\":\"\\u001b[2J\"" \
    >/dev/null
expect_exit 0 "show a log with hostile text" pki-audit show hostile.log
grep -q 'who="Zo.* \\u202eevil"' "$T/.out" &&
    ! grep -q "$rlo" "$T/.out" && ! grep -q "$(printf '\033')" "$T/.out" &&
    pass "show escapes control and bidi characters" ||
    { fail "show escaping"; cat -A "$T/.out"; }

# --- show ----------------------------------------------------------------------
expect_exit 0 "show as text" pki-audit show good.log
[ "$(wc -l <"$T/.out")" -eq 6 ] &&
    grep -q '^3 [0-9T:Z-]* mklog step i=3 note="entry 3"$' "$T/.out" &&
    pass "one line per entry: seq time program action members" ||
    { fail "show text"; cat "$T/.out"; }
expect_exit 0 "show as JSON" pki-audit show --format json good.log
cmp -s "$T/.out" good.log && pass "JSON form is the lines themselves" ||
    fail "JSON form differs from the log"
expect_exit 0 "show one action" pki-audit show --action seal good.log
[ "$(wc -l <"$T/.out")" -eq 1 ] && grep -q " seal head=" "$T/.out" &&
    pass "--action seal shows only the seal" || fail "--action filter"
expect_exit 0 "show since a future day" pki-audit show --since 2999-01-01 \
    good.log
[ ! -s "$T/.out" ] && pass "--since filters by time" || fail "--since filter"
# show does not verify, so a hand-written log serves for the serial filter:
# a single serial, a list of them, and one whose serial merely starts alike.
cat >serials.log <<'EOF'
{"seq":1,"time":"2026-11-23T10:00:00Z","program":"pki-issue","action":"issue","serials":["0A1B2C","77FF"]}
{"seq":2,"time":"2026-11-23T11:00:00Z","program":"pki-revoke","action":"revoke","serial":"0A1B2C","reason":"keyCompromise"}
{"seq":3,"time":"2026-11-23T12:00:00Z","program":"pki-issue","action":"issue","serial":"0A1B2CD"}
{"seq":4,"time":"2026-11-23T13:00:00Z","program":"pki-crl","action":"crl","note":"0A1B2C"}
EOF
expect_exit 0 "show one serial" pki-audit show --serial 0a:1b:2c serials.log
[ "$(cut -d' ' -f1 "$T/.out" | tr '\n' ' ')" = "1 2 " ] &&
    pass "--serial finds it in serial and serials, in any spelling" ||
    { fail "--serial filter"; cat "$T/.out"; }
expect_exit 0 "show a serial with --action" pki-audit show --serial A1B2C \
    --action revoke --format json serials.log
[ "$(wc -l <"$T/.out")" -eq 1 ] && grep -q '"seq":2,' "$T/.out" &&
    pass "--serial and --action combine" || fail "--serial with --action"
expect_exit 0 "show an unknown serial" pki-audit show --serial 99 serials.log
[ ! -s "$T/.out" ] && pass "an unknown serial shows nothing" ||
    fail "unknown serial shows: $(cat "$T/.out")"
expect_exit 64 "--serial not hex" pki-audit show --serial 0xZZ serials.log
expect_msg "--serial 0xZZ: give the serial in hex" "the bad serial is named"
expect_exit 64 "--serial with verify" pki-audit verify --serial 0A good.log
printf '{"seq":1}\nnot json\n' >junk.log
expect_exit 65 "show refuses a malformed log" pki-audit show junk.log
expect_msg "junk.log line 1: not an audit entry" "the bad line is named"

# --- missing input and usage ----------------------------------------------------
expect_exit 66 "missing file" pki-audit verify nosuch.log
expect_msg "nosuch.log: no such file" "the missing file is named"
expect_exit 66 "show a missing file" pki-audit show nosuch.log
expect_exit 64 "no command" pki-audit
expect_exit 64 "unknown command" pki-audit check good.log
expect_exit 64 "no file" pki-audit verify
expect_exit 64 "two files" pki-audit verify good.log other.log
expect_exit 64 "--key twice" pki-audit verify --key "$key1" --key "$key1" \
    good.log
expect_msg "given twice" "duplicate option named"
expect_exit 64 "short --key" pki-audit verify --key abcd good.log
expect_exit 64 "--format with verify" pki-audit verify --format json good.log
expect_exit 64 "--key with show" pki-audit show --key "$key1" good.log
expect_exit 64 "--format xml" pki-audit show --format xml good.log
expect_exit 64 "bad --since" pki-audit show --since yesterday good.log
expect_exit 64 "unknown option" pki-audit verify --frobnicate good.log
expect_msg "frobnicate" "the unknown option is named"
expect_exit 0 "--help" pki-audit --help
grep -q '^usage: pki-audit verify' "$T/.out" && pass "--help prints usage" ||
    fail "--help output"
expect_exit 0 "--version" pki-audit --version
grep -q '^pki-audit [0-9]' "$T/.out" && pass "--version prints the version" ||
    fail "--version output"

rm -f "$T/.out" "$T/.err"
ls >"$T/.after"
grep -q -v -e mklog -e cc.txt -e '\.log$' -e '^\.' "$T/.after" &&
    fail "unexpected files: $(cat "$T/.after")" ||
    pass "pki-audit wrote no files"
done_testing
