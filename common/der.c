/*
 * der.c: DER headers, positive INTEGERs and times, by hand.
 *
 * Trusts its callers for buffer sizes (stated in der.h) and nothing in
 * what der_read_header() reads: it refuses indefinite, non-minimal and
 * over-long lengths and lengths past the end of the input.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "der.h"

size_t
der_header_size(size_t len)
{
	if (len < 0x80)
		return 2;
	if (len <= 0xff)
		return 3;
	if (len <= 0xffff)
		return 4;
	if (len <= 0xffffff)
		return 5;
	return 6;
}

size_t
der_header(unsigned char *out, unsigned char tag, size_t len)
{
	size_t n = der_header_size(len), i;

	out[0] = tag;
	if (n == 2) {
		out[1] = (unsigned char)len;
		return 2;
	}
	out[1] = (unsigned char)(0x80 | (n - 2));
	for (i = n - 1; i >= 2; i--) {
		out[i] = (unsigned char)(len & 0xff);
		len >>= 8;
	}
	return n;
}

int
der_read_header(const unsigned char *p, size_t avail, unsigned char *tag,
    size_t *len, size_t *hlen)
{
	size_t n, i, l = 0;

	if (avail < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;	/* cut short, or a multi-octet tag */
	*tag = p[0];
	if (p[1] < 0x80) {
		l = p[1];
		n = 2;
	} else {
		n = 2 + (size_t)(p[1] & 0x7f);
		if (n == 2 || n > DER_HEADER_MAX || avail < n || p[2] == 0)
			return -1;	/* indefinite, too long, padded */
		for (i = 2; i < n; i++)
			l = l << 8 | p[i];
		if (l < 0x80 || der_header_size(l) != n)
			return -1;	/* not the shortest form */
	}
	if (l > avail - n)
		return -1;
	*len = l;
	*hlen = n;
	return 0;
}

size_t
der_uint(unsigned char *out, const unsigned char *mag, size_t n)
{
	size_t pad = (mag[0] & 0x80) != 0, h;

	h = der_header(out, DER_INTEGER, n + pad);
	if (pad)
		out[h] = 0;
	memcpy(out + h + pad, mag, n);
	return h + pad + n;
}

/* Two decimal digits of v (0-99). */
static unsigned char *
two(unsigned char *p, int v)
{
	p[0] = (unsigned char)('0' + v / 10);
	p[1] = (unsigned char)('0' + v % 10);
	return p + 2;
}

size_t
der_time(unsigned char *out, time_t t)
{
	struct tm tm;
	unsigned char *p;
	int year, gen;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		return 0;
	gen = year < 1950 || year > 2049;
	out[0] = gen ? DER_GENTIME : DER_UTCTIME;
	out[1] = gen ? 15 : 13;
	p = out + 2;
	if (gen)
		p = two(p, year / 100);
	p = two(p, year % 100);
	p = two(p, tm.tm_mon + 1);
	p = two(p, tm.tm_mday);
	p = two(p, tm.tm_hour);
	p = two(p, tm.tm_min);
	p = two(p, tm.tm_sec);
	*p++ = 'Z';
	return (size_t)(p - out);
}
