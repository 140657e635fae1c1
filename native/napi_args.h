/*
 * Argument reading shared by the addons (native/dtls.c, native/udp.c).
 */
#ifndef SNLW_NAPI_ARGS_H
#define SNLW_NAPI_ARGS_H

#include <node_api.h>

/* Reads up to `count` arguments into argv (missing ones are undefined); fewer than `required`
 * throws a TypeError with `usage`. 0 with an exception pending, else 1. */
static inline int get_args(napi_env env, napi_callback_info info, size_t count, size_t required, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "N-API call failed: napi_get_cb_info");
    return 0;
  }
  if (argc < required) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

#endif
