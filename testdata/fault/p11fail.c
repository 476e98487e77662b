/*
 * p11fail.c: a PKCS#11 module for testdata/regress/faults-hsm.sh that
 * loads the real module ($P11FAIL_MODULE, SoftHSM2 by default) and
 * forwards every call to it, until the token "fails":
 *
 *   P11FAIL_AFTER=N   the Nth C_Sign of the process and every later one
 *                     fail (unset or 0: never)
 *   P11FAIL_MODE=device   C_Sign returns CKR_DEVICE_ERROR
 *   P11FAIL_MODE=removed  the token is pulled: C_Sign returns
 *                     CKR_DEVICE_REMOVED, and from then on every call
 *                     on a session CKR_DEVICE_REMOVED, C_GetTokenInfo
 *                     and C_OpenSession CKR_TOKEN_NOT_PRESENT
 *
 * The signature of a failed C_Sign is never produced, so a certificate
 * that the CA records as issued after it must be a bug.  Built by the
 * test: cc -shared -fPIC -I/usr/include/p11-kit-1 -o p11fail.so p11fail.c
 * -ldl.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST real_list, *real;
static CK_FUNCTION_LIST shim;
static unsigned long signs, after;
static int removed_mode, pulled;

/* A failed C_Sign ends the operation (PKCS#11 5.2): end SoftHSM2's
 * too, by letting it sign into a scratch buffer that nobody sees. */
static CK_RV
failure(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len)
{
	CK_BYTE scratch[1024];
	CK_ULONG n = sizeof(scratch);

	if (data != NULL)
		(void)real->C_Sign(s, data, len, scratch, &n);
	else
		(void)real->C_SignFinal(s, scratch, &n);
	if (removed_mode) {
		pulled = 1;
		return CKR_DEVICE_REMOVED;
	}
	return CKR_DEVICE_ERROR;
}

static CK_RV
f_Sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len,
    CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	if (pulled)
		return CKR_DEVICE_REMOVED;
	/* A length query (sig NULL) is not a signature. */
	if (sig != NULL && after != 0 && ++signs >= after)
		return failure(s, data, len);
	return real->C_Sign(s, data, len, sig, siglen);
}

static CK_RV
f_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return pulled ? CKR_DEVICE_REMOVED : real->C_SignInit(s, m, k);
}

static CK_RV
f_SignFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	if (pulled)
		return CKR_DEVICE_REMOVED;
	if (sig != NULL && after != 0 && ++signs >= after)
		return failure(s, NULL, 0);
	return real->C_SignFinal(s, sig, siglen);
}

static CK_RV
f_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	return pulled ? CKR_TOKEN_NOT_PRESENT :
	    real->C_GetTokenInfo(slot, info);
}

static CK_RV
f_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR s)
{
	return pulled ? CKR_TOKEN_NOT_PRESENT :
	    real->C_OpenSession(slot, flags, app, notify, s);
}

static CK_RV
f_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	return pulled ? CKR_DEVICE_REMOVED : real->C_FindObjectsInit(s, t, n);
}

static CK_RV
f_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	return pulled ? CKR_DEVICE_REMOVED :
	    real->C_GetAttributeValue(s, o, t, n);
}

static CK_RV
f_Login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin,
    CK_ULONG len)
{
	return pulled ? CKR_DEVICE_REMOVED : real->C_Login(s, u, pin, len);
}

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	const char *path = getenv("P11FAIL_MODULE");
	const char *mode = getenv("P11FAIL_MODE");
	const char *n = getenv("P11FAIL_AFTER");
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	void *h;
	CK_RV rv;

	if (real == NULL) {
		if (path == NULL)
			path = "/usr/lib/softhsm/libsofthsm2.so";
		if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL ||
		    (get = (CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(h,
		    "C_GetFunctionList")) == NULL)
			return CKR_GENERAL_ERROR;
		if ((rv = get(&real)) != CKR_OK)
			return rv;
		real_list = *real;
		real = &real_list;
		shim = real_list;
		shim.C_Sign = f_Sign;
		shim.C_SignInit = f_SignInit;
		shim.C_SignFinal = f_SignFinal;
		shim.C_GetTokenInfo = f_GetTokenInfo;
		shim.C_OpenSession = f_OpenSession;
		shim.C_FindObjectsInit = f_FindObjectsInit;
		shim.C_GetAttributeValue = f_GetAttributeValue;
		shim.C_Login = f_Login;
		after = n != NULL ? strtoul(n, NULL, 10) : 0;
		removed_mode = mode != NULL && strcmp(mode, "removed") == 0;
	}
	*out = &shim;
	return CKR_OK;
}
