/*
 * fuzz_qr: the text a QR code carries, as pki-shares and
 * pki-root-restore read it from standard input: zbarimg's
 * "QR-Code:PKISHARE1:..." lines and bare payloads, or several share
 * blocks, split into shares by sheet_read_inputs("-") and each parsed
 * by share_parse().  Standard input is a memfd holding the input.
 *
 * Invariant checked beyond memory safety: every share read formats to
 * a QR payload that parses back to the same share.
 */
#include "fuzz.h"
#include "secmem.h"
#include "share.h"
#include "sheet.h"

static int stdin_fd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	if ((stdin_fd = memfd_create("pki-fuzz-stdin", 0)) == -1 ||
	    dup2(stdin_fd, STDIN_FILENO) == -1)
		fuzz_die("cannot make standard input a memfd");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dash[] = "-", *argv[1] = { dash }, *payload;
	struct sheet_inputs in;
	struct share *back;
	unsigned i;
	int rc;

	if (ftruncate(STDIN_FILENO, 0) == -1 ||
	    (size > 0 && pwrite(STDIN_FILENO, data, size, 0) !=
	    (ssize_t)size) || lseek(STDIN_FILENO, 0, SEEK_SET) != 0)
		fuzz_die("cannot fill standard input: %s", strerror(errno));
	rc = sheet_read_inputs(argv, 1, &in);
	fuzz_check_rc(rc, "sheet_read_inputs");
	if (rc != 0)
		return 0;
	if (in.count < 1 || in.count > 16)
		fuzz_die("standard input gave %u shares", in.count);
	if ((back = secmem_alloc(sizeof(*back))) == NULL)
		fuzz_die("out of locked memory");
	for (i = 0; i < in.count; i++) {
		if (share_format_qr(in.shares[i], &payload) != 0)
			fuzz_die("a share read has no QR payload");
		if (share_parse(payload, strlen(payload), "qr", back) != 0 ||
		    !sheet_same_share(in.shares[i], back))
			fuzz_die("the QR payload does not parse back");
		secmem_free(payload);
	}
	secmem_free(back);
	sheet_inputs_free(&in);
	return 0;
}
