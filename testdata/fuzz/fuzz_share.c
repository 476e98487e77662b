/*
 * fuzz_share: the text of a share sheet, as pki-shares, pki-root-restore
 * and pki-root-keygen's typed-share check read it (share_parse(), and
 * sheet_read_inputs() on a file).
 *
 * Invariant checked beyond memory safety: a share that parses formats
 * back (text block and QR payload) to text that parses to the same
 * share.
 */
#include "fuzz.h"
#include "secmem.h"
#include "share.h"
#include "sheet.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

/* s formats as text and as a QR payload that both parse back to s. */
static void
round_trip(const struct share *s)
{
	struct share *back;
	char *text = NULL;
	int rc;

	if ((back = secmem_alloc(sizeof(*back))) == NULL)
		fuzz_die("out of locked memory");
	if ((rc = share_format_text(s, &text)) != 0)
		fuzz_die("a parsed share does not format (%d)", rc);
	if ((rc = share_parse(text, strlen(text), "text", back)) != 0 ||
	    !sheet_same_share(s, back))
		fuzz_die("the text of a parsed share does not parse back");
	secmem_free(text);
	if ((rc = share_format_qr(s, &text)) != 0)
		fuzz_die("a parsed share has no QR payload (%d)", rc);
	if ((rc = share_parse(text, strlen(text), "qr", back)) != 0 ||
	    !sheet_same_share(s, back))
		fuzz_die("the QR payload of a parsed share does not parse "
		    "back");
	secmem_free(text);
	secmem_free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sheet_inputs in;
	struct share *s;
	char *path;
	int rc;

	if ((s = secmem_alloc(sizeof(*s))) == NULL)
		fuzz_die("out of locked memory");
	rc = share_parse((const char *)data, size, "fuzz", s);
	fuzz_check_rc(rc, "share_parse");
	if (rc == 0)
		round_trip(s);
	secmem_free(s);

	/* The same bytes as a share file named on the command line. */
	path = fuzz_file(data, size);
	rc = sheet_read_inputs(&path, 1, &in);
	fuzz_check_rc(rc, "sheet_read_inputs");
	if (rc == 0) {
		if (in.count != 1)
			fuzz_die("one file gave %u shares", in.count);
		round_trip(in.shares[0]);
		sheet_inputs_free(&in);
	}
	return 0;
}
