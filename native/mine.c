/*
 * powchain's native mining kernel: Node-API glue over sha256d_scan.c, which hashes block headers
 * with the CPU's SHA extensions.
 *
 * Exports:
 *   kernel: the scanner this CPU runs ("sha-ni"), or null when it has none of them
 *   scan(header80, target, start, count) -> the first nonce in [start, start + count) whose
 *     sha256d, read as a little-endian 256-bit integer, is <= target, or -1
 *     header80: Uint8Array of 80 bytes (its nonce field is ignored); target: Uint32Array of 8
 *     words, least significant first; start: integer in [0, 2^32); count: integer in
 *     [0, 2^32 - start].
 *
 * One call scans a whole chunk of nonces: the loop is in C, and JavaScript is entered once per
 * chunk. It keeps no state, so the main thread and every hasher worker may call it at once.
 */
#include <node_api.h>
#include <stdint.h>

#include "sha256d_scan.h"

#define NONCE_SPACE 4294967296.0

static napi_value fail(napi_env env, int range, const char *message) {
  if (range) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  }
  return NULL;
}

/* The data of a typed array of the given type and length, or NULL (with an error pending). */
static void *typed(napi_env env, napi_value value, napi_typedarray_type want, size_t length, const char *message) {
  napi_typedarray_type type;
  size_t got;
  void *data;
  bool is;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, value, &type, &got, &data, NULL, NULL) != napi_ok || type != want) {
    fail(env, 0, message);
    return NULL;
  }
  if (got != length || data == NULL) {
    fail(env, 1, message);
    return NULL;
  }
  return data;
}

/* A number that is an integer in [0, max], or -1 (with an error pending). */
static double whole(napi_env env, napi_value value, double max, const char *message) {
  double x;
  if (napi_get_value_double(env, value, &x) != napi_ok) {
    fail(env, 0, message);
    return -1;
  }
  if (!(x >= 0 && x <= max) || x != (double)(uint64_t)x) {
    fail(env, 1, message);
    return -1;
  }
  return x;
}

static napi_value Scan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 4) return fail(env, 0, "scan(header80, target, start, count) takes four arguments");
  const unsigned char *header = typed(env, argv[0], napi_uint8_array, 80, "header must be a Uint8Array of 80 bytes");
  if (header == NULL) return NULL;
  const uint32_t *target = typed(env, argv[1], napi_uint32_array, 8, "target must be a Uint32Array of 8 words");
  if (target == NULL) return NULL;
  double start = whole(env, argv[2], NONCE_SPACE - 1, "start must be an integer in [0, 2^32)");
  if (start < 0) return NULL;
  double count = whole(env, argv[3], NONCE_SPACE - start, "count must be an integer in [0, 2^32 - start]");
  if (count < 0) return NULL;
  if (powchain_scan_kernel() == NULL) {
    napi_throw_error(env, NULL, "this CPU has no SHA extensions for the native kernel");
    return NULL;
  }
  powchain_scan_job job;
  powchain_scan_prepare(&job, header, target);
  int64_t found = powchain_scan(&job, (uint32_t)start, (uint64_t)count);
  napi_value out;
  napi_create_double(env, (double)found, &out);
  return out;
}

NAPI_MODULE_INIT() {
  const char *name = powchain_scan_kernel();
  napi_value kernel, scan;
  if (name != NULL) {
    if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &kernel) != napi_ok) return NULL;
  } else if (napi_get_null(env, &kernel) != napi_ok) {
    return NULL;
  }
  if (napi_create_function(env, "scan", NAPI_AUTO_LENGTH, Scan, NULL, &scan) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "kernel", kernel) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "scan", scan) != napi_ok) return NULL;
  return exports;
}
