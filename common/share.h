/*
 * share.h: the share record a custodian holds, and its text and QR forms.
 *
 * A share record (format v1) is a short big-endian binary record: format
 * version, kind, set id, threshold M, count N, index x, key fingerprint
 * prefix, custodian label, the 32-byte share value y and a 4-byte record
 * check.  It is printed as a text block of numbered base32 lines, each
 * with a two-character line check, and as a QR code payload
 * "PKISHARE1:" + base32.  man/pki-share.5 describes the bytes.
 *
 * Everything that holds a share value (the struct, the record, the text,
 * the payload) lives in secmem_alloc() memory and is wiped.
 */
#ifndef PKI_SHARE_H
#define PKI_SHARE_H

#include <stddef.h>

#define SHARE_VERSION		1
#define SHARE_KIND_KEK		1	/* a share of the root backup KEK */
#define SHARE_SET_ID_LEN	8
#define SHARE_FP_PREFIX_LEN	8
#define SHARE_CUSTODIAN_MAX	32	/* bytes of UTF-8 */
#define SHARE_Y_LEN		32
#define SHARE_CHECK_LEN		4
#define SHARE_RECORD_MIN	(22 + SHARE_Y_LEN + SHARE_CHECK_LEN)
#define SHARE_RECORD_MAX	(SHARE_RECORD_MIN + SHARE_CUSTODIAN_MAX)
#define SHARE_QR_PREFIX		"PKISHARE1:"

/*
 * One share, decoded.  Callers keep it in secmem_alloc() memory: y is
 * secret.  custodian is a NUL-terminated UTF-8 label of at most 32
 * bytes without control characters.
 */
struct share {
	unsigned char	version;	/* SHARE_VERSION */
	unsigned char	kind;		/* SHARE_KIND_KEK */
	unsigned char	set_id[SHARE_SET_ID_LEN];
	unsigned char	m;		/* threshold, 2 <= m <= n */
	unsigned char	n;		/* count, n <= 16 */
	unsigned char	x;		/* index, 1 <= x <= n */
	unsigned char	fp_prefix[SHARE_FP_PREFIX_LEN];
	char		custodian[SHARE_CUSTODIAN_MAX + 1];
	unsigned char	y[SHARE_Y_LEN];		/* secret */
};

/*
 * Encode s (secret: y) as a binary record into rec, which holds
 * SHARE_RECORD_MAX bytes (caller's secmem); *reclen gets its length.
 * Returns 0, or ERR_DATA naming the field when s breaks a rule that
 * share_decode() enforces.
 */
int	share_encode(const struct share *s, unsigned char *rec,
	    size_t *reclen);

/*
 * Decode a binary record (secret) strictly into s (caller's secmem):
 * known version and kind, 2 <= M <= N <= 16, 1 <= x <= N, label length
 * and content, no trailing bytes, record check.  source names the input
 * in messages.  Returns 0, or ERR_DATA with one sentence naming source
 * and the problem ("<source>: share format v2 not supported"); on error
 * s is wiped.
 */
int	share_decode(const unsigned char *rec, size_t len,
	    const char *source, struct share *s);

/*
 * The text block for s: "-----BEGIN PKI ROOT BACKUP SHARE-----", then
 * numbered lines of up to 7 groups of 4 base32 characters, each followed
 * by a two-character line check, then "-----END PKI ROOT BACKUP
 * SHARE-----", every line ending in a newline.  *text is NUL-terminated
 * secmem the caller frees with secmem_free().  Returns 0, ERR_DATA as
 * share_encode(), or ERR_INTERNAL when locked memory runs out.
 */
int	share_format_text(const struct share *s, char **text);

/*
 * The QR code payload for s: SHARE_QR_PREFIX and the base32 record,
 * only characters of QR alphanumeric mode.  *payload is NUL-terminated
 * secmem the caller frees with secmem_free().  Returns as
 * share_format_text().
 */
int	share_format_qr(const struct share *s, char **payload);

/*
 * Parse a share from len bytes of text (secret): a whole sheet (only its
 * BEGIN/END block is read), a bare QR payload, or zbarimg output
 * "QR-Code:<payload>".  Lower case, spaces and dashes are accepted;
 * any other character outside A-Z 2-7 is refused, never guessed.  The
 * result goes through share_decode() into s (caller's secmem).
 * Returns 0, or ERR_DATA with one sentence naming source and, for the
 * text block, the line ("<source> line 3: typo (line check does not
 * match)", "<source>: truncated share (ends at line 4 of 5)"); on error
 * s is wiped.  ERR_INTERNAL when locked memory runs out.
 */
int	share_parse(const char *text, size_t len, const char *source,
	    struct share *s);

/*
 * The set tag: the first 4 base32 characters of set_id (public), for
 * sheets and messages.  tag holds 5 bytes and is NUL-terminated.
 */
void	share_set_tag(const unsigned char set_id[SHARE_SET_ID_LEN],
	    char tag[5]);

#endif
