#!/usr/bin/env python3
"""tty_ceremony.py: drive pki-root-keygen's interactive ceremony on a pty.

Used by keygen-tty.sh.  The program runs on a fresh pseudo-terminal
(os.openpty) that is its standard input, output, error and controlling
terminal, so every question it asks on /dev/tty reaches this driver.
The driver behaves as the people in the room would: it reads the plan
and answers it, and for each custodian waits for "press Enter", reads
the share off the screen (the numbered text lines, or the QR code drawn
in half blocks), types it back with the terminal's echo off, and
presses Enter to clear the screen.  It types only once the program
waits for keys (/proc), as a person would, never in the microseconds
between a prompt and the read.

It checks what a witness would see: the plan names the custodians, the
screen is cleared before a share is shown and after it was read back,
no share is on the screen before its custodian pressed Enter or after
the ceremony, echo is off while a share is typed (the terminal's flag,
and none of the typed text comes back), echo is on again afterwards,
every wrong read-back is explained, and the program exits as expected.
With --typeahead it also checks that keys typed too early (a "yes"
before the plan is shown, a double Enter) answer no later question.

It prints "ok: ..." for each check that held and "FAILED: ..." for each
that did not, with the end of the screen; it exits 0 if nothing failed.
Every wait has a deadline (at most --wait seconds, and the whole run at
most --timeout seconds), so a program that stops answering fails the
run instead of hanging it.  On failure the driver hangs up the terminal
and gives the program a moment to clean up before killing it.

usage: tty_ceremony.py [--answer WORD] [--typo N] [--foreign N:FILE]
           [--scan N] [--typeahead] [--expect-exit CODE]
           [--expect-msg REGEX]... [--timeout S] [--wait S] [--log FILE]
           -- PROGRAM ARG...
"""
import os
import re
import select
import signal
import subprocess
import sys
import termios
import time

CLEAR = b"\x1b[H\x1b[2J\x1b[3J"
PLAN_PROMPT = rb'Type "yes" to continue: '
CUSTODIAN_PROMPT = rb"Custodian (.+?): press Enter when only you can see " \
    rb"the screen\."
READ_PROMPT = rb"Scan the QR code or type the numbered lines back, then " \
    rb"an empty line:"
CLEAR_PROMPT = rb"Press Enter to clear the screen\."
BEGIN = "-----BEGIN PKI ROOT BACKUP SHARE-----"
END = "-----END PKI ROOT BACKUP SHARE-----"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
HALF = {" ": (0, 0), "\u2580": (1, 0), "\u2584": (0, 1), "\u2588": (1, 1)}
QUIET = 1.0     # seconds to watch that a program does not go on by itself


class Failed(Exception):
    """A check did not hold and the run cannot go on; the message says
    which."""


def plain(data):
    """Terminal output as text: escapes and carriage returns removed."""
    return ANSI.sub(b"", data).replace(b"\r", b"").decode("utf-8",
                                                          "replace")


class Terminal:
    """The program on a pseudo-terminal, and everything it wrote."""

    def __init__(self, argv, timeout, wait, early=""):
        """Start argv on a new terminal; early is typed before it starts
        (keys already waiting, with no race against the program)."""
        self.deadline = time.monotonic() + timeout
        self.wait = wait
        self.out = b""
        self.pos = 0            # output before this has been looked at
        self.eof = False
        self.status = None
        master, slave = os.openpty()
        if early:
            os.write(master, early.encode())
        pid = os.fork()
        if pid == 0:
            try:
                os.close(master)
                os.setsid()
                # Opening it as a session leader makes it the
                # controlling terminal: /dev/tty.
                os.close(os.open(os.ttyname(slave), os.O_RDWR))
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                if slave > 2:
                    os.close(slave)
                os.execvp(argv[0], argv)
            except OSError as e:
                os.write(2, ("cannot run %s: %s\n" % (argv[0],
                                                     e)).encode())
            finally:
                os._exit(127)
        os.close(slave)
        self.pid, self.fd = pid, master

    def left(self):
        return self.deadline - time.monotonic()

    def until(self):
        """The deadline of one wait."""
        return min(self.deadline, time.monotonic() + self.wait)

    def pump(self, wait):
        """Read what the program wrote within wait seconds."""
        if self.eof:
            time.sleep(max(min(wait, 0.05), 0))
            return
        ready, _, _ = select.select([self.fd], [], [], max(wait, 0))
        if not ready:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:         # EIO: the program closed the terminal
            data = b""
        if data:
            self.out += data
        else:
            self.eof = True

    def watch(self, seconds):
        """Read for a while without waiting for anything."""
        end = min(self.deadline, time.monotonic() + seconds)
        while time.monotonic() < end and not self.eof:
            self.pump(end - time.monotonic())

    def tail(self):
        return plain(self.out[-1500:])

    def expect(self, pattern, what):
        """Wait for pattern after the cursor; move the cursor past it."""
        rx = re.compile(pattern)
        end = self.until()
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            if self.eof:
                raise Failed("the program ended (%s) before %s" %
                             (self.reap(), what))
            if time.monotonic() >= end:
                raise Failed("timed out waiting for %s" % what)
            self.pump(min(end - time.monotonic(), 0.5))

    def send(self, text):
        os.write(self.fd, text.encode())

    def echo(self):
        """The ECHO flag of the terminal (the master reports the slave's)."""
        return bool(termios.tcgetattr(self.fd)[3] & termios.ECHO)

    def wait_echo(self, want, what):
        """Typing before the program turned echo off would show the share
        (and TCSAFLUSH would drop it): wait, as a person would."""
        end = self.until()
        while self.echo() != want:
            if time.monotonic() >= end:
                raise Failed("echo still %s %s" %
                             ("off" if want else "on", what))
            self.pump(0.02)

    def reading(self):
        """True when the program sleeps in a read of the terminal, i.e.
        waits for keys; True as well where /proc cannot tell."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state != "S":
            return False
        try:
            with open("/proc/%d/wchan" % self.pid) as f:
                wchan = f.read().strip()
        except OSError:
            return True
        return wchan in ("", "0", "wait_woken") or "tty" in wchan

    def wait_reading(self, what):
        """A person types once the prompt is there and the program waits
        for them, not in the microseconds between the two (when a
        program may still flush keys typed ahead)."""
        end = self.until()
        while not self.reading():
            if self.eof or time.monotonic() >= end:
                raise Failed("the program does not wait for keys %s" %
                             what)
            self.pump(0.01)

    def reap(self):
        """How the program ended, once it has closed the terminal."""
        end = min(self.deadline, time.monotonic() + 2)
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return "exit status %d" % self.status
            time.sleep(0.02)
        return "still running"

    def finish(self):
        """Read to the end and reap the program; its exit status."""
        end = self.until()
        while not self.eof and time.monotonic() < end:
            self.pump(min(end - time.monotonic(), 0.5))
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            time.sleep(0.05)
        raise Failed("timed out waiting for the program to exit")

    def hang_up(self):
        """Close the terminal: the program reads end of file and undoes
        its work; kill it only if it has not ended within a few
        seconds."""
        os.close(self.fd)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        print("FAILED: the program did not end after the terminal was "
              "closed; killed")


class Driver:
    def __init__(self, opts, term):
        self.o = opts
        self.t = term
        self.custodians = []
        self.shown = []         # every share's numbered lines seen
        self.gave_up = False    # a custodian failed every try
        self.extra_enter = False    # an Enter was typed ahead
        self.bad = 0

    def ok(self, text):
        print("ok: " + text)

    def failed(self, text):
        """A check that did not hold, after which the run can go on."""
        print("FAILED: " + text)
        self.bad += 1

    def plan(self):
        m = self.t.expect(PLAN_PROMPT, "the plan's question")
        text = plain(self.t.out[:m.start()])
        self.custodians = re.findall(r"custodian +\d+: +(.+)", text)
        if "Plan for" not in text or not self.custodians:
            raise Failed("no plan with custodians before the question")
        self.ok("plan shown with custodians %s; asked to type yes" %
                ", ".join(self.custodians))
        if self.o["typeahead"]:
            self.t.watch(QUIET)
            if re.search(CUSTODIAN_PROMPT, self.t.out[self.t.pos:]):
                self.failed("typeahead: a \"yes\" typed before the plan "
                            "was shown confirmed it")
                print("skipped: typeahead: an extra Enter after \"yes\" "
                      "(the plan is already confirmed)")
                return
            self.ok("typeahead: a \"yes\" typed before the plan was "
                    "shown is not taken as confirmation")
            self.t.wait_reading("at the plan's question")
            self.t.send(self.o["answer"] + "\r\r")
            self.extra_enter = True
        else:
            self.t.wait_reading("at the plan's question")
            self.t.send(self.o["answer"] + "\r")

    def press_enter(self, i, m):
        """Custodian i presses Enter at their prompt (match m), unless a
        stray Enter typed ahead must not count for it."""
        what = "at custodian %d's prompt" % i
        if not self.extra_enter:
            self.t.wait_reading(what)
            self.t.send("\r")
            return
        self.extra_enter = False
        self.t.watch(QUIET)
        if CLEAR in self.t.out[m.end():]:
            self.failed("typeahead: an Enter typed ahead showed custodian "
                        "%d's share before they pressed Enter" % i)
            return
        self.ok("typeahead: custodian %d's share waits for their own Enter"
                % i)
        self.t.wait_reading(what)
        self.t.send("\r")

    def show(self, i, name):
        """Custodian i's turn; the share as the screen shows it."""
        start = self.t.pos
        m = self.t.expect(CUSTODIAN_PROMPT, "custodian %d's prompt" % i)
        got = m.group(1).decode()
        if got != name:
            raise Failed("custodian %d prompt names %r, plan said %r" %
                         (i, got, name))
        if BEGIN in plain(self.t.out[start:m.start()]):
            raise Failed("a share was on the screen before custodian %d "
                         "pressed Enter" % i)
        self.press_enter(i, m)
        c = self.t.expect(re.escape(CLEAR), "the screen to be cleared "
                          "for custodian %d" % i)
        p = self.t.expect(READ_PROMPT, "the read-back prompt")
        screen = self.t.out[c.end():p.start()]
        text = plain(screen)
        head = "Share %d of %d for %s" % (i, len(self.custodians), name)
        if head not in text:
            raise Failed("screen after clearing lacks %r" % head)
        lines = numbered(text)
        if not lines:
            raise Failed("no numbered share lines on custodian %d's screen"
                         % i)
        self.shown.append(lines)
        qr = qr_rows(screen.decode("utf-8", "replace"))
        if len(qr) < 21:
            raise Failed("no QR code in half blocks on the screen")
        self.ok("custodian %d (%s): screen cleared, share %d shown as "
                "QR (%d modules) and %d numbered lines" %
                (i, name, i, len(qr), len(lines)))
        return lines, qr

    def scanned(self, i, qr):
        """What a hand scanner pointed at the screen would type."""
        path = os.path.join(self.o["tmp"], "screen-qr-%d-%d.pbm" %
                            (os.getpid(), i))
        scale = 4               # pixels per module, for zbarimg
        with open(path, "w") as f:
            f.write("P1\n%d %d\n" % (scale * len(qr[0]),
                                     scale * len(qr)))
            for row in qr:
                line = " ".join(str(v) for v in row for _ in range(scale))
                f.write((line + "\n") * scale)
        try:
            r = subprocess.run(["zbarimg", "-q", "--raw", path],
                               capture_output=True, text=True,
                               timeout=max(self.t.left(), 1))
        finally:
            os.unlink(path)
        payload = r.stdout.strip()
        if r.returncode != 0 or not payload.startswith("PKISHARE"):
            raise Failed("zbarimg could not read the QR code on the "
                         "screen: %r" % (r.stdout + r.stderr))
        self.ok("custodian %d: the QR code on the screen scans" % i)
        return [payload]

    def attempt(self, i, typed, want_error):
        """Type one block back and check the program's answer; True when
        the program has stopped asking."""
        what = "at custodian %d's read-back prompt" % i
        self.t.wait_echo(False, what)
        self.t.wait_reading(what)
        start = len(self.t.out)
        for line in typed:
            self.t.send(line + "\r")
        self.t.send("\r")
        m = self.t.expect(READ_PROMPT + b"|" + CLEAR_PROMPT,
                          "custodian %d's read-back to be checked" % i)
        reply = plain(self.t.out[start:m.start()])
        for line in typed:
            if line.strip() in reply:
                raise Failed("echo was on: %r came back on the screen" %
                             line)
        again = m.group(0).startswith(b"Scan")
        if want_error is None:
            if again or reply.strip():
                raise Failed("custodian %d's read-back refused: %s" %
                             (i, reply.strip()))
            return True
        if not re.search(want_error, reply):
            raise Failed("after a wrong read-back by custodian %d the "
                         "screen says %r, not /%s/" % (i, reply.strip(),
                                                       want_error))
        self.ok("custodian %d: told %r" % (i, reply.strip()))
        return not again        # the third refusal ends the asking

    def tries(self, i, lines, qr):
        """What custodian i types back, try by try, and the complaint each
        wrong try must get."""
        tries = []
        if self.o["foreign"].get(i):
            with open(self.o["foreign"][i]) as f:
                tries.append((numbered(f.read()),
                              r"not this custodian's share"))
        if self.o["typo"] == i:
            tries += [(typo(lines, 3), r"typed share line 3: typo")] * 3
        elif self.o["scan"] == i:
            tries.append((self.scanned(i, qr), None))
        else:
            tries.append((lines, None))
        return tries

    def readback(self, i, lines, qr):
        tries = self.tries(i, lines, qr)
        for typed, err in tries:
            done = self.attempt(i, typed, err)
            self.ok("custodian %d: echo off while the share was typed, "
                    "none of it shown" % i)
            if done:
                break
        else:
            raise Failed("custodian %d was asked again after %d tries" %
                         (i, len(tries)))
        self.gave_up = err is not None
        if not self.t.echo():
            raise Failed("echo still off at the 'Press Enter' prompt")
        extra = self.o["typeahead"] and i < len(self.custodians)
        self.t.wait_reading("at 'Press Enter to clear the screen.'")
        self.t.send("\r\r" if extra else "\r")
        self.extra_enter = extra
        self.t.expect(re.escape(CLEAR), "the screen to be cleared after "
                      "custodian %d" % i)
        self.ok("custodian %d: echo on again; screen cleared after "
                "pressing Enter" % i)

    def ending(self, status):
        rest = plain(self.t.out[self.t.pos:])
        for lines in self.shown:
            for line in lines:
                if line in rest:
                    raise Failed("share line %r still on the screen after "
                                 "the last clear" % line)
        if self.shown:
            self.ok("no share on the screen after the last clear")
        if status != self.o["exit"]:
            raise Failed("exit status %s, want %d" % (status,
                                                      self.o["exit"]))
        self.ok("exit status %d" % status)
        whole = plain(self.t.out)
        for rx in self.o["msgs"]:
            if not re.search(rx, whole):
                raise Failed("the screen never said /%s/" % rx)
            self.ok("the screen said /%s/" % rx)

    def run(self):
        self.plan()
        if self.o["answer"] == "yes":
            for i, name in enumerate(self.custodians, 1):
                lines, qr = self.show(i, name)
                self.readback(i, lines, qr)
                if self.gave_up:
                    break
        self.ending(self.t.finish())


def numbered(text):
    """The numbered lines between the BEGIN and END lines."""
    m = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text,
                  re.S)
    if not m:
        return []
    return [l for l in m.group(1).split("\n") if re.match(r"\d\d ", l)]


def typo(lines, n):
    """The lines with one character changed in line n."""
    out = list(lines)
    line = out[n - 1]
    k = 4                       # first share character after "NN  "
    out[n - 1] = line[:k] + ("B" if line[k] == "A" else "A") + \
        line[k + 1:]
    return out


def qr_rows(screen):
    """The module matrix (1 = dark) of the QR code drawn in half blocks:
    black on bright white, each text line two module rows."""
    rows = []
    for line in screen.replace("\r", "").split("\n"):
        m = re.match(r"\x1b\[30;107m(.*?)\x1b\[0m", line)
        if not m or any(ch not in HALF for ch in m.group(1)):
            continue
        cells = [HALF[ch] for ch in m.group(1)]
        rows.append([c[0] for c in cells])
        rows.append([c[1] for c in cells])
    return rows


def parse(argv):
    o = {"answer": "yes", "typo": 0, "scan": 0, "foreign": {}, "exit": 0,
         "msgs": [], "timeout": 20.0, "wait": 10.0, "log": None,
         "typeahead": False, "tmp": os.environ.get("TMPDIR", "/tmp")}
    while argv and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--typeahead":
            o["typeahead"] = True
            continue
        if not argv:
            raise SystemExit("tty_ceremony.py: %s needs a value" % opt)
        val = argv.pop(0)
        if opt == "--answer":
            o["answer"] = val
        elif opt in ("--typo", "--scan"):
            o[opt[2:]] = int(val)
        elif opt == "--foreign":
            n, path = val.split(":", 1)
            o["foreign"][int(n)] = path
        elif opt == "--expect-exit":
            o["exit"] = int(val)
        elif opt == "--expect-msg":
            o["msgs"].append(val)
        elif opt in ("--timeout", "--wait"):
            o[opt[2:]] = float(val)
        elif opt == "--log":
            o["log"] = val
        else:
            raise SystemExit("tty_ceremony.py: unknown option " + opt)
    if len(argv) < 2:
        raise SystemExit(__doc__)
    return o, argv[1:]


def main():
    opts, argv = parse(sys.argv[1:])
    # With --typeahead, "yes" is typed before the plan is on the screen.
    term = Terminal(argv, opts["timeout"], opts["wait"],
                    "yes\r" if opts["typeahead"] else "")
    driver = Driver(opts, term)
    rc = 0
    try:
        driver.run()
    except (Failed, OSError, subprocess.SubprocessError) as e:
        print("FAILED: %s" % e)
        rc = 1
    if driver.bad:
        rc = 1
    if rc:
        print("--- end of the screen ---")
        print(term.tail())
    if term.status is None:
        term.hang_up()
    if opts["log"]:
        with open(opts["log"], "w") as f:
            f.write(plain(term.out))
    return rc


if __name__ == "__main__":
    sys.exit(main())
