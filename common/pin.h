/*
 * pin.h: where PINs and passphrases come from.
 *
 * A PIN or passphrase is read from the terminal with echo off, from the
 * first line of a file, or from the first line of an inherited file
 * descriptor -- never from argv or the environment, where other users
 * and process listings can see it.  What is read lives in a
 * secmem_alloc() buffer only.
 */
#ifndef PKI_PIN_H
#define PKI_PIN_H

/* The longest PIN or passphrase accepted, in bytes. */
#define PIN_MAX	255

enum pin_kind {
	PIN_PROMPT,		/* /dev/tty, echo off (the default) */
	PIN_FILE,		/* first line of a file */
	PIN_FD			/* first line of an open file descriptor */
};

/*
 * Where to read a PIN from.  A zeroed structure means "prompt".  path
 * points into the caller's argv (it is a path, not a secret).
 */
struct pin_source {
	enum pin_kind kind;
	const char *path;	/* PIN_FILE */
	int fd;			/* PIN_FD */
};

/*
 * Fill *src from a command line option.  opt_name is the option as the
 * user typed it ("--pin-file", "--passphrase-fd", ...): a name ending in
 * "file" takes a path, a name ending in "fd" a descriptor number from 0
 * to INT_MAX.  value is not a secret.  Returns 0, or ERR_USAGE naming the
 * option and what is wrong with the value.
 */
int	pin_source_parse(const char *opt_name, const char *value,
	    struct pin_source *src);

/*
 * Read a PIN.  prompt is shown on the terminal for PIN_PROMPT and
 * ignored otherwise.  A file or descriptor gives its first line, with a
 * trailing "\n" or "\r\n" removed; the descriptor is read up to the end
 * of that line and left open.  *pin is a NUL-terminated secret in a
 * secmem_alloc() buffer; the caller frees it with secmem_free().
 * On error *pin is NULL and nothing read is left in memory.
 * Errors: ERR_NOINPUT (missing file, bad descriptor), ERR_DATA (empty,
 * longer than PIN_MAX bytes, contains a NUL byte), ERR_USAGE (no
 * terminal to prompt on, or the prompt was interrupted), ERR_IO.
 */
int	pin_read(const struct pin_source *src, const char *prompt,
	    char **pin);

/*
 * As pin_read(), for choosing a new passphrase: a prompt asks twice and
 * fails with ERR_DATA if the two entries differ.  Files and descriptors
 * are read once.
 */
int	pin_read_new(const struct pin_source *src, const char *prompt,
	    char **pin);

#endif
