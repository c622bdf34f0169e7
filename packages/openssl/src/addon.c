/*
 * Node's own OpenSSL where node:crypto falls short on Dropline's hot paths: a SHA-256 whose state
 * can be saved (sha256.c) and AES-256-GCM into given memory (gcm.c). Node exports OpenSSL's
 * symbols for addons, so this links against the very library node:crypto runs on.
 */
#include "bytes.h"

NAPI_MODULE_INIT() {
  if (define_sha256(env, exports) != napi_ok || define_gcm(env, exports) != napi_ok) return NULL;
  return exports;
}
