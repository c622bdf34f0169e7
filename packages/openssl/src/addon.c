/*
 * Node's own OpenSSL where node:crypto falls short on Dropline's hot paths: a SHA-256 whose state
 * can be saved (sha256.c) and AES-256-GCM into given memory (gcm.c). Node exports OpenSSL's
 * symbols for addons, so this links against the very library node:crypto runs on.
 */
#include "addon.h"

NAPI_MODULE_INIT() {
  napi_value state_bytes;
  if (napi_create_uint32(env, (uint32_t)sha256_state_bytes, &state_bytes) != napi_ok) return NULL;
  napi_property_descriptor properties[] = {
    {"SHA256_STATE_BYTES", NULL, NULL, NULL, NULL, state_bytes, napi_enumerable, NULL},
    {"sha256Update", NULL, sha256_update, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sha256Digest", NULL, sha256_digest, NULL, NULL, NULL, napi_enumerable, NULL},
    {"isSha256State", NULL, sha256_is_state, NULL, NULL, NULL, napi_enumerable, NULL},
    {"gcmSeal", NULL, gcm_seal, NULL, NULL, NULL, napi_enumerable, NULL},
    {"gcmOpen", NULL, gcm_open, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}
