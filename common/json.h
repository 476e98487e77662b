/*
 * json.h: a small JSON writer and a strict reader for flat objects.
 *
 * The writer builds one line of JSON (RFC 8259) for audit entries and
 * --format json output.  Strings are escaped: quote, backslash, every
 * control character below 0x20 and DEL; valid UTF-8 passes through
 * unchanged; invalid UTF-8 (overlong forms, surrogates, code points past
 * U+10FFFF, truncated sequences) is refused with ERR_DATA rather than
 * repaired, so that what is logged is exactly what the caller gave.
 * The writer keeps the first error: after a failure every later call
 * does nothing and json_text() returns that error, so a caller may build
 * a whole object and check once.
 *
 * The reader answers questions about the top-level members of one
 * object (one log line).  It is strict, because it reads files that
 * crossed an air gap: the whole input must be exactly one object
 * (surrounding spaces allowed), every string valid UTF-8 without raw
 * control characters, every escape and number well formed, nesting at
 * most 32 deep, and no key repeated at the top level (two "prev" members
 * must not let two readers see two different chains).  Anything else is
 * ERR_DATA.  Nothing here is secret.
 */
#ifndef PKI_JSON_H
#define PKI_JSON_H

#include <stddef.h>

struct json_buf;

/*
 * A new, empty writer.  Without json_begin_object(j, NULL) first, the
 * members added at the top level form a bare member list
 * ("\"a\":1,\"b\":\"x\"") as audit_append() takes it.  Free with
 * json_free().  Returns 0 or ERR_INTERNAL.
 */
int	json_new(struct json_buf **out);

/* Free a writer and its text; NULL is accepted. */
void	json_free(struct json_buf *j);

/*
 * Open an object.  key is NULL only for the outermost object of an
 * empty writer; inside an object or a member list it names the member.
 * Returns 0, ERR_DATA (bad key) or ERR_INTERNAL (misuse, out of memory).
 */
int	json_begin_object(struct json_buf *j, const char *key);

/* Close the innermost open object.  ERR_INTERNAL if none is open. */
int	json_end_object(struct json_buf *j);

/* Add "key":"value"; ERR_DATA if key or value is not valid UTF-8. */
int	json_add_str(struct json_buf *j, const char *key, const char *value);

/* Add "key":value as a decimal integer. */
int	json_add_int(struct json_buf *j, const char *key, long long value);

/* Add "key":true or "key":false (value non-zero is true). */
int	json_add_bool(struct json_buf *j, const char *key, int value);

/*
 * Add "key":raw where raw is already one JSON value (an object built by
 * another writer, a number); it is checked with the strict reader's
 * rules and refused with ERR_DATA if it is not exactly one value.
 */
int	json_add_raw(struct json_buf *j, const char *key, const char *raw);

/* Add "key":["v0","v1",...] with n strings; n may be 0. */
int	json_add_str_array(struct json_buf *j, const char *key,
	    const char *const *values, size_t n);

/*
 * The text built so far, NUL-terminated and owned by j (valid until the
 * next call on j), and its length (len may be NULL).  Returns the first
 * error any earlier call met, ERR_INTERNAL if an object is still open,
 * or 0.
 */
int	json_text(const struct json_buf *j, const char **text, size_t *len);

/*
 * Check that len bytes of json hold exactly one well-formed object with
 * unique top-level keys.  Returns 0 or ERR_DATA with a sentence (the
 * message does not name the input; the caller adds file and line).
 */
int	json_check_object(const char *json, size_t len);

/*
 * The string member key of the object in json, unescaped, in a malloc'd
 * NUL-terminated string the caller frees with free().  Returns 0,
 * ERR_NO if the object has no such member, ERR_DATA if the input is
 * malformed, the member is not a string or it contains U+0000, or
 * ERR_INTERNAL.  *value is NULL unless 0 is returned.
 */
int	json_get_str(const char *json, size_t len, const char *key,
	    char **value);

/*
 * The integer member key of the object in json.  As json_get_str();
 * ERR_DATA also when the number has a fraction or exponent or does not
 * fit a long long.
 */
int	json_get_int(const char *json, size_t len, const char *key,
	    long long *value);

/*
 * Call fn(arg, key, value, vlen) for each top-level member in order,
 * with the unescaped key and the value's raw JSON text (not
 * NUL-terminated).  The whole object is checked first, so fn is never
 * called for malformed input.  A non-zero return from fn stops the walk
 * and is returned.  Otherwise as json_check_object().
 */
int	json_each(const char *json, size_t len,
	    int (*fn)(void *arg, const char *key, const char *value,
	    size_t vlen), void *arg);

/*
 * Helpers for json_each() callbacks: decode one raw value (as json_each
 * passes it) as a string, in a malloc'd NUL-terminated copy the caller
 * frees, or as an integer.  Errors as json_get_str() and json_get_int(),
 * with key used only in the message.
 */
int	json_value_str(const char *key, const char *value, size_t vlen,
	    char **out);
int	json_value_int(const char *key, const char *value, size_t vlen,
	    long long *out);

#endif
