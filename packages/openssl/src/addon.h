/* What the native functions share: reading their arguments, and the functions addon.c exports. */
#ifndef DROPLINE_ADDON_H
#define DROPLINE_ADDON_H
#include <node_api.h>
#include <stdio.h>

/* The bytes of a Buffer, TypedArray or DataView argument; 0 and a thrown TypeError otherwise. */
static inline int bytes_of(napi_env env, napi_value value, const char *name, unsigned char **data, size_t *length) {
  bool is;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t count, offset;
    napi_value buffer;
    void *base;
    if (napi_get_typedarray_info(env, value, &type, &count, &base, &buffer, &offset) != napi_ok) return 0;
    size_t element = type == napi_uint8_array || type == napi_int8_array || type == napi_uint8_clamped_array ? 1
                     : type == napi_int16_array || type == napi_uint16_array ? 2
                     : type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8 : 4;
    *data = base;
    *length = count * element;
    return 1;
  }
  if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    void *base;
    if (napi_get_dataview_info(env, value, length, &base, NULL, NULL) != napi_ok) return 0;
    *data = base;
    return 1;
  }
  char message[64];
  snprintf(message, sizeof message, "%s must be a Uint8Array", name);
  napi_throw_type_error(env, NULL, message);
  return 0;
}

/* The call's first `count` arguments into argv; 0 and a thrown TypeError naming `usage` when fewer came. */
static inline int arguments_of(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc >= count) return 1;
  char message[160];
  snprintf(message, sizeof message, "%s takes %zu argument%s", usage, count, count == 1 ? "" : "s");
  napi_throw_type_error(env, NULL, message);
  return 0;
}

/* Bytes of a saved SHA-256 state (see sha256.c). */
extern const size_t sha256_state_bytes;

napi_value sha256_update(napi_env env, napi_callback_info info);
napi_value sha256_digest(napi_env env, napi_callback_info info);
napi_value sha256_is_state(napi_env env, napi_callback_info info);
napi_value gcm_seal(napi_env env, napi_callback_info info);
napi_value gcm_open(napi_env env, napi_callback_info info);

#endif
