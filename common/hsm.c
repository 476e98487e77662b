/*
 * hsm.c: CA keys in a PKCS#11 token, through libp11 0.4.12 and the
 * module's own function list.  The only file that includes libp11.h or
 * pkcs11.h.
 *
 * libp11 loads the module (PKCS11_CTX_load: dlopen and C_Initialize),
 * lists the slots, logs in, and gives the EVP_PKEY whose RSA_METHOD or
 * EC_KEY_METHOD sends private key operations to the token.  OpenSSL 3.0
 * marks such a key "foreign" (its method is not the default one) and
 * keeps signing on the legacy path, which calls that method; the unit
 * test signs a certificate through it and verifies the signature.
 *
 * libp11 0.4.12 cannot import EC keys and cannot set
 * CKA_EXTRACTABLE=FALSE, so objects are created, generated, inspected
 * and destroyed through the raw function list of the SAME module:
 * module_load() dlopen()s the module path before libp11 does (the
 * loader counts references, so both get one handle and one copy of the
 * module's state), takes C_GetFunctionList from it, and each operation
 * opens its own session on the token's slot id, which it closes before
 * returning.  Login state belongs to the application and the token, not
 * to a session, so libp11's login covers these sessions; libp11 keeps
 * its own session open meanwhile, so closing ours never logs out.  This
 * file never calls C_Initialize or C_Finalize: libp11 does both.
 *
 * libp11 caches the key objects it has seen and never forgets one, even
 * once destroyed; new objects are appended.  hsm_signing_key() therefore
 * finds the live object itself (by label, through the raw list) and
 * takes the last libp11 entry with that label and CKA_ID.
 *
 * Trusts the module and the token.  Invariants: a private key this file
 * creates is CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not
 * CKA_EXTRACTABLE, may sign but not decrypt, unwrap or derive, and has
 * CKA_ID = SHA-1 of its public key's BIT STRING contents (RFC 5280
 * method 1), as does its public key object; an import copies private
 * key bytes only into secmem buffers, wiped before return; a failed
 * import or generation leaves no object behind.  The PIN is passed to
 * libp11, which keeps a copy for re-login after fork() and cleanses it
 * when the slots are released.  One handle at a time per process: a
 * second libp11 context on the same module would share its login and
 * finalise it under the first when closed, so hsm_open() refuses while
 * another handle is open.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "err.h"
#include "hsm.h"
#include "secmem.h"

#define MAX_OBJS	16	/* objects found per search */
#define MAX_ATTRS	24
#define ID_LEN		20	/* SHA-1 */
#define INT_CAP		1024	/* bytes for one RSA-4096 integer, with room */
#define RSA_PARTS	8

struct p11uri {
	char		*token;
	char		*manufacturer;
	char		*serial;
	char		*model;
	char		*object;
	char		*id;		/* decoded bytes; not used yet */
	size_t		 idlen;
	char		*type;
};

struct hsm {
	struct p11uri	 uri;
	void		*dl;		/* our reference on the module */
	CK_FUNCTION_LIST_PTR p11;
	PKCS11_CTX	*ctx;
	int		 loaded;
	PKCS11_SLOT	*slots;
	unsigned int	 nslots;
	PKCS11_SLOT	*slot;
	CK_SLOT_ID	 slot_id;
	int		 logged_in;
	int		 active;	/* holds hsm_active */
};

/* A PKCS#11 template under construction. */
struct tmpl {
	CK_ATTRIBUTE	a[MAX_ATTRS];
	CK_ULONG	n;
};

/* Key material for an import, every buffer from secmem_alloc(). */
struct bytes {
	unsigned char	*p;
	size_t		 len;
};
struct material {
	int		 ec;
	const unsigned char *params;	/* EC: DER of the curve OID */
	size_t		 paramslen;
	struct bytes	 point;		/* EC: DER OCTET STRING of Q */
	struct bytes	 v[RSA_PARTS];	/* EC: d; RSA: n e d p q dp dq qinv */
};

/* 1 while a handle is open: see the top of the file. */
static int hsm_active;

static const CK_BBOOL ck_yes = CK_TRUE, ck_no = CK_FALSE;
static const CK_OBJECT_CLASS cls_priv = CKO_PRIVATE_KEY;
static const CK_OBJECT_CLASS cls_pub = CKO_PUBLIC_KEY;
static const CK_OBJECT_CLASS cls_secret = CKO_SECRET_KEY;
static const CK_KEY_TYPE kt_ec = CKK_EC, kt_rsa = CKK_RSA;

/* DER of the named curve OIDs: CKA_EC_PARAMS. */
static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};
static const unsigned char oid_p384[] = {
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22
};
static const unsigned char rsa_f4[] = { 0x01, 0x00, 0x01 };

static const struct {
	const char		*param;
	CK_ATTRIBUTE_TYPE	 attr;
} rsa_parts[RSA_PARTS] = {
	{ OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS },
	{ OSSL_PKEY_PARAM_RSA_E, CKA_PUBLIC_EXPONENT },
	{ OSSL_PKEY_PARAM_RSA_D, CKA_PRIVATE_EXPONENT },
	{ OSSL_PKEY_PARAM_RSA_FACTOR1, CKA_PRIME_1 },
	{ OSSL_PKEY_PARAM_RSA_FACTOR2, CKA_PRIME_2 },
	{ OSSL_PKEY_PARAM_RSA_EXPONENT1, CKA_EXPONENT_1 },
	{ OSSL_PKEY_PARAM_RSA_EXPONENT2, CKA_EXPONENT_2 },
	{ OSSL_PKEY_PARAM_RSA_COEFFICIENT1, CKA_COEFFICIENT },
};

/* ---- the URI (RFC 7512) ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode one value; a NUL byte is refused unless binary. */
static int
pct_decode(const char *s, size_t len, const char *name, int binary,
    char **out, size_t *outlen)
{
	char *d;
	size_t i, n = 0;
	int c;

	if (len == 0)
		return err_set(ERR_CONFIG, "PKCS#11 URI: %s is empty", name);
	if ((d = malloc(len + 1)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len || hexval(s[i + 1]) < 0 ||
			    hexval(s[i + 2]) < 0)
				break;
			c = hexval(s[i + 1]) << 4 | hexval(s[i + 2]);
			i += 2;
			if (c == 0 && !binary)
				break;
		} else if (c < 0x20 || c == 0x7f)
			break;
		d[n++] = (char)c;
	}
	if (i < len) {
		free(d);
		return err_set(ERR_CONFIG, "PKCS#11 URI: bad character or "
		    "percent-encoding in %s", name);
	}
	d[n] = '\0';
	*out = d;
	*outlen = n;
	return 0;
}

static char **
uri_field(struct p11uri *u, const char *name)
{
	if (strcmp(name, "token") == 0)
		return &u->token;
	if (strcmp(name, "manufacturer") == 0)
		return &u->manufacturer;
	if (strcmp(name, "serial") == 0)
		return &u->serial;
	if (strcmp(name, "model") == 0)
		return &u->model;
	if (strcmp(name, "object") == 0)
		return &u->object;
	if (strcmp(name, "id") == 0)
		return &u->id;
	if (strcmp(name, "type") == 0)
		return &u->type;
	return NULL;
}

/* One "name=value" of the path (query attributes are all refused). */
static int
uri_attr(struct p11uri *u, const char *attr, size_t len, int query)
{
	const char *eq = memchr(attr, '=', len);
	char name[24], **field;
	size_t nlen, vlen;

	nlen = eq != NULL ? (size_t)(eq - attr) : len;
	if (eq == NULL || nlen == 0 || nlen >= sizeof(name))
		return err_set(ERR_CONFIG, "PKCS#11 URI: \"%.*s\" is not a "
		    "name=value attribute", (int)(nlen > 24 ? 24 : nlen),
		    attr);
	memcpy(name, attr, nlen);
	name[nlen] = '\0';
	if (query || (field = uri_field(u, name)) == NULL)
		return err_set(ERR_CONFIG, "PKCS#11 URI: attribute \"%s\" is "
		    "not supported (supported: token, serial, manufacturer, "
		    "model, object, id, type)", name);
	if (*field != NULL)
		return err_set(ERR_CONFIG, "PKCS#11 URI: attribute \"%s\" "
		    "given twice", name);
	vlen = len - nlen - 1;
	return pct_decode(eq + 1, vlen, name, field == &u->id, field,
	    field == &u->id ? &u->idlen : &vlen);
}

/* 1 if any attribute of attrs (the URI after "pkcs11:") is named
 * pin-something; '&' counts as a separator even in the path. */
static int
uri_has_pin(const char *attrs)
{
	const char *p = attrs;

	for (;;) {
		if (strncasecmp(p, "pin-", 4) == 0)
			return 1;
		if ((p = strpbrk(p, ";?&")) == NULL)
			return 0;
		p++;
	}
}

static int
uri_check_type(const struct p11uri *u)
{
	static const char *const types[] = {
		"private", "public", "cert", "secret-key", "data"
	};
	size_t i;

	if (u->type == NULL)
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(u->type, types[i]) == 0)
			return 0;
	return err_set(ERR_CONFIG, "PKCS#11 URI: type \"%s\" is not one of "
	    "private, public, cert, secret-key, data", u->type);
}

static int
uri_parse(const char *uri, struct p11uri *u)
{
	const char *p;
	size_t len;
	int query = 0, ret;

	if (strncasecmp(uri, "pkcs11:", 7) != 0)
		return err_set(ERR_CONFIG, "not a PKCS#11 URI (it must begin "
		    "with \"pkcs11:\")");
	/* Before anything that could quote the URI in a message. */
	if (uri_has_pin(uri + 7))
		return err_set(ERR_CONFIG, "PINs are never taken from a URI");
	for (p = uri + 7; *p != '\0'; ) {
		len = strcspn(p, query ? "&#" : ";?#");
		if (len > 0 && (ret = uri_attr(u, p, len, query)) != 0)
			return ret;
		p += len;
		if (*p == '#')
			return err_set(ERR_CONFIG, "PKCS#11 URI: a URI has no "
			    "fragment ('#')");
		if (*p == '?')
			query = 1;
		if (*p != '\0')
			p++;
	}
	return uri_check_type(u);
}

static void
uri_free(struct p11uri *u)
{
	free(u->token);
	free(u->manufacturer);
	free(u->serial);
	free(u->model);
	free(u->object);
	free(u->id);
	free(u->type);
}

/* ---- errors ---- */

static const char *
ckr_name(CK_RV rv)
{
	static const struct {
		CK_RV rv;
		const char *name;
	} names[] = {
		{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
		{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
		{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
		{ CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY" },
		{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
		{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
		{ CKR_ACTION_PROHIBITED, "CKR_ACTION_PROHIBITED" },
		{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
		{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY" },
		{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
		{ CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE" },
		{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
		{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
		{ CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY" },
		{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
		{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
		{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
		{ CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED" },
		{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
		{ CKR_DOMAIN_PARAMS_INVALID, "CKR_DOMAIN_PARAMS_INVALID" },
		{ CKR_CURVE_NOT_SUPPORTED, "CKR_CURVE_NOT_SUPPORTED" },
	};
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	snprintf(buf, sizeof(buf), "CKR 0x%lx", (unsigned long)rv);
	return buf;
}

/* Record "token T: what (CKR_...)" and return its code. */
static int
ck_fail(const struct hsm *h, CK_RV rv, const char *what)
{
	int code = ERR_UNAVAILABLE;

	if (rv == CKR_USER_NOT_LOGGED_IN)
		code = ERR_AUTH;
	return err_set(code, "token %s: %s (%s)", hsm_token_label(h), what,
	    ckr_name(rv));
}

/* ---- the module, the token, the login ---- */

static int
module_load(struct hsm *h, const char *module)
{
	CK_C_GetFunctionList getfl;
	const char *why;
	void *sym;

	if ((h->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		/* dlerror() repeats the path; say it once. */
		if (why != NULL && strncmp(why, module, strlen(module)) == 0 &&
		    why[strlen(module)] == ':')
			why += strlen(module) + 1 + (why[strlen(module) + 1]
			    == ' ');
		return err_set(ERR_UNAVAILABLE, "%s: cannot load PKCS#11 "
		    "module (%s)", module, why != NULL ? why : "dlopen");
	}
	sym = dlsym(h->dl, "C_GetFunctionList");
	getfl = (CK_C_GetFunctionList)sym;
	if (sym == NULL || getfl(&h->p11) != CKR_OK || h->p11 == NULL)
		return err_set(ERR_UNAVAILABLE, "%s: cannot load PKCS#11 "
		    "module (no C_GetFunctionList)", module);
	if ((h->ctx = PKCS11_CTX_new()) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if (PKCS11_CTX_load(h->ctx, module) != 0) {
		err_set(ERR_UNAVAILABLE, "%s: cannot load PKCS#11 module",
		    module);
		err_add_openssl();
		return ERR_UNAVAILABLE;
	}
	h->loaded = 1;
	return 0;
}

#define TOKEN_FIND_TRIES	5

static int
token_matches(const PKCS11_TOKEN *t, const struct p11uri *u)
{
	return t->initialized &&
	    (u->token == NULL || strcmp(u->token, t->label) == 0) &&
	    (u->serial == NULL || strcmp(u->serial, t->serialnr) == 0) &&
	    (u->manufacturer == NULL ||
	    strcmp(u->manufacturer, t->manufacturer) == 0) &&
	    (u->model == NULL || strcmp(u->model, t->model) == 0);
}

static int
token_find(struct hsm *h, const char *module, const char *uri)
{
	unsigned int i, n = 0;

	if (PKCS11_enumerate_slots(h->ctx, &h->slots, &h->nslots) != 0) {
		h->slots = NULL;
		h->nslots = 0;
		err_set(ERR_UNAVAILABLE, "%s: cannot list the slots", module);
		err_add_openssl();
		return ERR_UNAVAILABLE;
	}
	for (i = 0; i < h->nslots; i++) {
		if (h->slots[i].token == NULL ||
		    !token_matches(h->slots[i].token, &h->uri))
			continue;
		if (n++ == 0)
			h->slot = &h->slots[i];
	}
	if (n == 0)
		return err_set(ERR_UNAVAILABLE, "no token matches %s", uri);
	if (n > 1)
		return err_set(ERR_CONFIG, "%s matches %u tokens; name one "
		    "with token= or serial=", uri, n);
	h->slot_id = PKCS11_get_slotid_from_slot(h->slot);
	return 0;
}


static int
login(struct hsm *h, const char *pin)
{
	const char *label = hsm_token_label(h);
	unsigned long e;
	char why[256];

	ERR_clear_error();
	if (PKCS11_login(h->slot, 0, pin) == 0) {
		h->logged_in = 1;
		return 0;
	}
	e = ERR_peek_last_error();
	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	if (ERR_GET_LIB(e) == ERR_get_CKR_code()) {
		switch ((CK_RV)ERR_GET_REASON(e)) {
		case CKR_PIN_INCORRECT:
		case CKR_PIN_LEN_RANGE:
			return err_set(ERR_AUTH, "wrong PIN for token %s",
			    label);
		case CKR_PIN_LOCKED:
			return err_set(ERR_AUTH, "the user PIN of token %s is "
			    "locked (too many wrong PINs); the security "
			    "officer must unlock it", label);
		case CKR_PIN_EXPIRED:
			return err_set(ERR_AUTH, "the user PIN of token %s has "
			    "expired", label);
		}
	}
	return err_set(ERR_UNAVAILABLE, "token %s: login failed (%s)", label,
	    why);
}

static int
open_once(const char *module, const char *uri, const char *pin,
    struct hsm **out, int *token_missing)
{
	struct hsm *h;
	int ret;

	*out = NULL;
	*token_missing = 0;
	if (module == NULL || uri == NULL)
		return err_set(ERR_CONFIG, "no PKCS#11 module or token URI");
	if (hsm_active)
		return err_set(ERR_INTERNAL, "a PKCS#11 token is already open "
		    "in this process");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((ret = uri_parse(uri, &h->uri)) != 0 ||
	    (ret = module_load(h, module)) != 0)
		goto out;
	if ((ret = token_find(h, module, uri)) != 0) {
		*token_missing = ret == ERR_UNAVAILABLE;
		goto out;
	}
	if (pin != NULL && (ret = login(h, pin)) != 0) {
		/* Not a PIN problem: the store may be mid-write too. */
		*token_missing = ret == ERR_UNAVAILABLE;
		goto out;
	}
	h->active = hsm_active = 1;
	*out = h;
	h = NULL;
out:
	hsm_close(h);
	return ret;
}

int
hsm_open(const char *module, const char *uri, const char *pin,
    struct hsm **out)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int ret, attempt, token_missing;

	/*
	 * A file-backed token store that another process is writing at
	 * that moment (SoftHSM's, with several CA programs running at
	 * once) can fail to list its slots or briefly show no token, and
	 * the module reads the store only when it is initialised: load it
	 * again a few times before saying the token is not there.
	 */
	for (attempt = 0; attempt < TOKEN_FIND_TRIES; attempt++) {
		ret = open_once(module, uri, pin, out, &token_missing);
		if (ret == 0 || !token_missing)
			return ret;
		nanosleep(&pause, NULL);
		pause.tv_nsec *= 2;
	}
	return ret;
}

void
hsm_close(struct hsm *h)
{
	if (h == NULL)
		return;
	if (h->logged_in)
		(void)PKCS11_logout(h->slot);
	if (h->slots != NULL)
		PKCS11_release_all_slots(h->ctx, h->slots, h->nslots);
	if (h->ctx != NULL) {
		if (h->loaded)
			PKCS11_CTX_unload(h->ctx);
		PKCS11_CTX_free(h->ctx);
	}
	if (h->dl != NULL)
		dlclose(h->dl);
	uri_free(&h->uri);
	if (h->active)
		hsm_active = 0;
	free(h);
	ERR_clear_error();
}

const char *
hsm_uri_object(const struct hsm *h)
{
	return h->uri.object;
}

const char *
hsm_token_label(const struct hsm *h)
{
	return h->slot != NULL && h->slot->token != NULL ?
	    h->slot->token->label : "?";
}

const char *
hsm_token_serial(const struct hsm *h)
{
	return h->slot != NULL && h->slot->token != NULL ?
	    h->slot->token->serialnr : "?";
}

/* ---- raw sessions and objects ---- */

/* Templates take non-const pointers even for input that the module
 * only reads; this is the one place that drops the qualifier. */
static void
tmpl_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *val,
    size_t len)
{
	if (t->n == MAX_ATTRS)
		return;		/* cannot happen: templates are fixed */
	t->a[t->n].type = type;
	t->a[t->n].pValue = (void *)(uintptr_t)val;
	t->a[t->n].ulValueLen = len;
	t->n++;
}

static int
session_open(struct hsm *h, int rw, CK_SESSION_HANDLE *s)
{
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	CK_RV rv;

	rv = h->p11->C_OpenSession(h->slot_id, flags, NULL, NULL, s);
	if (rv != CKR_OK)
		return ck_fail(h, rv, "cannot open a session");
	return 0;
}

static void
session_close(struct hsm *h, CK_SESSION_HANDLE s)
{
	(void)h->p11->C_CloseSession(s);
}

static int
check_label(const char *label)
{
	if (label == NULL || label[0] == '\0')
		return err_set(ERR_CONFIG, "empty key label");
	return 0;
}

/* Up to MAX_OBJS objects of class cls labelled label. */
static int
find_objects(struct hsm *h, CK_SESSION_HANDLE s, const CK_OBJECT_CLASS *cls,
    const char *label, CK_OBJECT_HANDLE *objs, CK_ULONG *n)
{
	struct tmpl t = { .n = 0 };
	CK_RV rv;

	*n = 0;
	tmpl_add(&t, CKA_CLASS, cls, sizeof(*cls));
	tmpl_add(&t, CKA_LABEL, label, strlen(label));
	if ((rv = h->p11->C_FindObjectsInit(s, t.a, t.n)) != CKR_OK)
		return ck_fail(h, rv, "cannot search objects");
	rv = h->p11->C_FindObjects(s, objs, MAX_OBJS, n);
	(void)h->p11->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return ck_fail(h, rv, "cannot search objects");
	return 0;
}

/* The one object of class cls labelled label. */
static int
find_one(struct hsm *h, CK_SESSION_HANDLE s, const CK_OBJECT_CLASS *cls,
    const char *label, CK_OBJECT_HANDLE *obj)
{
	CK_OBJECT_HANDLE objs[MAX_OBJS];
	CK_ULONG n;
	int ret;

	if ((ret = find_objects(h, s, cls, label, objs, &n)) != 0)
		return ret;
	if (n == 0)
		return err_set(ERR_NOINPUT, "no %skey labelled %s in token %s",
		    cls == &cls_pub ? "public " : "", label,
		    hsm_token_label(h));
	if (n > 1)
		return err_set(ERR_DATA, "token %s holds %lu %s keys labelled "
		    "%s", hsm_token_label(h), (unsigned long)n,
		    cls == &cls_pub ? "public" : "private", label);
	*obj = objs[0];
	return 0;
}

/* The value of one attribute of obj, malloc'd (not for secrets). */
static int
get_attr(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*val = NULL;
	rv = h->p11->C_GetAttributeValue(s, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return ck_fail(h, rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID :
		    rv, "cannot read a key attribute");
	if ((a.pValue = malloc(a.ulValueLen + 1)) == NULL)
		return err_set(ERR_INTERNAL, "out of memory");
	if ((rv = h->p11->C_GetAttributeValue(s, obj, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return ck_fail(h, rv, "cannot read a key attribute");
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

int
hsm_key_exists(struct hsm *h, const char *label, int *exists)
{
	const CK_OBJECT_CLASS *classes[] = { &cls_priv, &cls_pub, &cls_secret };
	CK_OBJECT_HANDLE objs[MAX_OBJS];
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	size_t i;
	int ret;

	*exists = 0;
	if ((ret = check_label(label)) != 0 ||
	    (ret = session_open(h, 0, &s)) != 0)
		return ret;
	for (i = 0; i < 3 && ret == 0 && !*exists; i++)
		if ((ret = find_objects(h, s, classes[i], label, objs,
		    &n)) == 0 && n > 0)
			*exists = 1;
	session_close(h, s);
	return ret;
}

static int
label_free(struct hsm *h, const char *label)
{
	int exists, ret;

	if ((ret = hsm_key_exists(h, label, &exists)) != 0)
		return ret;
	if (exists)
		return err_set(ERR_EXISTS, "token %s already holds a key "
		    "labelled %s", hsm_token_label(h), label);
	return 0;
}

/* ---- public keys: SKI and reading them from the token ---- */

/* SHA-1 of the subjectPublicKey BIT STRING contents of key. */
static int
key_id(EVP_PKEY *key, unsigned char id[ID_LEN])
{
	X509_PUBKEY *xpk = NULL;
	const unsigned char *pk;
	unsigned int dlen = 0;
	int pklen, ok;

	ok = X509_PUBKEY_set(&xpk, key) == 1 &&
	    X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) == 1 &&
	    EVP_Digest(pk, (size_t)pklen, id, &dlen, EVP_sha1(), NULL) == 1 &&
	    dlen == ID_LEN;
	X509_PUBKEY_free(xpk);
	if (!ok) {
		err_set(ERR_INTERNAL, "cannot compute the key identifier");
		err_add_openssl();
		return ERR_INTERNAL;
	}
	return 0;
}

/* The EC point inside CKA_EC_POINT (DER OCTET STRING, or bare). */
static int
ec_point(const unsigned char *v, size_t len, size_t field,
    const unsigned char **pt)
{
	size_t plen = 2 * field + 1;

	if (len == plen + 2 && v[0] == 0x04 && v[1] == plen && v[2] == 0x04)
		*pt = v + 2;
	else if (len == plen && v[0] == 0x04)
		*pt = v;
	else
		return -1;
	return 0;
}

static int
pub_from_params(const char *alg, OSSL_PARAM *params, EVP_PKEY **key)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	ok = ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, key, EVP_PKEY_PUBLIC_KEY, params) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int
ec_pub(const unsigned char *params, size_t plen, unsigned char *point,
    size_t ptlen, EVP_PKEY **key)
{
	char group[8];
	size_t field;
	const unsigned char *q;
	OSSL_PARAM p[3];

	if (plen == sizeof(oid_p256) && memcmp(params, oid_p256, plen) == 0) {
		snprintf(group, sizeof(group), "P-256");
		field = 32;
	} else if (plen == sizeof(oid_p384) &&
	    memcmp(params, oid_p384, plen) == 0) {
		snprintf(group, sizeof(group), "P-384");
		field = 48;
	} else
		return -1;
	if (ec_point(point, ptlen, field, &q) != 0)
		return -1;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    point + (q - point), 2 * field + 1);
	p[2] = OSSL_PARAM_construct_end();
	return pub_from_params("EC", p, key);
}

static int
rsa_pub(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen, EVP_PKEY **key)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL);
	BIGNUM *be = BN_bin2bn(e, (int)elen, NULL);
	int ret = -1;

	if (bld != NULL && bn != NULL && be != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
		ret = pub_from_params("RSA", params, key);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return ret;
}

/* An OpenSSL key from the public attributes of obj. */
static int
pub_read(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    const char *label, EVP_PKEY **key)
{
	unsigned char *kt = NULL, *a = NULL, *b = NULL;
	size_t ktlen, alen, blen;
	CK_KEY_TYPE type;
	int ret, ec;

	*key = NULL;
	if ((ret = get_attr(h, s, obj, CKA_KEY_TYPE, &kt, &ktlen)) != 0)
		goto out;
	memcpy(&type, kt, ktlen < sizeof(type) ? ktlen : sizeof(type));
	if ((type != CKK_EC && type != CKK_RSA) || ktlen != sizeof(type)) {
		ret = err_set(ERR_DATA, "key %s in token %s is neither EC "
		    "nor RSA", label, hsm_token_label(h));
		goto out;
	}
	ec = type == CKK_EC;
	if ((ret = get_attr(h, s, obj, ec ? CKA_EC_PARAMS : CKA_MODULUS, &a,
	    &alen)) != 0 || (ret = get_attr(h, s, obj, ec ? CKA_EC_POINT :
	    CKA_PUBLIC_EXPONENT, &b, &blen)) != 0)
		goto out;
	if ((ec ? ec_pub(a, alen, b, blen, key) :
	    rsa_pub(a, alen, b, blen, key)) != 0) {
		ret = err_set(ERR_DATA, "key %s in token %s: unsupported "
		    "curve or malformed public key", label,
		    hsm_token_label(h));
		ERR_clear_error();
	}
out:
	free(kt);
	free(a);
	free(b);
	return ret;
}

int
hsm_public_key(struct hsm *h, const char *label, EVP_PKEY **key)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE obj;
	int ret;

	*key = NULL;
	if ((ret = check_label(label)) != 0 ||
	    (ret = session_open(h, 0, &s)) != 0)
		return ret;
	if ((ret = find_one(h, s, &cls_pub, label, &obj)) == 0)
		ret = pub_read(h, s, obj, label, key);
	session_close(h, s);
	return ret;
}

/* ---- creating objects ---- */

static void
tmpl_private(struct tmpl *t, const char *label, const unsigned char *id)
{
	tmpl_add(t, CKA_TOKEN, &ck_yes, sizeof(ck_yes));
	tmpl_add(t, CKA_PRIVATE, &ck_yes, sizeof(ck_yes));
	tmpl_add(t, CKA_SENSITIVE, &ck_yes, sizeof(ck_yes));
	tmpl_add(t, CKA_EXTRACTABLE, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_SIGN, &ck_yes, sizeof(ck_yes));
	tmpl_add(t, CKA_DECRYPT, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_UNWRAP, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_DERIVE, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_LABEL, label, strlen(label));
	tmpl_add(t, CKA_ID, id, ID_LEN);
}

static void
tmpl_public(struct tmpl *t, const char *label, const unsigned char *id)
{
	tmpl_add(t, CKA_TOKEN, &ck_yes, sizeof(ck_yes));
	tmpl_add(t, CKA_PRIVATE, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_VERIFY, &ck_yes, sizeof(ck_yes));
	tmpl_add(t, CKA_ENCRYPT, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_WRAP, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_DERIVE, &ck_no, sizeof(ck_no));
	tmpl_add(t, CKA_LABEL, label, strlen(label));
	tmpl_add(t, CKA_ID, id, ID_LEN);
}

static int
little_endian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 1;
}

/*
 * The integer parameter name of key, big-endian, in a secmem buffer:
 * exactly fixed bytes if fixed is not 0, else without leading zeros.
 * OpenSSL writes it in native byte order straight into a secmem buffer.
 */
static int
key_int(const EVP_PKEY *key, const char *name, size_t fixed,
    struct bytes *out)
{
	OSSL_PARAM p[2];
	unsigned char *tmp, c;
	size_t n, i, skip = 0;
	int ret = 0;

	if ((tmp = secmem_alloc(INT_CAP)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	p[0] = OSSL_PARAM_construct_BN(name, tmp, INT_CAP);
	p[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_get_params(key, p) != 1 || !OSSL_PARAM_modified(p) ||
	    (n = p[0].return_size) > INT_CAP || n == 0) {
		ret = err_set(ERR_DATA, "cannot read %s of the key", name);
		ERR_clear_error();
		goto out;
	}
	for (i = 0; little_endian() && i < n / 2; i++) {
		c = tmp[i];
		tmp[i] = tmp[n - 1 - i];
		tmp[n - 1 - i] = c;
	}
	secmem_wipe(&c, sizeof(c));
	while (skip < n - 1 && tmp[skip] == 0)
		skip++;
	out->len = fixed != 0 ? fixed : n - skip;
	if (n - skip > out->len || (out->p = secmem_alloc(out->len)) ==
	    NULL) {
		ret = err_set(ERR_INTERNAL, "cannot hold %s of the key", name);
		goto out;
	}
	memset(out->p, 0, out->len);
	memcpy(out->p + out->len - (n - skip), tmp + skip, n - skip);
out:
	secmem_free(tmp);
	return ret;
}

static int
ec_material(EVP_PKEY *key, enum key_type type, struct material *m)
{
	size_t field = type == KEY_P256 ? 32 : 48, len = 0;
	unsigned char *pt;

	m->ec = 1;
	m->params = type == KEY_P256 ? oid_p256 : oid_p384;
	m->paramslen = type == KEY_P256 ? sizeof(oid_p256) : sizeof(oid_p384);
	if ((m->point.p = secmem_alloc(2 * field + 3)) == NULL)
		return err_set(ERR_INTERNAL, "out of locked memory");
	pt = m->point.p;
	pt[0] = 0x04;		/* DER OCTET STRING */
	pt[1] = (unsigned char)(2 * field + 1);
	if (EVP_PKEY_get_octet_string_param(key,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt + 2, 2 * field + 1,
	    &len) != 1 || len != 2 * field + 1 || pt[2] != 0x04) {
		ERR_clear_error();
		return err_set(ERR_DATA, "cannot read the EC public key");
	}
	m->point.len = 2 * field + 3;
	return key_int(key, OSSL_PKEY_PARAM_PRIV_KEY, field, &m->v[0]);
}

static int
material_get(EVP_PKEY *key, enum key_type type, struct material *m)
{
	size_t i;
	int ret;

	if (type == KEY_P256 || type == KEY_P384)
		return ec_material(key, type, m);
	for (i = 0; i < RSA_PARTS; i++)
		if ((ret = key_int(key, rsa_parts[i].param, 0, &m->v[i])) != 0)
			return ret;
	return 0;
}

static void
material_free(struct material *m)
{
	size_t i;

	secmem_free(m->point.p);
	for (i = 0; i < RSA_PARTS; i++)
		secmem_free(m->v[i].p);
	memset(m, 0, sizeof(*m));
}

static void
material_add(struct tmpl *pub, struct tmpl *priv, const struct material *m)
{
	size_t i;

	if (m->ec) {
		tmpl_add(pub, CKA_EC_PARAMS, m->params, m->paramslen);
		tmpl_add(pub, CKA_EC_POINT, m->point.p, m->point.len);
		tmpl_add(priv, CKA_EC_PARAMS, m->params, m->paramslen);
		tmpl_add(priv, CKA_VALUE, m->v[0].p, m->v[0].len);
		return;
	}
	for (i = 0; i < RSA_PARTS; i++) {
		if (i < 2)
			tmpl_add(pub, rsa_parts[i].attr, m->v[i].p,
			    m->v[i].len);
		tmpl_add(priv, rsa_parts[i].attr, m->v[i].p, m->v[i].len);
	}
}

/* Create the public, then the private object; undo the first if the
 * second fails. */
static int
create_pair(struct hsm *h, CK_SESSION_HANDLE s, struct tmpl *pub,
    struct tmpl *priv)
{
	CK_OBJECT_HANDLE opub, opriv;
	CK_RV rv;

	rv = h->p11->C_CreateObject(s, pub->a, pub->n, &opub);
	if (rv != CKR_OK)
		return ck_fail(h, rv, "cannot create the public key object");
	rv = h->p11->C_CreateObject(s, priv->a, priv->n, &opriv);
	if (rv != CKR_OK) {
		(void)h->p11->C_DestroyObject(s, opub);
		return ck_fail(h, rv, "cannot create the private key object");
	}
	return 0;
}

int
hsm_import_key(struct hsm *h, const char *label, EVP_PKEY *key)
{
	enum key_type type = keytype_of(key);
	struct tmpl pub = { .n = 0 }, priv = { .n = 0 };
	struct material m;
	unsigned char id[ID_LEN];
	CK_SESSION_HANDLE s;
	int ret;

	memset(&m, 0, sizeof(m));
	if ((ret = check_label(label)) != 0)
		return ret;
	if (type == KEY_NONE)
		return err_set(ERR_DATA, "key for %s: only P-256, P-384 and "
		    "RSA 3072/4096 keys are imported", label);
	if ((ret = label_free(h, label)) != 0 ||
	    (ret = key_id(key, id)) != 0 ||
	    (ret = material_get(key, type, &m)) != 0)
		goto out;
	tmpl_add(&pub, CKA_CLASS, &cls_pub, sizeof(cls_pub));
	tmpl_add(&priv, CKA_CLASS, &cls_priv, sizeof(cls_priv));
	tmpl_add(&pub, CKA_KEY_TYPE, m.ec ? &kt_ec : &kt_rsa, sizeof(kt_ec));
	tmpl_add(&priv, CKA_KEY_TYPE, m.ec ? &kt_ec : &kt_rsa, sizeof(kt_ec));
	tmpl_public(&pub, label, id);
	tmpl_private(&priv, label, id);
	material_add(&pub, &priv, &m);
	if ((ret = session_open(h, 1, &s)) != 0)
		goto out;
	ret = create_pair(h, s, &pub, &priv);
	session_close(h, s);
out:
	material_free(&m);
	return ret;
}

/* ---- generation in the token ---- */

/* Give both objects the key identifier of the public key. */
static int
set_key_id(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE opub,
    CK_OBJECT_HANDLE opriv, const char *label)
{
	unsigned char id[ID_LEN];
	struct tmpl t = { .n = 0 };
	EVP_PKEY *pub = NULL;
	CK_RV rv;
	int ret;

	if ((ret = pub_read(h, s, opub, label, &pub)) != 0 ||
	    (ret = key_id(pub, id)) != 0)
		goto out;
	tmpl_add(&t, CKA_ID, id, ID_LEN);
	if ((rv = h->p11->C_SetAttributeValue(s, opub, t.a, t.n)) != CKR_OK ||
	    (rv = h->p11->C_SetAttributeValue(s, opriv, t.a, t.n)) != CKR_OK)
		ret = ck_fail(h, rv, "cannot set the key identifier");
out:
	EVP_PKEY_free(pub);
	return ret;
}

int
hsm_generate_key(struct hsm *h, const char *label, enum key_type type)
{
	struct tmpl pub = { .n = 0 }, priv = { .n = 0 };
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = type == KEY_RSA4096 ? 4096 : 3072;
	CK_OBJECT_HANDLE opub, opriv;
	CK_SESSION_HANDLE s;
	unsigned char tmpid[ID_LEN];
	CK_RV rv;
	int ret;

	if ((ret = check_label(label)) != 0)
		return ret;
	if (type == KEY_NONE)
		return err_set(ERR_DATA, "no key type for %s", label);
	if ((ret = label_free(h, label)) != 0)
		return ret;
	/* A random CKA_ID until the public key is known. */
	if (RAND_bytes(tmpid, sizeof(tmpid)) != 1)
		return err_set(ERR_INTERNAL, "no random bytes");
	tmpl_public(&pub, label, tmpid);
	tmpl_private(&priv, label, tmpid);
	if (type == KEY_P256 || type == KEY_P384) {
		tmpl_add(&pub, CKA_EC_PARAMS, type == KEY_P256 ? oid_p256 :
		    oid_p384, type == KEY_P256 ? sizeof(oid_p256) :
		    sizeof(oid_p384));
	} else {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		tmpl_add(&pub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		tmpl_add(&pub, CKA_PUBLIC_EXPONENT, rsa_f4, sizeof(rsa_f4));
	}
	if ((ret = session_open(h, 1, &s)) != 0)
		return ret;
	rv = h->p11->C_GenerateKeyPair(s, &mech, pub.a, pub.n, priv.a, priv.n,
	    &opub, &opriv);
	if (rv != CKR_OK)
		ret = ck_fail(h, rv, "key generation failed");
	else if ((ret = set_key_id(h, s, opub, opriv, label)) != 0) {
		(void)h->p11->C_DestroyObject(s, opriv);
		(void)h->p11->C_DestroyObject(s, opub);
	}
	session_close(h, s);
	return ret;
}

/* ---- using and removing keys ---- */

/* CKA_ID of the one private key labelled label, malloc'd. */
static int
private_id(struct hsm *h, const char *label, unsigned char **id,
    size_t *idlen)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE obj;
	int ret;

	if ((ret = session_open(h, 0, &s)) != 0)
		return ret;
	if ((ret = find_one(h, s, &cls_priv, label, &obj)) == 0)
		ret = get_attr(h, s, obj, CKA_ID, id, idlen);
	session_close(h, s);
	return ret;
}

int
hsm_signing_key(struct hsm *h, const char *label, EVP_PKEY **key)
{
	PKCS11_KEY *keys, *k = NULL;
	unsigned char *id = NULL;
	unsigned int n, i;
	size_t idlen = 0;
	int ret;

	*key = NULL;
	if ((ret = check_label(label)) != 0)
		return ret;
	if (!h->logged_in)
		return err_set(ERR_AUTH, "token %s was opened without a PIN; "
		    "signing with %s needs one", hsm_token_label(h), label);
	if ((ret = private_id(h, label, &id, &idlen)) != 0)
		return ret;
	if (PKCS11_enumerate_keys(h->slot->token, &keys, &n) != 0)
		n = 0;
	/* The last match: libp11 appends what it finds, keeps the dead. */
	for (i = 0; i < n; i++)
		if (keys[i].isPrivate && keys[i].label != NULL &&
		    strcmp(keys[i].label, label) == 0 &&
		    keys[i].id_len == idlen &&
		    (idlen == 0 || memcmp(keys[i].id, id, idlen) == 0))
			k = &keys[i];
	free(id);
	if (k == NULL || (*key = PKCS11_get_private_key(k)) == NULL) {
		err_set(ERR_UNAVAILABLE, "token %s: cannot use key %s for "
		    "signing", hsm_token_label(h), label);
		err_add_openssl();
		return ERR_UNAVAILABLE;
	}
	return 0;
}

int
hsm_key_flags(struct hsm *h, const char *label, int *sensitive,
    int *extractable)
{
	CK_BBOOL sens = CK_FALSE, extr = CK_TRUE;
	CK_ATTRIBUTE a[2] = {
		{ CKA_SENSITIVE, &sens, sizeof(sens) },
		{ CKA_EXTRACTABLE, &extr, sizeof(extr) },
	};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE obj;
	CK_RV rv;
	int ret;

	*sensitive = 0;
	*extractable = 1;
	if ((ret = check_label(label)) != 0 ||
	    (ret = session_open(h, 0, &s)) != 0)
		return ret;
	if ((ret = find_one(h, s, &cls_priv, label, &obj)) == 0) {
		rv = h->p11->C_GetAttributeValue(s, obj, a, 2);
		if (rv != CKR_OK)
			ret = ck_fail(h, rv, "cannot read the key's flags");
	}
	session_close(h, s);
	if (ret == 0) {
		*sensitive = sens == CK_TRUE;
		*extractable = extr == CK_TRUE;
	}
	return ret;
}

/* Destroy every object of class cls labelled label; count them. */
static int
destroy_all(struct hsm *h, CK_SESSION_HANDLE s, const CK_OBJECT_CLASS *cls,
    const char *label, unsigned long *count)
{
	CK_OBJECT_HANDLE objs[MAX_OBJS];
	CK_ULONG n, i;
	CK_RV rv;
	int ret;

	do {
		if ((ret = find_objects(h, s, cls, label, objs, &n)) != 0)
			return ret;
		for (i = 0; i < n; i++) {
			rv = h->p11->C_DestroyObject(s, objs[i]);
			if (rv != CKR_OK)
				return ck_fail(h, rv, "cannot destroy a key "
				    "object");
			(*count)++;
		}
	} while (n == MAX_OBJS);
	return 0;
}

int
hsm_delete_key(struct hsm *h, const char *label)
{
	CK_SESSION_HANDLE s;
	unsigned long count = 0;
	int ret;

	if ((ret = check_label(label)) != 0 ||
	    (ret = session_open(h, 1, &s)) != 0)
		return ret;
	if ((ret = destroy_all(h, s, &cls_priv, label, &count)) == 0)
		ret = destroy_all(h, s, &cls_pub, label, &count);
	session_close(h, s);
	if (ret == 0 && count == 0)
		ret = err_set(ERR_NOINPUT, "no key labelled %s in token %s",
		    label, hsm_token_label(h));
	return ret;
}
