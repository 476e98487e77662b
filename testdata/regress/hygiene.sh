# hygiene.sh: the programs that hold secrets cannot dump core, and the
# ceremony programs run clean under valgrind memcheck.  (That no file
# holds a private key is checked on the demo's output in demo.sh.)
#
# Core dumps: a program waiting at a prompt on a pseudo-terminal --
# pki-root-keygen --rehearsal at its "yes" and pki-ca-init asking for a
# new passphrase -- started as user nobody with `ulimit -c unlimited`:
# its "Max core file size" must be 0 and it must be non-dumpable (a
# non-dumpable process's /proc/PID/mem belongs to root, not to its user),
# and SIGSEGV / SIGQUIT must leave no core file in its directory.  The
# same done to a plain `sleep` must give nobody's /proc files and a core
# file, so the check is live.
#
# valgrind: pki-root-keygen --rehearsal --yes, pki-shares verify and
# combine, pki-root-restore, pki-root-sign, pki-root-crl and pki-audit on
# a rehearsal, each with --error-exitcode and definite leaks as errors.
# Release suite only (valgrind does not run ASan binaries).
. "$(dirname "$0")/lib.sh"
if [ "${PKI_SUITE:-release}" != release ]; then
	echo "# hygiene.sh: release suite only"
	done_testing; exit
fi
softhsm_setup
cd "$T" || exit 70
chmod 755 "$T"

# --- core dumps -------------------------------------------------------------
# Everything the unprivileged runs touch belongs to nobody.
softhsm_token nc-root 123456
softhsm_token nc-ca 123456
printf '123456\n' >pin
mkdir -p core-keygen core-cainit core-sleep
cat >core-keygen/ceremony.yaml <<EOF
ceremony: { name: "Core", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=nc-root;object=root-key" }
certificate:
  subject: { common_name: "Core Root" }
  validity_years: 10
backup: { method: none }
output: { directory: out }
EOF
cat >core-cainit/init.yaml <<EOF
name: core
key:
  type: p256
  file: ca-key.enc
csr:
  subject: { common_name: "Core CA" }
urls:
  crl: http://pki.example.org/core.crl
  ocsp: http://ocsp.example.org/core
profiles: { directory: $top/policies, allowed: [mtls-server] }
issuance: { backdate: 5m }
crl: { validity: 2d, shards: 1, delta: false }
ocsp: { validity: 1d, refresh: 12h }
publish: { crl: publish/crl, ocsp: publish/ocsp }
EOF
# As root the programs run as nobody (setpriv), since a root process's
# /proc files belong to root whether it is dumpable or not; otherwise as
# the user running the tests.
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody:nogroup "$T"
	PROBE_UID=65534
	PROBE_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	PROBE_UID=$(id -u)
	PROBE_AS=
fi
export PROBE_AS

# probe DIR PROMPT SIGNAL COMMAND...: run COMMAND as nobody in DIR on a
# pty with RLIMIT_CORE unlimited, wait for PROMPT on the screen, report
# the core limit and /proc/PID/mem's owner, kill it with SIGNAL and
# report whether a core file appeared in DIR.
probe() {
	python3 - "$@" <<'PY'
import os, pty, resource, select, signal, sys, time
d, prompt, sig = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
cmd = os.environ["PROBE_AS"].split() + sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.chdir(d)
    # A shell runs background jobs with SIGINT and SIGQUIT ignored, and
    # an ignored signal stays ignored across exec: make the probe's
    # signal mean what it means at a terminal.
    for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP,
              signal.SIGSEGV):
        signal.signal(s, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    os.execvp(cmd[0], cmd)
screen, end = b"", time.time() + 60
while prompt not in screen and time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.5)
    if r:
        try:
            screen += os.read(fd, 4096)
        except OSError:
            break
if prompt not in screen:
    print("prompt=missing")
    sys.stdout.write(screen.decode(errors="replace")[-600:])
    os.kill(pid, signal.SIGKILL)
    sys.exit(1)
print("prompt=seen")
for line in open("/proc/%d/limits" % pid):
    if line.startswith("Max core file size"):
        print("core_limit=" + line.split()[4])
print("mem_owner=%d" % os.stat("/proc/%d/mem" % pid).st_uid)
print("uid=" + [l.split()[1] for l in open("/proc/%d/status" % pid)
                if l.startswith("Uid:")][0])
os.kill(pid, getattr(signal, sig))
# A program that ignored the signal must fail the check, not hang it.
end, status = time.time() + 20, None
while status is None and time.time() < end:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = st
    else:
        time.sleep(0.1)
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print("signalled=still running 20 s after the signal")
else:
    print("signalled=%s" % (os.WIFSIGNALED(status) and
          os.WTERMSIG(status) == getattr(signal, sig)))
time.sleep(0.2)
# A core file lands in DIR only when core_pattern is a plain name; a
# pipe (systemd-coredump, apport) or an absolute path takes it elsewhere.
pattern = open("/proc/sys/kernel/core_pattern").read().strip()
if pattern.startswith("|") or "/" in pattern:
    print("cores=n/a")
    print("pattern=" + pattern)
else:
    print("cores=%d" % len([f for f in os.listdir(d) if f.startswith("core")
                            and f not in ("core.yaml",)]))
PY
}

# judge_probe WHAT LIVE: PASS/FAIL lines from $T/probe.out.  LIVE=1 for
# the control, which must dump.
judge_probe() {
	what=$1 live=$2
	v() { sed -n "s/^$1=//p" "$T/probe.out"; }
	if [ "$(v prompt)" != seen ]; then
		fail "$what: no prompt"; sed 's/^/      /' "$T/probe.out"; return
	fi
	if [ "$(v cores)" = n/a ]; then
		# Only the dumpable flag and the core limit can be seen here.
		echo "# $what: core_pattern '$(v pattern)' sends core files" \
		    "elsewhere; the core-file count is not checked"
	fi
	if [ "$live" = 1 ]; then
		[ "$(v core_limit)" = unlimited ] &&
		    [ "$(v mem_owner)" = "$PROBE_UID" ] &&
		    { [ "$(v cores)" = n/a ] || [ "$(v cores)" -ge 1 ]; } &&
		    pass "$what: dumpable, core limit unlimited$(
		    [ "$(v cores)" = n/a ] || echo ', leaves a core')" \
		    "(the check is live)" ||
		    { fail "$what: the control did not dump core"
		      sed 's/^/      /' "$T/probe.out"; }
		return
	fi
	[ "$(v core_limit)" = 0 ] && pass "$what: Max core file size 0" ||
	    fail "$what: Max core file size $(v core_limit)"
	[ "$(v uid)" = "$PROBE_UID" ] && [ "$(v mem_owner)" = 0 ] &&
	    pass "$what: not dumpable (/proc/PID/mem belongs to root)" ||
	    fail "$what: dumpable (uid $(v uid), /proc/PID/mem uid $(v mem_owner))"
	[ "$(v signalled)" = True ] &&
	    { [ "$(v cores)" = n/a ] || [ "$(v cores)" = 0 ]; } &&
	    pass "$what: killed by a signal$(
	    [ "$(v cores)" = n/a ] || echo ", no core file")" ||
	    fail "$what: signalled $(v signalled), $(v cores) core file(s)"
}

probe "$T/core-sleep" ready SIGSEGV sh -c 'echo ready; exec sleep 30' \
    >"$T/probe.out" 2>&1
judge_probe "control: sleep" 1
probe "$T/core-keygen" "yes" SIGSEGV pki-root-keygen --rehearsal \
    --pin-file "$T/pin" ceremony.yaml >"$T/probe.out" 2>&1
judge_probe "pki-root-keygen at its confirmation" 0
probe "$T/core-cainit" "assphrase" SIGQUIT pki-ca-init --ca ca \
    --config init.yaml >"$T/probe.out" 2>&1
judge_probe "pki-ca-init asking a passphrase" 0
[ -n "$PROBE_AS" ] && chown -R 0:0 "$T"

# --- valgrind memcheck ---------------------------------------------------------
if ! command -v valgrind >/dev/null 2>&1; then
	fail "valgrind is not installed (scripts/install-deps installs it)"
	done_testing; exit
fi
# vg DESCRIPTION COMMAND...: memcheck finds no error and no definite leak.
vg() {
	desc=$1; shift
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --log-file="$T/vg.log" "$@" >"$T/.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "valgrind: $desc"
	else
		fail "valgrind: $desc (exit $rc)"
		head -30 "$T/vg.log" | sed 's/^/      /'
		tail -5 "$T/.out" | sed 's/^/      /'
	fi
}
softhsm_token vg-root 123456
softhsm_token vg-new 123456
softhsm_token vg-ca 654321
printf '654321\n' >ca.pin
cat >vg-root.yaml <<EOF
ceremony: { name: "Valgrind", administrator: "Alice", witnesses: ["Walter"] }
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=vg-root;object=root-key" }
certificate:
  subject: { country: "DE", organization: "Example Corp", common_name: "VG Root" }
  validity_years: 10
backup:
  method: shamir
  threshold: 2
  custodians: ["Carol", "Dave", "Erin"]
output: { directory: vg }
EOF
vg "pki-root-keygen --rehearsal --yes" pki-root-keygen --rehearsal --yes \
    --pin-file pin vg-root.yaml
vg "pki-shares verify" pki-shares verify --backup vg/root-backup.bin \
    vg/share-1.txt vg/share-2.txt vg/share-3.txt
vg "pki-shares combine" pki-shares combine --backup vg/root-backup.bin \
    --cert vg/root.pem vg/share-1.txt vg/share-3.txt
vg "pki-root-restore" pki-root-restore --rehearsal --yes \
    --backup vg/root-backup.bin --cert vg/root.pem \
    --hsm-module "$SOFTHSM_MODULE" --uri "pkcs11:token=vg-new;object=root-key" \
    --pin-file pin --transcript vg/restore.log vg/share-1.txt vg/share-2.txt
# An intermediate CSR to sign (pki-ca-init is not a ceremony program:
# it runs outside valgrind).
cat >ca-init.yaml <<EOF
name: dev
key:
  type: p256
  hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=vg-ca;object=dev-key" }
  pin_file: $T/ca.pin
csr:
  subject: { country: "DE", organization: "Example Corp", common_name: "VG Dev CA" }
urls:
  crl: http://pki.example.org/dev.crl
  ocsp: http://ocsp.example.org/dev
profiles: { directory: $top/policies, allowed: [mtls-server] }
issuance: { backdate: 5m }
crl: { validity: 2d, shards: 1, delta: false }
ocsp: { validity: 1d, refresh: 12h }
publish: { crl: publish/crl, ocsp: publish/ocsp }
EOF
check "pki-ca-init (the CSR to sign)" pki-ca-init --ca dev \
    --config ca-init.yaml --yes
cat >vg-sign.yaml <<EOF
ceremony: { name: "Sign dev", administrator: "Alice", witnesses: ["Walter"] }
root:
  certificate: vg/root.pem
  key: { hsm: { module: $SOFTHSM_MODULE, uri: "pkcs11:token=vg-new;object=root-key" } }
  ledger: vg/ledger.log
  transcript: vg/sign-transcript.log
sign:
  csr: dev/ca.csr
  policy: $top/policies/intermediate-dev.yaml
  output: { certificate: dev.pem, chain: dev-chain.pem }
crl:
  validity_days: 30
  output: root.crl
EOF
vg "pki-root-sign (with the restored key)" pki-root-sign --rehearsal --yes \
    --pin-file pin vg-sign.yaml
vg "pki-root-crl" pki-root-crl --rehearsal --yes --pin-file pin vg-sign.yaml
vg "pki-audit verify (keygen transcript)" pki-audit verify vg/transcript.log
vg "pki-audit verify (sign and CRL transcript)" pki-audit verify \
    vg/sign-transcript.log
check "the signed intermediate verifies under the root" openssl verify \
    -CAfile vg/root.pem dev.pem
check "the root CRL verifies" openssl crl -in root.crl -CAfile vg/root.pem \
    -noout
# memcheck is live: a definite leak in a program built the same way is
# an error.
cat >leak.c <<'EOF'
#include <stdlib.h>
#include <string.h>
int main(void) { char *p = malloc(64); memset(p, 1, 64); p = NULL; return 0; }
EOF
cc -O0 -o leak leak.c
valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --log-file="$T/vg.log" ./leak
[ $? -eq 99 ] && pass "valgrind: a definite leak is an error (the check is live)" ||
    fail "valgrind does not report a definite leak"
done_testing
