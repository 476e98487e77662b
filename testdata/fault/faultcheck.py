#!/usr/bin/env python3
# faultcheck.py: the invariants the fault tests (testdata/regress/faults-*.sh)
# check after a program was killed, starved of disk or lost its HSM.  One
# process for what would otherwise be hundreds of shell pipelines; the
# signatures themselves are checked with openssl by the scripts.
#
#   faultcheck.py outputs DB DIR...     every certificate file below DIR
#       (*.pem, not a temporary name) is complete, is in the inventory as
#       issued or revoked with the same DER, and no serial appears twice
#   faultcheck.py dump DB OUTDIR DONE   write SERIAL.pem for each issued or
#       revoked row not listed in the file DONE; print their paths
#   faultcheck.py pending DB            the pending serials, one a line
#   faultcheck.py der FILE...           each file is one complete DER TLV
#   faultcheck.py responses FILE        each line is base64 of a complete
#       DER TLV; prints the number of lines
#   faultcheck.py temps DIR...          files below DIR with a temporary
#       name (".tmp-", ".new", ".prev.tmp", ".resign.tmp"), one a line
#   faultcheck.py iter DB OUTDIR OCSPDIR MARK  after one kill: integrity
#       check, outputs, the OCSP files newer than MARK, the responses file
#   faultcheck.py same OCSPDIR SERIAL...  the responses file holds
#       exactly the response files of these serials, byte for byte
#   faultcheck.py crls FILE...          CRL copies (PEM or DER, in the
#       order taken): no number names two different CRLs; prints one
#       path per distinct CRL, for openssl to verify
import base64
import os
import re
import sqlite3
import sys

TEMP = re.compile(r'(\.tmp-[A-Za-z0-9]{6}$|\.new$|\.prev\.tmp$|^\.resign\.tmp$)')


def der_len(b):
    """Length of the first DER TLV in b, or -1 if b is too short."""
    if len(b) < 2:
        return -1
    n = b[1]
    if n < 0x80:
        return 2 + n
    k = n & 0x7f
    if k == 0 or k > 4 or len(b) < 2 + k:
        return -1
    return 2 + k + int.from_bytes(b[2:2 + k], 'big')


def complete(b):
    return len(b) > 0 and b[0] == 0x30 and der_len(b) == len(b)


def pem_der(text):
    m = re.search(rb'-----BEGIN CERTIFICATE-----\n(.*?)\n'
                  rb'-----END CERTIFICATE-----\n', text, re.S)
    if m is None:
        return None
    try:
        return base64.b64decode(m.group(1), validate=False)
    except ValueError:
        return None


def serial_of(der):
    """The serial of a certificate, uppercase hex as openssl prints it."""
    # Certificate SEQUENCE, tbsCertificate SEQUENCE, [0] version, INTEGER
    def hdr(b, i):
        n = b[i + 1]
        if n < 0x80:
            return i + 2, n
        k = n & 0x7f
        return i + 2 + k, int.from_bytes(b[i + 2:i + 2 + k], 'big')
    i, _ = hdr(der, 0)
    i, _ = hdr(der, i)
    if der[i] == 0xa0:
        j, n = hdr(der, i)
        i = j + n
    j, n = hdr(der, i)
    s = der[j:j + n].hex().upper()
    if s.startswith('00') and len(s) > 2:
        s = s[2:]
    return s


def db_rows(db):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    con.execute('PRAGMA busy_timeout = 30000')
    return con


def outputs(db, dirs, quiet=False):
    con = db_rows(db)
    rows = {}
    for serial, status, der in con.execute(
            'SELECT serial, status, der FROM certs'):
        rows[serial] = (status, der)
    bad = 0
    seen = {}
    files = 0
    for d in dirs:
        for root, _, names in os.walk(d):
            for name in names:
                if not name.endswith('.pem') or TEMP.search(name):
                    continue
                path = os.path.join(root, name)
                with open(path, 'rb') as f:
                    der = pem_der(f.read())
                files += 1
                if der is None or not complete(der):
                    print('%s: not a complete certificate' % path)
                    bad += 1
                    continue
                s = serial_of(der)
                if s in seen:
                    print('%s: serial %s also in %s' % (path, s, seen[s]))
                    bad += 1
                seen[s] = path
                st = rows.get(s)
                if st is None:
                    print('%s: serial %s not in the inventory' % (path, s))
                    bad += 1
                elif st[0] not in ('issued', 'revoked'):
                    print('%s: serial %s is %s in the inventory'
                          % (path, s, st[0]))
                    bad += 1
                elif bytes(st[1]) != der:
                    print('%s: differs from the inventory\'s DER' % path)
                    bad += 1
    if not quiet:
        print('%d certificate files, %d problems' % (files, bad))
    return 1 if bad else 0


def dump(db, outdir, done):
    have = set()
    if os.path.exists(done):
        with open(done) as f:
            have = set(line.strip() for line in f)
    con = db_rows(db)
    for serial, der in con.execute(
            "SELECT serial, der FROM certs WHERE status IN "
            "('issued', 'revoked')"):
        if serial in have:
            continue
        path = os.path.join(outdir, serial + '.pem')
        b64 = base64.encodebytes(bytes(der)).decode()
        with open(path, 'w') as f:
            f.write('-----BEGIN CERTIFICATE-----\n' + b64 +
                    '-----END CERTIFICATE-----\n')
        print(path)
    return 0


def pending(db):
    con = db_rows(db)
    for (serial,) in con.execute(
            "SELECT serial FROM certs WHERE status = 'pending'"):
        print(serial)
    return 0


def der_files(paths):
    bad = 0
    for p in paths:
        with open(p, 'rb') as f:
            if not complete(f.read()):
                print('%s: not one complete DER object' % p)
                bad += 1
    return 1 if bad else 0


def responses(path, quiet=False):
    n = 0
    with open(path, 'rb') as f:
        for line in f:
            n += 1
            try:
                b = base64.b64decode(line.strip(), validate=True)
            except ValueError:
                b = b''
            if not complete(b):
                print('%s line %d: not a complete response' % (path, n))
                return 1
    if not quiet:
        print(n)
    return 0


def temps(dirs):
    for d in dirs:
        for root, _, names in os.walk(d):
            for name in names:
                if TEMP.search(name):
                    print(os.path.join(root, name))
    return 0


def iteration(db, outdir, ocspdir, mark):
    con = db_rows(db)
    res = [r[0] for r in con.execute('PRAGMA integrity_check')]
    con.close()
    bad = 0
    if res != ['ok']:
        print('integrity_check: %s' % res[:3])
        bad = 1
    if outputs(db, [outdir], quiet=True):
        bad = 1
    t = os.stat(mark).st_mtime_ns
    new = []
    if os.path.isdir(ocspdir):
        for name in os.listdir(ocspdir):
            p = os.path.join(ocspdir, name)
            if name.endswith('.der') and os.stat(p).st_mtime_ns >= t:
                new.append(p)
    if der_files(new):
        bad = 1
    r = os.path.join(ocspdir, 'responses')
    if os.path.exists(r) and responses(r, quiet=True):
        bad = 1
    return bad


def crl_number(der):
    from cryptography import x509
    crl = x509.load_der_x509_crl(der)
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value \
        .crl_number


def crls(paths):
    seen = {}
    bad = 0
    last = 0
    for p in paths:
        with open(p, 'rb') as f:
            b = f.read()
        if b.startswith(b'-----BEGIN X509 CRL-----'):
            m = re.search(rb'-----BEGIN X509 CRL-----\n(.*?)\n'
                          rb'-----END X509 CRL-----\n', b, re.S)
            b = base64.b64decode(m.group(1)) if m else b''
        try:
            n = crl_number(b)
        except Exception as e:
            print('%s: not a CRL with a number: %s' % (p, e),
                  file=sys.stderr)
            bad = 1
            continue
        if n in seen and seen[n][0] != b:
            print('CRL number %d names two different CRLs: %s and %s'
                  % (n, seen[n][1], p), file=sys.stderr)
            bad = 1
        if n not in seen:
            seen[n] = (b, p)
            print(p)
        if p.endswith('dev.crl.der'):
            if n < last:
                print('the published CRL number went back: %d after %d'
                      % (n, last), file=sys.stderr)
                bad = 1
            last = n
    return bad


def same(ocspdir, serials):
    with open(os.path.join(ocspdir, 'responses'), 'rb') as f:
        lines = set(base64.b64decode(l.strip()) for l in f if l.strip())
    files = set()
    for s in serials:
        with open(os.path.join(ocspdir, s + '.der'), 'rb') as f:
            files.add(f.read())
    if lines != files:
        print('the responses file differs from the response files: %d '
              'lines not in a file, %d files not in it'
              % (len(lines - files), len(files - lines)))
        return 1
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == 'outputs':
        return outputs(argv[2], argv[3:])
    if cmd == 'dump':
        return dump(argv[2], argv[3], argv[4])
    if cmd == 'pending':
        return pending(argv[2])
    if cmd == 'der':
        return der_files(argv[2:])
    if cmd == 'responses':
        return responses(argv[2])
    if cmd == 'iter':
        return iteration(argv[2], argv[3], argv[4], argv[5])
    if cmd == 'same':
        return same(argv[2], argv[3:])
    if cmd == 'crls':
        return crls(argv[2:])
    if cmd == 'temps':
        return temps(argv[2:])
    print('faultcheck.py: unknown command %s' % cmd, file=sys.stderr)
    return 64


if __name__ == '__main__':
    sys.exit(main(sys.argv))
