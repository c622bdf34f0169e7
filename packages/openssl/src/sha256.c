/*
 * SHA-256 whose state can be saved and continued elsewhere, on OpenSSL's own SHA-256 (the one Node
 * links, with the SHA extensions or AVX2 where the CPU has them). node:crypto cannot save a hash's
 * state; this exposes OpenSSL's SHA256_CTX, which holds nothing but the chaining value, the length
 * and the unfinished block, written out in a portable layout so any node of a cluster continues it.
 *
 * Saved state (STATE_BYTES): "DS256v1\0" | h[8] as big-endian words | length in bytes, big-endian
 * 64-bit | the unfinished block (the first length % 64 bytes count, the rest are zero).
 */
#include <node_api.h>
#include <openssl/sha.h>
#include <string.h>
#include "addon.h"

#define MAGIC "DS256v1"
#define MAGIC_BYTES 8
#define STATE_BYTES (MAGIC_BYTES + 32 + 8 + SHA256_CBLOCK)

const size_t sha256_state_bytes = STATE_BYTES;

static void put32(unsigned char *p, unsigned int v) {
  p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

static unsigned int get32(const unsigned char *p) {
  return ((unsigned int)p[0] << 24) | ((unsigned int)p[1] << 16) | ((unsigned int)p[2] << 8) | (unsigned int)p[3];
}

static void save(const SHA256_CTX *ctx, unsigned char *out) {
  memcpy(out, MAGIC, MAGIC_BYTES);
  for (int i = 0; i < 8; i++) put32(out + MAGIC_BYTES + 4 * i, ctx->h[i]);
  /* OpenSSL counts bits in two 32-bit halves. */
  unsigned long long bytes = ((((unsigned long long)ctx->Nh) << 32) | ctx->Nl) >> 3;
  for (int i = 0; i < 8; i++) out[MAGIC_BYTES + 32 + i] = (unsigned char)(bytes >> (56 - 8 * i));
  memset(out + MAGIC_BYTES + 40, 0, SHA256_CBLOCK);
  memcpy(out + MAGIC_BYTES + 40, ctx->data, ctx->num);
}

/* Fills ctx from a saved state; 0 when it is not one this module wrote. */
static int load(SHA256_CTX *ctx, const unsigned char *in, size_t length) {
  if (length != STATE_BYTES || memcmp(in, MAGIC, MAGIC_BYTES) != 0) return 0;
  unsigned long long bytes = 0;
  for (int i = 0; i < 8; i++) bytes = (bytes << 8) | in[MAGIC_BYTES + 32 + i];
  /* SHA-256 takes at most 2^64 - 1 bits. */
  if (bytes >> 61) return 0;
  SHA256_Init(ctx);
  for (int i = 0; i < 8; i++) ctx->h[i] = get32(in + MAGIC_BYTES + 4 * i);
  bytes <<= 3;
  ctx->Nl = (SHA_LONG)(bytes & 0xffffffffu);
  ctx->Nh = (SHA_LONG)(bytes >> 32);
  ctx->num = (unsigned int)((bytes >> 3) % SHA256_CBLOCK);
  memcpy(ctx->data, in + MAGIC_BYTES + 40, ctx->num);
  return 1;
}

/* The state argument: null or undefined for the start, else a saved state. */
static int state_of(napi_env env, napi_value value, SHA256_CTX *ctx) {
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  if (type == napi_null || type == napi_undefined) {
    SHA256_Init(ctx);
    return 1;
  }
  unsigned char *data;
  size_t length;
  if (!bytes_of(env, value, "state", &data, &length)) return 0;
  if (!load(ctx, data, length)) {
    napi_throw_type_error(env, "ERR_INVALID_HASH_STATE", "state is not a saved SHA-256 state");
    return 0;
  }
  return 1;
}

static napi_value new_buffer(napi_env env, size_t length, unsigned char **data) {
  napi_value out;
  if (napi_create_buffer(env, length, (void **)data, &out) != napi_ok) return NULL;
  return out;
}

/* sha256Update(state, bytes): the state after `bytes`, as a new Buffer. */
napi_value sha256_update(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  SHA256_CTX ctx;
  unsigned char *bytes, *out;
  size_t length;
  if (!arguments_of(env, info, 2, argv, "sha256Update(state, bytes)")) return NULL;
  if (!state_of(env, argv[0], &ctx) || !bytes_of(env, argv[1], "bytes", &bytes, &length)) return NULL;
  SHA256_Update(&ctx, bytes, length);
  napi_value result = new_buffer(env, STATE_BYTES, &out);
  if (result) save(&ctx, out);
  return result;
}

/* sha256Digest(state): the SHA-256 of everything the state has taken, as a 32-byte Buffer. */
napi_value sha256_digest(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  SHA256_CTX ctx;
  unsigned char *out;
  if (!arguments_of(env, info, 1, argv, "sha256Digest(state)") || !state_of(env, argv[0], &ctx)) return NULL;
  napi_value result = new_buffer(env, SHA256_DIGEST_LENGTH, &out);
  if (result) SHA256_Final(out, &ctx);
  return result;
}

/* isSha256State(value): whether `value` is a state this module saved (and so can be continued). */
napi_value sha256_is_state(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  bool typed = false;
  int valid = 0;
  if (!arguments_of(env, info, 1, argv, "isSha256State(value)")) return NULL;
  if (napi_is_typedarray(env, argv[0], &typed) == napi_ok && typed) {
    unsigned char *data;
    size_t length;
    SHA256_CTX ctx;
    valid = bytes_of(env, argv[0], "state", &data, &length) && load(&ctx, data, length);
  }
  if (napi_get_boolean(env, valid, &result) != napi_ok) return NULL;
  return result;
}
