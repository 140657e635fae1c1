/*
 * DTLS 1.2 server engine over memory BIOs, driving the OpenSSL that Node.js
 * itself links (Node 20: OpenSSL 3.0, symbols exported to addons). A context
 * made with `client: true` is a PSK client instead (the command-line tools):
 * its sessions start with SSL_connect and go through the same calls below.
 *
 * It owns no socket and no timer: TypeScript hands it one datagram at a time
 * and sends what it returns. One "listener" SSL per context answers
 * ClientHellos statelessly with HelloVerifyRequest (DTLSv1_listen, RFC 6347
 * §4.2.1); the cookie itself is computed by the caller (an HMAC over the
 * peer's address with a rotating secret) and passed in, so the secret never
 * lives here. A ClientHello with a valid cookie turns the listener SSL into
 * the peer's session and the caller makes a fresh listener.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include "napi_args.h"
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COOKIE 32
#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "dtls addon: N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

#define MAX_PSK_IDENTITY 128
#define MAX_PSK_KEY 64

typedef struct {
  SSL_CTX *ctx;
  napi_ref psk_lookup; /* (identity: string) => Buffer | undefined */
  int client;          /* DTLS_client_method: sessions start with SSL_connect */
  char psk_identity[MAX_PSK_IDENTITY + 1];
  unsigned char psk_key[MAX_PSK_KEY];
  size_t psk_key_len;
} Context;

typedef struct {
  SSL *ssl;
  BIO *rbio;
  BIO *wbio;
  Context *context;
  napi_ref context_ref; /* keeps the context alive while a session uses it */
  int cookie_verified;  /* DTLSv1_listen accepted this peer's cookie */
} Session;

/* The callbacks below run synchronously inside a call from JavaScript on the
 * main thread; these hold what that call provided. */
static napi_env g_env = NULL;
static unsigned char g_cookie[MAX_COOKIE];
static size_t g_cookie_len = 0;
static unsigned char g_prev_cookie[MAX_COOKIE];
static size_t g_prev_cookie_len = 0;
static int g_ctx_index = -1;
static int g_ssl_index = -1;

static napi_value throw_openssl(napi_env env, const char *what) {
  char buf[256];
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char detail[200];
    ERR_error_string_n(code, detail, sizeof detail);
    snprintf(buf, sizeof buf, "%s: %s", what, detail);
  } else {
    snprintf(buf, sizeof buf, "%s", what);
  }
  ERR_clear_error();
  napi_throw_error(env, "ERR_DTLS_CONFIG", buf);
  return NULL;
}

static int cookie_generate(SSL *ssl, unsigned char *cookie, unsigned int *len) {
  (void)ssl;
  if (g_cookie_len == 0) return 0;
  memcpy(cookie, g_cookie, g_cookie_len);
  *len = (unsigned int)g_cookie_len;
  return 1;
}

static int cookie_verify(SSL *ssl, const unsigned char *cookie, unsigned int len) {
  /* The handshake re-checks the ClientHello that DTLSv1_listen already verified. */
  Session *session = SSL_get_ex_data(ssl, g_ssl_index);
  if (session != NULL && session->cookie_verified) return 1;
  if (g_cookie_len != 0 && len == g_cookie_len && CRYPTO_memcmp(cookie, g_cookie, len) == 0) return 1;
  if (g_prev_cookie_len != 0 && len == g_prev_cookie_len && CRYPTO_memcmp(cookie, g_prev_cookie, len) == 0) return 1;
  return 0;
}

/* RFC 4279 §2: the server looks the key up by the identity the client sent. */
static unsigned int psk_server(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max_len) {
  napi_env env = g_env;
  Context *context = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), g_ctx_index);
  if (env == NULL || context == NULL || context->psk_lookup == NULL || identity == NULL) return 0;
  napi_value fn, global, arg, result;
  if (napi_get_reference_value(env, context->psk_lookup, &fn) != napi_ok || fn == NULL) return 0;
  if (napi_get_global(env, &global) != napi_ok) return 0;
  if (napi_create_string_utf8(env, identity, NAPI_AUTO_LENGTH, &arg) != napi_ok) return 0;
  if (napi_call_function(env, global, fn, 1, &arg, &result) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return 0;
  }
  bool is_buffer = false;
  if (napi_is_buffer(env, result, &is_buffer) != napi_ok || !is_buffer) return 0;
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, result, &data, &len) != napi_ok) return 0;
  if (len == 0 || len > max_len) return 0;
  memcpy(psk, data, len);
  return (unsigned int)len;
}

/* RFC 4279 §2: the client sends its identity and uses the key that goes with it. */
static unsigned int psk_client(SSL *ssl, const char *hint, char *identity, unsigned int max_identity_len,
                               unsigned char *psk, unsigned int max_psk_len) {
  (void)hint;
  Context *context = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), g_ctx_index);
  if (context == NULL || context->psk_key_len == 0) return 0;
  size_t id_len = strlen(context->psk_identity);
  if (id_len + 1 > max_identity_len || context->psk_key_len > max_psk_len) return 0;
  memcpy(identity, context->psk_identity, id_len + 1);
  memcpy(psk, context->psk_key, context->psk_key_len);
  return (unsigned int)context->psk_key_len;
}

static void context_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Context *context = data;
  OPENSSL_cleanse(context->psk_key, sizeof context->psk_key);
  if (context->psk_lookup != NULL) napi_delete_reference(env, context->psk_lookup);
  SSL_CTX_free(context->ctx);
  free(context);
}

/* 1: a non-empty string was copied; 0: absent or empty; -1: too long for `cap` (an error, never ignored). */
static int get_string_prop(napi_env env, napi_value obj, const char *name, char *out, size_t cap) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return 0;
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return 0;
  if (len >= cap) return -1;
  if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok) return 0;
  return len > 0;
}

static napi_value throw_too_long(napi_env env, const char *name) {
  char buf[128];
  snprintf(buf, sizeof buf, "dtls_options.%s: value too long", name);
  napi_throw_error(env, "ERR_DTLS_CONFIG", buf);
  return NULL;
}

static int get_bool_prop(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  bool b = false;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return 0;
  return b;
}

/*
 * createContext({ ciphers, certfile?, keyfile?, cacertfile?, verifyPeer, failIfNoPeerCert, pskLookup? })
 * createContext({ client: true, ciphers, pskIdentity, pskKey }): a PSK client (the gateway's own tools).
 */
static napi_value create_context(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, 1, argv, "options expected")) return NULL;
  napi_value opts = argv[0];
  static char ciphers[4096], certfile[4096], keyfile[4096], cafile[4096];
  int has_ciphers = get_string_prop(env, opts, "ciphers", ciphers, sizeof ciphers);
  int has_cert = get_string_prop(env, opts, "certfile", certfile, sizeof certfile);
  int has_key = get_string_prop(env, opts, "keyfile", keyfile, sizeof keyfile);
  int has_ca = get_string_prop(env, opts, "cacertfile", cafile, sizeof cafile);
  if (has_ciphers < 0) return throw_too_long(env, "ciphers");
  if (has_cert < 0) return throw_too_long(env, "certfile");
  if (has_key < 0) return throw_too_long(env, "keyfile");
  if (has_ca < 0) return throw_too_long(env, "cacertfile");
  if (!has_ciphers) {
    napi_throw_type_error(env, NULL, "ciphers expected");
    return NULL;
  }
  int client = get_bool_prop(env, opts, "client");
  static char psk_identity[MAX_PSK_IDENTITY + 1];
  unsigned char psk_key[MAX_PSK_KEY];
  size_t psk_key_len = 0;
  if (client) {
    int has_identity = get_string_prop(env, opts, "pskIdentity", psk_identity, sizeof psk_identity);
    if (has_identity < 0) return throw_too_long(env, "pskIdentity");
    if (!has_identity) {
      napi_throw_type_error(env, NULL, "pskIdentity expected");
      return NULL;
    }
    napi_value key;
    bool is_buffer = false;
    void *key_data;
    CHECK(napi_get_named_property(env, opts, "pskKey", &key));
    if (napi_is_buffer(env, key, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, key, &key_data, &psk_key_len) != napi_ok || psk_key_len == 0) {
      napi_throw_type_error(env, NULL, "pskKey expected (a non-empty Buffer)");
      return NULL;
    }
    if (psk_key_len > MAX_PSK_KEY) return throw_too_long(env, "pskKey");
    memcpy(psk_key, key_data, psk_key_len);
  }
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(client ? DTLS_client_method() : DTLS_server_method());
  if (ctx == NULL) {
    OPENSSL_cleanse(psk_key, sizeof psk_key);
    return throw_openssl(env, "SSL_CTX_new");
  }
  Context *context = calloc(1, sizeof *context);
  context->ctx = ctx;
  context->client = client;
  if (client) {
    memcpy(context->psk_identity, psk_identity, sizeof psk_identity);
    memcpy(context->psk_key, psk_key, psk_key_len);
    context->psk_key_len = psk_key_len;
    OPENSSL_cleanse(psk_key, sizeof psk_key);
    SSL_CTX_set_psk_client_callback(ctx, psk_client);
  }
  SSL_CTX_set_ex_data(ctx, g_ctx_index, context);
  napi_value result;
  if (napi_create_external(env, context, context_finalize, NULL, &result) != napi_ok) {
    SSL_CTX_free(ctx);
    free(context);
    napi_throw_error(env, NULL, "napi_create_external");
    return NULL;
  }
  /* DTLS 1.2 only (DTLS 1.0 is deprecated, RFC 8996). */
  SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cookie_generate_cb(ctx, cookie_generate);
  SSL_CTX_set_cookie_verify_cb(ctx, cookie_verify);
  static const unsigned char sid_ctx[] = "snlw-gateway";
  SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
  SSL_CTX_set_read_ahead(ctx, 1);
  if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) return throw_openssl(env, "dtls_options.ciphers: no usable cipher");
  if (has_cert) {
    if (SSL_CTX_use_certificate_chain_file(ctx, certfile) != 1) return throw_openssl(env, "dtls_options.certfile");
    if (!has_key) {
      napi_throw_error(env, "ERR_DTLS_CONFIG", "dtls_options.keyfile: required with certfile");
      return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) != 1) return throw_openssl(env, "dtls_options.keyfile");
    if (SSL_CTX_check_private_key(ctx) != 1) return throw_openssl(env, "dtls_options.keyfile: does not match certfile");
  }
  if (has_key && !has_cert) {
    napi_throw_error(env, "ERR_DTLS_CONFIG", "dtls_options.certfile: required with keyfile");
    return NULL;
  }
  if (has_ca) {
    if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) return throw_openssl(env, "dtls_options.cacertfile");
  }
  if (get_bool_prop(env, opts, "verifyPeer")) {
    int mode = SSL_VERIFY_PEER;
    if (get_bool_prop(env, opts, "failIfNoPeerCert")) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, NULL);
  }
  napi_value lookup;
  napi_valuetype t;
  CHECK(napi_get_named_property(env, opts, "pskLookup", &lookup));
  CHECK(napi_typeof(env, lookup, &t));
  if (t == napi_function) {
    CHECK(napi_create_reference(env, lookup, 1, &context->psk_lookup));
    SSL_CTX_set_psk_server_callback(ctx, psk_server);
  }
  return result;
}

static void session_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Session *session = data;
  if (session->ssl != NULL) SSL_free(session->ssl); /* frees both BIOs */
  if (session->context_ref != NULL) napi_delete_reference(env, session->context_ref);
  free(session);
}

static Session *unwrap_session(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "session expected");
    return NULL;
  }
  Session *session = data;
  if (session->ssl == NULL) {
    napi_throw_error(env, "ERR_DTLS_CLOSED", "session closed");
    return NULL;
  }
  return session;
}

/* The first of up to `count` arguments as an open session (see get_args). */
static Session *session_argument(napi_env env, napi_callback_info info, size_t count, size_t required, napi_value *argv, const char *usage) {
  return get_args(env, info, count, required, argv, usage) ? unwrap_session(env, argv[0]) : NULL;
}

/* newSession(context, mtu) */
static napi_value new_session(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, 2, argv, "newSession(context, mtu)")) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "context expected");
    return NULL;
  }
  uint32_t mtu = 1400;
  napi_get_value_uint32(env, argv[1], &mtu);
  Context *context = data;
  Session *session = calloc(1, sizeof *session);
  session->context = context;
  session->ssl = SSL_new(context->ctx);
  session->rbio = BIO_new(BIO_s_mem());
  session->wbio = BIO_new(BIO_s_mem());
  if (session->ssl == NULL || session->rbio == NULL || session->wbio == NULL) {
    if (session->ssl) SSL_free(session->ssl);
    if (session->rbio) BIO_free(session->rbio);
    if (session->wbio) BIO_free(session->wbio);
    free(session);
    return throw_openssl(env, "SSL_new");
  }
  /* An empty memory BIO reports "retry", as a non-blocking socket would. */
  BIO_set_mem_eof_return(session->rbio, -1);
  BIO_set_mem_eof_return(session->wbio, -1);
  SSL_set_bio(session->ssl, session->rbio, session->wbio);
  if (context->client) SSL_set_connect_state(session->ssl);
  else SSL_set_accept_state(session->ssl);
  SSL_set_ex_data(session->ssl, g_ssl_index, session);
  SSL_set_mtu(session->ssl, mtu);
  DTLS_set_link_mtu(session->ssl, mtu);
  napi_value result;
  CHECK(napi_create_reference(env, argv[0], 1, &session->context_ref));
  CHECK(napi_create_external(env, session, session_finalize, NULL, &result));
  return result;
}

/* Everything OpenSSL wrote, as one Buffer of whole records (or undefined). */
static napi_value drain(napi_env env, Session *session) {
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  size_t pending = BIO_ctrl_pending(session->wbio);
  if (pending == 0) return undefined;
  void *data;
  napi_value buffer;
  if (napi_create_buffer(env, pending, &data, &buffer) != napi_ok) return undefined;
  int n = BIO_read(session->wbio, data, (int)pending);
  if (n != (int)pending) return undefined;
  return buffer;
}

static int feed_input(napi_env env, Session *session, napi_value input) {
  napi_valuetype t;
  if (napi_typeof(env, input, &t) != napi_ok || t == napi_undefined || t == napi_null) return 1;
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, input, &data, &len) != napi_ok) return 0;
  if (len == 0) return 1;
  return BIO_write(session->rbio, data, (int)len) == (int)len;
}

static void copy_cookie(napi_env env, napi_value v, unsigned char *out, size_t *out_len) {
  *out_len = 0;
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return;
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, v, &data, &len) != napi_ok || len == 0 || len > MAX_COOKIE) return;
  memcpy(out, data, len);
  *out_len = len;
}

/*
 * listen(session, datagram, cookie, previousCookie) -> [accepted, out]
 * accepted: 1 = ClientHello with a valid cookie (the session now belongs to
 * that peer: call handshake next), 0 = nothing to keep (HelloVerifyRequest in
 * out, or the datagram was dropped).
 */
static napi_value listen_hello(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Session *session = session_argument(env, info, 4, 4, argv, "listen(session, datagram, cookie, previousCookie)");
  if (session == NULL) return NULL;
  copy_cookie(env, argv[2], g_cookie, &g_cookie_len);
  copy_cookie(env, argv[3], g_prev_cookie, &g_prev_cookie_len);
  g_env = env;
  ERR_clear_error();
  int accepted = 0;
  if (feed_input(env, session, argv[1])) {
    BIO_ADDR *addr = BIO_ADDR_new();
    int rc = DTLSv1_listen(session->ssl, addr);
    BIO_ADDR_free(addr);
    accepted = rc > 0;
    session->cookie_verified = accepted;
    /* Anything not consumed (a malformed or non-ClientHello record) is dropped. */
    if (!accepted) (void)BIO_reset(session->rbio);
  }
  ERR_clear_error();
  g_cookie_len = 0;
  g_prev_cookie_len = 0;
  napi_value result, flag;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_get_boolean(env, accepted, &flag));
  CHECK(napi_set_element(env, result, 0, flag));
  CHECK(napi_set_element(env, result, 1, drain(env, session)));
  return result;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  if (s == NULL) {
    napi_get_undefined(env, &v);
    return v;
  }
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

/*
 * handshake(session, datagram | undefined) -> [state, out, records, error]
 * state: 0 handshaking, 1 established, -1 failed (fatal alert in out).
 * records: application data records decrypted from this datagram (Array of Buffer).
 */
static napi_value handshake(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Session *session = session_argument(env, info, 2, 1, argv, "handshake(session, datagram)");
  if (session == NULL) return NULL;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  g_env = env;
  ERR_clear_error();
  int state = 0;
  const char *error = NULL;
  char errbuf[200];
  napi_value records;
  CHECK(napi_create_array(env, &records));
  uint32_t count = 0;
  /* Buffers are given back between datagrams (below); every operation first makes sure they exist. */
  if (SSL_alloc_buffers(session->ssl) != 1) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (!feed_input(env, session, argv[1])) { /* undefined when not given */
    state = -1;
    error = "input rejected";
  } else {
    if (!SSL_is_init_finished(session->ssl)) {
      int rc = SSL_do_handshake(session->ssl);
      if (rc <= 0) {
        int err = SSL_get_error(session->ssl, rc);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          state = -1;
          unsigned long code = ERR_peek_error();
          if (code != 0) {
            ERR_error_string_n(code, errbuf, sizeof errbuf);
            error = errbuf;
          } else {
            error = "handshake failed";
          }
        }
      }
    }
    if (state == 0 && SSL_is_init_finished(session->ssl)) {
      state = 1;
      unsigned char buf[16384 + 64];
      for (;;) {
        int n = SSL_read(session->ssl, buf, sizeof buf);
        if (n > 0) {
          napi_value chunk;
          void *copy;
          CHECK(napi_create_buffer_copy(env, (size_t)n, buf, &copy, &chunk));
          CHECK(napi_set_element(env, records, count++, chunk));
          continue;
        }
        int err = SSL_get_error(session->ssl, n);
        if (err == SSL_ERROR_ZERO_RETURN) {
          state = -1;
          error = "close_notify";
        } else if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          state = -1;
          unsigned long code = ERR_peek_error();
          if (code != 0) {
            ERR_error_string_n(code, errbuf, sizeof errbuf);
            error = errbuf;
          } else {
            error = "read failed";
          }
        }
        break;
      }
    }
  }
  /* An established session holds nothing in its record buffers between datagrams: give them back
   * (about 34 KiB per session; allocated again by the next operation). */
  if (state == 1) (void)SSL_free_buffers(session->ssl);
  ERR_clear_error();
  napi_value result, state_value;
  CHECK(napi_create_array_with_length(env, 4, &result));
  CHECK(napi_create_int32(env, state, &state_value));
  CHECK(napi_set_element(env, result, 0, state_value));
  CHECK(napi_set_element(env, result, 1, drain(env, session)));
  CHECK(napi_set_element(env, result, 2, records));
  CHECK(napi_set_element(env, result, 3, make_string(env, error)));
  return result;
}

/* write(session, plaintext) -> Buffer of records (one record per call) | undefined */
static napi_value write_data(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Session *session = session_argument(env, info, 2, 2, argv, "write(session, data)");
  if (session == NULL) return NULL;
  void *data;
  size_t len;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  ERR_clear_error();
  if (SSL_alloc_buffers(session->ssl) != 1) return drain(env, session);
  if (len > 0 && SSL_is_init_finished(session->ssl)) (void)SSL_write(session->ssl, data, (int)len);
  ERR_clear_error();
  napi_value out = drain(env, session);
  if (SSL_is_init_finished(session->ssl)) (void)SSL_free_buffers(session->ssl);
  return out;
}

/* timeout(session) -> ms until the handshake retransmission timer fires, or -1 */
static napi_value get_timeout(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Session *session = session_argument(env, info, 1, 1, argv, "timeout(session)");
  if (session == NULL) return NULL;
  struct timeval tv;
  double ms = -1;
  if (DTLSv1_get_timeout(session->ssl, &tv) > 0) ms = (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
  napi_value result;
  CHECK(napi_create_double(env, ms, &result));
  return result;
}

/* handleTimeout(session) -> [ok, out]: RFC 6347 §4.2.4 retransmission of the last flight. */
static napi_value handle_timeout(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Session *session = session_argument(env, info, 1, 1, argv, "handleTimeout(session)");
  if (session == NULL) return NULL;
  g_env = env;
  ERR_clear_error();
  if (SSL_alloc_buffers(session->ssl) != 1) return NULL;
  int rc = DTLSv1_handle_timeout(session->ssl);
  ERR_clear_error();
  napi_value result, ok;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_get_boolean(env, rc >= 0, &ok));
  CHECK(napi_set_element(env, result, 0, ok));
  CHECK(napi_set_element(env, result, 1, drain(env, session)));
  return result;
}

/* peerInfo(session) -> { pskIdentity?, subjectCN?, cipher, verified } */
static napi_value peer_info(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Session *session = session_argument(env, info, 1, 1, argv, "peerInfo(session)");
  if (session == NULL) return NULL;
  napi_value result;
  CHECK(napi_create_object(env, &result));
  const char *identity = SSL_get_psk_identity(session->ssl);
  if (identity != NULL) CHECK(napi_set_named_property(env, result, "pskIdentity", make_string(env, identity)));
  const SSL_CIPHER *cipher = SSL_get_current_cipher(session->ssl);
  if (cipher != NULL) CHECK(napi_set_named_property(env, result, "cipher", make_string(env, SSL_CIPHER_get_name(cipher))));
  X509 *cert = SSL_get0_peer_certificate(session->ssl);
  if (cert != NULL) {
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    if (n > 0) CHECK(napi_set_named_property(env, result, "subjectCN", make_string(env, cn)));
    napi_value verified;
    CHECK(napi_get_boolean(env, SSL_get_verify_result(session->ssl) == X509_V_OK, &verified));
    CHECK(napi_set_named_property(env, result, "certificateVerified", verified));
  }
  return result;
}

/* close(session) -> close_notify records | undefined; frees the OpenSSL state at once. */
static napi_value close_session(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, 1, argv, "close(session, notify)")) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "session expected");
    return NULL;
  }
  Session *session = data;
  napi_value undefined, out;
  napi_get_undefined(env, &undefined);
  if (session->ssl == NULL) return undefined;
  bool notify = false;
  napi_get_value_bool(env, argv[1], &notify); /* not a boolean (or not given): no close_notify */
  ERR_clear_error();
  if (notify && SSL_is_init_finished(session->ssl) && SSL_alloc_buffers(session->ssl) == 1) (void)SSL_shutdown(session->ssl);
  out = drain(env, session);
  ERR_clear_error();
  SSL_free(session->ssl);
  session->ssl = NULL;
  if (session->context_ref != NULL) {
    napi_delete_reference(env, session->context_ref);
    session->context_ref = NULL;
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  if (g_ctx_index < 0) g_ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  if (g_ssl_index < 0) g_ssl_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  napi_property_descriptor props[] = {
      {"createContext", NULL, create_context, NULL, NULL, NULL, napi_default, NULL},
      {"newSession", NULL, new_session, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, listen_hello, NULL, NULL, NULL, napi_default, NULL},
      {"handshake", NULL, handshake, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, write_data, NULL, NULL, NULL, napi_default, NULL},
      {"timeout", NULL, get_timeout, NULL, NULL, NULL, napi_default, NULL},
      {"handleTimeout", NULL, handle_timeout, NULL, NULL, NULL, napi_default, NULL},
      {"peerInfo", NULL, peer_info, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_session, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value version;
  napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "openssl", version);
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
