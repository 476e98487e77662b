/*
 * qr.h: QR codes for share sheets and for scanning back shares.
 *
 * The only module that includes <qrencode.h>.  The payload of a QR code
 * here is usually a share (a secret), so the module matrix and every
 * rendering (SVG, PBM, terminal text) live in secmem_alloc() buffers
 * and are wiped when freed.  libqrencode keeps its own short-lived
 * copies of the input in ordinary heap memory while it encodes; qr.c
 * wipes the symbol it returns but cannot reach those.
 */
#ifndef PKI_QR_H
#define PKI_QR_H

#include <stddef.h>

struct qr;

/*
 * Encode text (NUL-terminated; secret) as a QR symbol at error
 * correction level Q, the smallest version that fits.  Text made only
 * of the QR alphanumeric set (0-9 A-Z space $ % * + - . / :), such as
 * uppercase base32, is encoded in alphanumeric mode as one segment;
 * other text is split into modes by libqrencode (case kept; bytes
 * past ASCII go out without an ECI header, and readers such as zbar
 * then guess their charset, so give it ASCII).  Free *out
 * with qr_free().  Returns 0, ERR_DATA (empty or too long for a QR
 * symbol) or ERR_INTERNAL.
 */
int	qr_encode(const char *text, struct qr **out);

/* Wipe and free a symbol; NULL is accepted. */
void	qr_free(struct qr *q);

/* The symbol's width in modules, without the quiet zone. */
int	qr_width(const struct qr *q);

/* The symbol's version, 1-40. */
int	qr_version(const struct qr *q);

/* 1 if the module at (x, y) is dark, 0 if light or outside. */
int	qr_module(const struct qr *q, int x, int y);

/*
 * A standalone SVG document (NUL-terminated, in a secmem_alloc() buffer
 * the caller frees with secmem_free()): a white square with a quiet
 * zone of 4 modules, the dark modules as one black path, 0.8 mm per
 * module for printing.  Returns 0 or ERR_INTERNAL.
 */
int	qr_svg(const struct qr *q, char **svg);

/*
 * A binary PBM (P4) image: quiet zone of 4 modules, each module
 * scale x scale pixels (1 <= scale <= 32), in a secmem_alloc() buffer
 * of *len bytes the caller frees with secmem_free().  Returns 0,
 * ERR_USAGE (scale out of range) or ERR_INTERNAL.
 */
int	qr_pbm(const struct qr *q, int scale, unsigned char **pbm,
	    size_t *len);

/*
 * Draw the symbol on fd with Unicode half blocks, two module rows per
 * text line, with a quiet zone.  Colours are set explicitly (black on
 * bright white, ANSI SGR 30;107) so that the code scans the same on
 * light and dark terminal themes.  The text is built in secmem and
 * written in one pass.  Returns 0, ERR_IO or ERR_INTERNAL.
 */
int	qr_terminal(const struct qr *q, int fd);

#endif
