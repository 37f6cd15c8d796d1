/*
 * powchain's native verifier: ECDSA checks with the system's libsecp256k1 (Debian/Ubuntu package
 * libsecp256k1-dev), called through Node-API.
 *
 * Why this exists next to the `secp256k1` npm package: that package bundles a libsecp256k1
 * snapshot from 2019, whose modular inversions are exponentiations. libsecp256k1 0.2 and later
 * invert with safegcd, and one verification here takes about 41 µs instead of 55 µs. Block
 * connection is bound by signature checks, so that difference is most of a core.
 *
 * Two functions, both pure (no state beyond a verify context made once per Node environment):
 *   verify(sig64, digest32, pubkey33) -> boolean
 *   verifyBatch(items) -> index of the first invalid record, or -1
 *     items: records of sig (64) | digest (32) | pubkey (33), packed back to back (the verify
 *     pool's wire format), and nothing else: a length that is not a whole number of records is a
 *     RangeError. One call checks a whole chunk without crossing into JS per record.
 *
 * Consensus semantics are the caller's: powchain's byte-level prechecks (canonical low-S
 * signature, 33-byte compressed key, 32-byte digest) run in TypeScript before either function,
 * exactly as for the other backends. Here a signature is valid only if it parses, the key is a
 * point on the curve and libsecp256k1 accepts it (which also refuses high S).
 */
#include <node_api.h>
#include <secp256k1.h>
#include <stdint.h>

#define SIG_BYTES 64
#define DIGEST_BYTES 32
#define PUBKEY_BYTES 33
#define ITEM_BYTES (SIG_BYTES + DIGEST_BYTES + PUBKEY_BYTES)


static int check(const secp256k1_context *ctx, const unsigned char *sig, const unsigned char *digest, const unsigned char *pub) {
  secp256k1_ecdsa_signature s;
  secp256k1_pubkey p;
  return secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig) &&
         secp256k1_ec_pubkey_parse(ctx, &p, pub, PUBKEY_BYTES) &&
         secp256k1_ecdsa_verify(ctx, &s, digest, &p);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

/* The bytes of a Uint8Array argument, or NULL (with a TypeError pending). */
static const unsigned char *bytes_of(napi_env env, napi_value value, size_t *length) {
  napi_typedarray_type type;
  void *data;
  if (napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    throw_type(env, "expected a Uint8Array");
    return NULL;
  }
  /* An empty view may have no backing store; the callers' length checks refuse it anyway. */
  return data != NULL ? data : (const unsigned char *)"";
}

static napi_value Verify(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  secp256k1_context *ctx;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&ctx) != napi_ok) return NULL;
  if (argc != 3) return throw_type(env, "verify(sig64, digest32, pubkey33) takes three Uint8Arrays");
  size_t sl, dl, pl;
  const unsigned char *sig = bytes_of(env, argv[0], &sl);
  if (!sig) return NULL;
  const unsigned char *digest = bytes_of(env, argv[1], &dl);
  if (!digest) return NULL;
  const unsigned char *pub = bytes_of(env, argv[2], &pl);
  if (!pub) return NULL;
  int ok = sl == SIG_BYTES && dl == DIGEST_BYTES && pl == PUBKEY_BYTES && check(ctx, sig, digest, pub);
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

static napi_value VerifyBatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  secp256k1_context *ctx;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&ctx) != napi_ok) return NULL;
  if (argc != 1) return throw_type(env, "verifyBatch(items) takes one Uint8Array");
  size_t length;
  const unsigned char *items = bytes_of(env, argv[0], &length);
  if (!items) return NULL;
  /* The answer is an int32 index: more records than that could name is refused too. */
  if (length % ITEM_BYTES != 0 || length / ITEM_BYTES > INT32_MAX) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "items must be whole 129-byte records");
    return NULL;
  }
  size_t count = length / ITEM_BYTES;
  int32_t bad = -1;
  for (size_t i = 0; i < count; i++) {
    const unsigned char *item = items + i * ITEM_BYTES;
    if (!check(ctx, item, item + SIG_BYTES, item + SIG_BYTES + DIGEST_BYTES)) {
      bad = (int32_t)i;
      break;
    }
  }
  napi_value out;
  napi_create_int32(env, bad, &out);
  return out;
}

/*
 * libsecp256k1 calls this instead of abort() when an argument breaks its API contract. The
 * arguments above are always well formed, so it cannot happen with a correct library; if it
 * does, the check in flight must fail rather than the process die: a failed check is an invalid
 * signature, and the TypeScript self-test then refuses the module.
 */
static void on_illegal_argument(const char *message, void *data) {
  (void)message;
  (void)data;
}

static void destroy_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  secp256k1_context_destroy((secp256k1_context *)data);
}

NAPI_MODULE_INIT() {
  /* One context per environment (the main thread and each worker load the module separately);
     read-only after creation, and freed with its environment. The VERIFY flag is what libraries
     before 0.2 need to verify at all (0.2 and later ignore it). */
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  if (ctx == NULL) {
    napi_throw_error(env, NULL, "could not create a libsecp256k1 context");
    return NULL;
  }
  secp256k1_context_set_illegal_callback(ctx, on_illegal_argument, NULL);
  if (napi_set_instance_data(env, ctx, destroy_context, NULL) != napi_ok) {
    secp256k1_context_destroy(ctx);
    napi_throw_error(env, NULL, "could not keep the libsecp256k1 context");
    return NULL;
  }
  napi_property_descriptor props[] = {
    {"verify", NULL, Verify, NULL, NULL, NULL, napi_enumerable, ctx},
    {"verifyBatch", NULL, VerifyBatch, NULL, NULL, NULL, napi_enumerable, ctx},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
