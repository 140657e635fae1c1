/*
 * Batched UDP socket I/O for the gateway's listeners (Linux: recvmmsg / sendmmsg).
 *
 * node:dgram costs one system call and one JavaScript callback per datagram in each
 * direction. A gateway answers most datagrams with one datagram (CONNACK, PUBACK, ACK...),
 * so that per-datagram cost is most of its CPU under load. Here one readable event reads up
 * to BATCH datagrams with one recvmmsg into a buffer JavaScript owns, and hands them over one
 * by one without another system call; sends are queued and written with one sendmmsg when JavaScript flushes (at the
 * end of the tick, see src/transport/batched-udp.ts) or when the queue is full.
 *
 * The socket is polled with libuv (the loop Node.js runs on), so it behaves like any other
 * handle: nothing here blocks, and nothing runs outside the main thread.
 *
 * API (all synchronous):
 *   open(host, port, ipv6, recvBufferSize, sendBufferSize, recvArea, recvMeta, recvAddresses, onDatagram) -> handle
 *       recvArea: Buffer of BATCH * SLOT bytes; recvMeta: Int32Array of BATCH * 3 (length, port,
 *       address length); recvAddresses: Buffer of BATCH * ADDRESS_SLOT bytes (address text).
 *       onDatagram(index) is called for each datagram now in those areas, one callback each.
 *   address(handle) -> [host, port]     bufferSizes(handle) -> [receive, send] as the kernel reports them
 *   send(handle, data, port, host) -> 0 queued, or -errno (bad address, queue full while the socket is blocked)
 *   flush(handle) -> how many datagrams the kernel refused (dropped) since the last flush, also those
 *       written later when the socket became writable
 *   setBroadcast(handle, flag)          close(handle)
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include "napi_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SLOT 65536        /* the largest UDP payload fits: nothing is truncated */
#define ADDRESS_SLOT 64   /* INET6_ADDRSTRLEN (46) and room to spare */
#define MAX_READS_PER_EVENT 8
#define SEND_QUEUE 256
#define SEND_ARENA (1024 * 1024)

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "udp addon: N-API call failed: " #call); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

typedef struct {
  size_t offset;
  size_t length;
  struct sockaddr_storage to;
  socklen_t to_length;
} Outgoing;

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int ipv6;
  int closed;         /* close() was called */
  int handle_closed;  /* libuv has finished closing the poll handle */
  int finalized;      /* JavaScript dropped the handle */
  int writable_wait;  /* the poll also watches for writability (sends are blocked) */
  int refused;        /* datagrams the kernel refused since JavaScript last asked (flush) */
  napi_ref on_batch;
  napi_ref recv_area_ref;
  napi_ref recv_meta_ref;
  napi_ref recv_addresses_ref;
  napi_async_context async_context;
  unsigned char *recv_area;
  int32_t *recv_meta;
  char *recv_addresses;
  struct mmsghdr recv_messages[BATCH];
  struct iovec recv_iov[BATCH];
  struct sockaddr_storage recv_from[BATCH];
  Outgoing queue[SEND_QUEUE];
  size_t queued;
  size_t arena_used;
  unsigned char *arena;
} Socket;

static napi_value throw_errno(napi_env env, const char *what, int error) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  napi_value code, msg, err;
  napi_create_string_utf8(env, error == EADDRINUSE ? "EADDRINUSE" : error == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : error == EACCES ? "EACCES" : "EUDP",
                          NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &err);
  napi_set_named_property(env, err, "code", code);
  napi_throw(env, err);
  return NULL;
}

/* Text form of an address as node:dgram reports it in rinfo.address. */
static size_t format_address(const struct sockaddr_storage *from, char *out, int *port) {
  if (from->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
    *port = ntohs(a->sin6_port);
    if (inet_ntop(AF_INET6, &a->sin6_addr, out, ADDRESS_SLOT) == NULL) return 0;
    if (a->sin6_scope_id != 0) {
      /* A link-local peer (6LoWPAN border routers, BLE bridges) is only reachable through its
       * interface: "fe80::1%eth0", as node:dgram writes it, so that the answer can go back. */
      size_t length = strlen(out);
      char name[IF_NAMESIZE];
      if (if_indextoname(a->sin6_scope_id, name) != NULL) snprintf(out + length, ADDRESS_SLOT - length, "%%%s", name);
      else snprintf(out + length, ADDRESS_SLOT - length, "%%%u", (unsigned)a->sin6_scope_id);
    }
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)from;
    *port = ntohs(a->sin_port);
    if (inet_ntop(AF_INET, &a->sin_addr, out, ADDRESS_SLOT) == NULL) return 0;
  }
  return strlen(out);
}

/* Parses `host` for a socket of this family; IPv4 text on an IPv6 socket becomes ::ffff:a.b.c.d. */
static int parse_address(const Socket *s, const char *host, int port, struct sockaddr_storage *to, socklen_t *to_length) {
  memset(to, 0, sizeof *to);
  if (s->ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)to;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    /* "fe80::1%eth0" or "fe80::1%2": the zone names the interface (RFC 4007 §11). */
    char address[ADDRESS_SLOT];
    const char *zone = strchr(host, '%');
    if (zone != NULL) {
      size_t length = (size_t)(zone - host);
      if (length >= sizeof address) return 0;
      memcpy(address, host, length);
      address[length] = 0;
      unsigned index = if_nametoindex(zone + 1);
      if (index == 0) {
        char *end = NULL;
        unsigned long number = strtoul(zone + 1, &end, 10);
        if (end == zone + 1 || *end != 0 || number == 0) return 0;
        index = (unsigned)number;
      }
      a->sin6_scope_id = index;
      host = address;
    }
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
      struct in_addr v4;
      if (inet_pton(AF_INET, host, &v4) != 1) return 0;
      a->sin6_addr.s6_addr[10] = 0xff;
      a->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    }
    *to_length = sizeof *a;
    return 1;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)to;
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return 0;
  *to_length = sizeof *a;
  return 1;
}

static void update_poll(Socket *s);

/* Writes queued datagrams until the queue is empty or the socket would block (the rest then
 * waits for writability). A datagram the kernel refuses (no route, a bad address) is dropped,
 * like a failed node:dgram send, and counted in s->refused; the ones after it still go out. */
static void flush_queue(Socket *s) {
  while (s->queued > 0) {
    struct mmsghdr messages[SEND_QUEUE];
    struct iovec iov[SEND_QUEUE];
    size_t n = s->queued;
    for (size_t i = 0; i < n; i++) {
      Outgoing *o = &s->queue[i];
      iov[i].iov_base = s->arena + o->offset;
      iov[i].iov_len = o->length;
      memset(&messages[i], 0, sizeof messages[i]);
      messages[i].msg_hdr.msg_name = &o->to;
      messages[i].msg_hdr.msg_namelen = o->to_length;
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(s->fd, messages, (unsigned int)n, MSG_DONTWAIT);
    int error = sent < 0 ? errno : 0;
    if (sent < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
      if (!s->writable_wait) {
        s->writable_wait = 1;
        update_poll(s);
      }
      return;
    }
    if (sent < 0 && error == EINTR) continue;
    /* sendmmsg fails only on its first datagram (later failures end the batch early). */
    size_t done = sent < 0 ? 1 : (size_t)sent;
    if (sent < 0) s->refused += 1;
    if (done >= s->queued) {
      s->queued = 0;
      s->arena_used = 0;
    } else {
      size_t keep_from = s->queue[done].offset;
      memmove(s->arena, s->arena + keep_from, s->arena_used - keep_from);
      s->arena_used -= keep_from;
      memmove(s->queue, s->queue + done, (s->queued - done) * sizeof(Outgoing));
      s->queued -= done;
      for (size_t i = 0; i < s->queued; i++) s->queue[i].offset -= keep_from;
    }
  }
  if (s->writable_wait) {
    s->writable_wait = 0;
    update_poll(s);
  }
}

/* Reads up to BATCH datagrams into the areas; returns the count (0: none waiting). */
static int read_batch(Socket *s) {
  for (int i = 0; i < BATCH; i++) {
    memset(&s->recv_messages[i].msg_hdr, 0, sizeof(struct msghdr));
    s->recv_iov[i].iov_base = s->recv_area + (size_t)i * SLOT;
    s->recv_iov[i].iov_len = SLOT;
    s->recv_messages[i].msg_hdr.msg_iov = &s->recv_iov[i];
    s->recv_messages[i].msg_hdr.msg_iovlen = 1;
    s->recv_messages[i].msg_hdr.msg_name = &s->recv_from[i];
    s->recv_messages[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
  }
  int n;
  do {
    n = recvmmsg(s->fd, s->recv_messages, BATCH, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    int port = 0;
    size_t address_length = format_address(&s->recv_from[i], s->recv_addresses + (size_t)i * ADDRESS_SLOT, &port);
    s->recv_meta[i * 3] = (int32_t)s->recv_messages[i].msg_len;
    s->recv_meta[i * 3 + 1] = port;
    s->recv_meta[i * 3 + 2] = (int32_t)address_length;
  }
  return n;
}

/* Calls onDatagram(index) for each datagram of the batch, each as its own callback: the
 * microtasks and process.nextTick callbacks one datagram's handling queued run before the next
 * datagram is handed over, exactly as with node:dgram. Stops when JavaScript threw (reported as
 * an uncaught exception) or closed the socket. */
static void deliver(Socket *s, int count) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv;
  if (napi_get_reference_value(env, s->on_batch, &fn) == napi_ok && fn != NULL && napi_get_global(env, &recv) == napi_ok) {
    for (int i = 0; i < count && !s->closed; i++) {
      napi_value argv[1], result;
      if (napi_create_int32(env, i, &argv[0]) != napi_ok) break;
      if (napi_make_callback(env, s->async_context, recv, fn, 1, argv, &result) != napi_ok) {
        napi_value exception;
        if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
        break;
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  Socket *s = (Socket *)handle->data;
  if (s->closed || status < 0) return;
  if (events & UV_WRITABLE) flush_queue(s);
  if (!(events & UV_READABLE)) return;
  for (int round = 0; round < MAX_READS_PER_EVENT && !s->closed; round++) {
    int n = read_batch(s);
    if (n == 0) break;
    deliver(s, n);
    if (n < BATCH) break;
  }
}

static void update_poll(Socket *s) {
  if (s->closed) return;
  uv_poll_start(&s->poll, UV_READABLE | (s->writable_wait ? UV_WRITABLE : 0), on_poll);
}

/* Drops the strong references to JavaScript objects; the async context goes with the handle. */
static void release_references(Socket *s, int with_async_context) {
  napi_env env = s->env;
  if (s->on_batch) napi_delete_reference(env, s->on_batch);
  if (s->recv_area_ref) napi_delete_reference(env, s->recv_area_ref);
  if (s->recv_meta_ref) napi_delete_reference(env, s->recv_meta_ref);
  if (s->recv_addresses_ref) napi_delete_reference(env, s->recv_addresses_ref);
  s->on_batch = s->recv_area_ref = s->recv_meta_ref = s->recv_addresses_ref = NULL;
  if (with_async_context && s->async_context) {
    napi_async_destroy(env, s->async_context);
    s->async_context = NULL;
  }
}

static void on_handle_closed(uv_handle_t *handle) {
  Socket *s = (Socket *)handle->data;
  close(s->fd);
  s->handle_closed = 1;
  if (s->finalized) {
    free(s->arena);
    free(s);
  }
}

static void close_socket(Socket *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_handle_closed);
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  Socket *s = (Socket *)data;
  release_references(s, 1);
  close_socket(s);
  s->finalized = 1;
  if (s->handle_closed) {
    free(s->arena);
    free(s);
  }
}

/* Frees a socket whose poll handle was never initialised (fd may be -1). */
static void discard_unopened(Socket *s) {
  if (s->fd >= 0) close(s->fd);
  free(s->arena);
  free(s);
}

/* Frees a socket whose poll handle is initialised but no handle was returned to JavaScript. */
static void discard_polled(Socket *s) {
  release_references(s, 1);
  s->finalized = 1;
  close_socket(s);
}

static Socket *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "udp addon: socket handle expected");
    return NULL;
  }
  return (Socket *)data;
}

static int buffer_at_least(napi_env env, napi_value value, size_t size, void **data) {
  size_t length = 0;
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  if (napi_get_buffer_info(env, value, data, &length) != napi_ok) return 0;
  return length >= size;
}

/* Reads up to `count` arguments into argv; the first must be a socket handle. NULL with an exception pending. */
static Socket *socket_argument(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  return get_args(env, info, count, count, argv, "udp addon: missing arguments") ? unwrap(env, argv[0]) : NULL;
}

/* [a, b] as a JavaScript array. */
static napi_value pair(napi_env env, napi_value a, napi_value b) {
  napi_value result;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_set_element(env, result, 0, a));
  CHECK(napi_set_element(env, result, 1, b));
  return result;
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, 9, argv, "udp addon: open needs 9 arguments")) return NULL;
  char host[ADDRESS_SLOT];
  size_t host_length = 0;
  int32_t port = 0, recv_buffer = 0, send_buffer = 0;
  bool ipv6 = false;
  if (napi_get_value_string_latin1(env, argv[0], host, sizeof host, &host_length) != napi_ok || napi_get_value_int32(env, argv[1], &port) != napi_ok ||
      napi_get_value_bool(env, argv[2], &ipv6) != napi_ok || napi_get_value_int32(env, argv[3], &recv_buffer) != napi_ok ||
      napi_get_value_int32(env, argv[4], &send_buffer) != napi_ok) {
    napi_throw_type_error(env, NULL, "udp addon: open(host, port, ipv6, recvBufferSize, sendBufferSize, ...)");
    return NULL;
  }
  void *recv_area = NULL, *recv_addresses = NULL, *recv_meta = NULL;
  napi_typedarray_type meta_type;
  size_t meta_length = 0;
  napi_value meta_buffer;
  size_t meta_offset = 0;
  napi_valuetype fn_type;
  if (!buffer_at_least(env, argv[5], (size_t)BATCH * SLOT, &recv_area) ||
      napi_get_typedarray_info(env, argv[6], &meta_type, &meta_length, &recv_meta, &meta_buffer, &meta_offset) != napi_ok ||
      meta_type != napi_int32_array || meta_length < (size_t)BATCH * 3 || !buffer_at_least(env, argv[7], (size_t)BATCH * ADDRESS_SLOT, &recv_addresses) ||
      napi_typeof(env, argv[8], &fn_type) != napi_ok || fn_type != napi_function) {
    napi_throw_type_error(env, NULL, "udp addon: open needs the receive areas and a callback");
    return NULL;
  }

  Socket *s = calloc(1, sizeof *s);
  if (s == NULL || (s->arena = malloc(SEND_ARENA)) == NULL) {
    free(s);
    napi_throw_error(env, NULL, "udp addon: out of memory");
    return NULL;
  }
  s->env = env;
  s->ipv6 = ipv6;
  s->fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    int error = errno;
    discard_unopened(s);
    return throw_errno(env, "socket", error);
  }
  struct sockaddr_storage local;
  socklen_t local_length;
  if (!parse_address(s, host, port, &local, &local_length)) {
    discard_unopened(s);
    napi_throw_error(env, "EINVAL", "udp addon: bind address is not an IP address");
    return NULL;
  }
  /* Buffer sizes before bind, so that no datagram arrives into the default-sized queue. */
  if (recv_buffer > 0) setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &recv_buffer, sizeof recv_buffer);
  if (send_buffer > 0) setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
  if (bind(s->fd, (struct sockaddr *)&local, local_length) != 0) {
    int error = errno;
    discard_unopened(s);
    return throw_errno(env, "bind", error);
  }
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init_socket(loop, &s->poll, s->fd) != 0) {
    discard_unopened(s);
    napi_throw_error(env, NULL, "udp addon: cannot poll the socket");
    return NULL;
  }
  s->poll.data = s;
  s->recv_area = recv_area;
  s->recv_meta = recv_meta;
  s->recv_addresses = recv_addresses;
  napi_value resource_name;
  napi_create_string_utf8(env, "SnlwUdpSocket", NAPI_AUTO_LENGTH, &resource_name);
  if (napi_create_reference(env, argv[8], 1, &s->on_batch) != napi_ok || napi_create_reference(env, argv[5], 1, &s->recv_area_ref) != napi_ok ||
      napi_create_reference(env, argv[6], 1, &s->recv_meta_ref) != napi_ok || napi_create_reference(env, argv[7], 1, &s->recv_addresses_ref) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &s->async_context) != napi_ok) {
    discard_polled(s);
    napi_throw_error(env, NULL, "udp addon: N-API references failed");
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, s, finalize_socket, NULL, &handle) != napi_ok) {
    discard_polled(s);
    napi_throw_error(env, NULL, "udp addon: N-API external failed");
    return NULL;
  }
  update_poll(s);
  return handle;
}

static napi_value socket_address(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Socket *s = socket_argument(env, info, 1, argv);
  if (s == NULL) return NULL;
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  if (s->closed || getsockname(s->fd, (struct sockaddr *)&local, &length) != 0) return throw_errno(env, "getsockname", s->closed ? EBADF : errno);
  char text[ADDRESS_SLOT];
  int port = 0;
  format_address(&local, text, &port);
  napi_value host, port_value;
  CHECK(napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &host));
  CHECK(napi_create_int32(env, port, &port_value));
  return pair(env, host, port_value);
}

static napi_value buffer_sizes(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Socket *s = socket_argument(env, info, 1, argv);
  if (s == NULL) return NULL;
  int receive = 0, send = 0;
  socklen_t length = sizeof receive;
  getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &receive, &length);
  length = sizeof send;
  getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &send, &length);
  napi_value a, b;
  CHECK(napi_create_int32(env, receive, &a));
  CHECK(napi_create_int32(env, send, &b));
  return pair(env, a, b);
}

static napi_value int_result(napi_env env, int value) {
  napi_value result;
  CHECK(napi_create_int32(env, value, &result));
  return result;
}

static napi_value send_datagram(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Socket *s = socket_argument(env, info, 4, argv);
  if (s == NULL) return NULL;
  void *data = NULL;
  size_t length = 0;
  int32_t port = 0;
  char host[ADDRESS_SLOT];
  size_t host_length = 0;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok || napi_get_value_int32(env, argv[2], &port) != napi_ok ||
      napi_get_value_string_latin1(env, argv[3], host, sizeof host, &host_length) != napi_ok) {
    napi_throw_type_error(env, NULL, "udp addon: send(handle, buffer, port, host)");
    return NULL;
  }
  if (s->closed) return int_result(env, -EBADF);
  if (length > SLOT || port <= 0 || port > 65535) return int_result(env, -EINVAL);
  Outgoing o;
  if (!parse_address(s, host, port, &o.to, &o.to_length)) return int_result(env, -EINVAL);
  if (s->queued == SEND_QUEUE || s->arena_used + length > SEND_ARENA) {
    flush_queue(s);
    /* Still full: the socket is blocked (its send buffer is full); this datagram is lost. */
    if (s->queued == SEND_QUEUE || s->arena_used + length > SEND_ARENA) return int_result(env, -EAGAIN);
  }
  o.offset = s->arena_used;
  o.length = length;
  memcpy(s->arena + s->arena_used, data, length);
  s->arena_used += length;
  s->queue[s->queued++] = o;
  return int_result(env, 0);
}

static napi_value flush_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Socket *s = socket_argument(env, info, 1, argv);
  if (s == NULL) return NULL;
  if (s->closed) return int_result(env, 0);
  flush_queue(s);
  int refused = s->refused;
  s->refused = 0;
  return int_result(env, refused);
}

static napi_value set_broadcast(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Socket *s = socket_argument(env, info, 2, argv);
  if (s == NULL) return NULL;
  bool flag = false;
  CHECK(napi_get_value_bool(env, argv[1], &flag));
  int value = flag ? 1 : 0;
  if (setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &value, sizeof value) != 0) return throw_errno(env, "setsockopt SO_BROADCAST", errno);
  return NULL;
}

static napi_value close_handle(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Socket *s = socket_argument(env, info, 1, argv);
  if (s == NULL) return NULL;
  if (!s->closed) {
    flush_queue(s);
    /* close() may run inside a datagram callback: the async context stays until the handle is finalized. */
    release_references(s, 0);
    close_socket(s);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, socket_address, NULL, NULL, NULL, napi_default, NULL},
      {"bufferSizes", NULL, buffer_sizes, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_datagram, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, flush_socket, NULL, NULL, NULL, napi_default, NULL},
      {"setBroadcast", NULL, set_broadcast, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_handle, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value batch, slot, address_slot, supported;
  napi_create_int32(env, BATCH, &batch);
  napi_create_int32(env, SLOT, &slot);
  napi_create_int32(env, ADDRESS_SLOT, &address_slot);
  napi_get_boolean(env, true, &supported);
  napi_set_named_property(env, exports, "batch", batch);
  napi_set_named_property(env, exports, "slot", slot);
  napi_set_named_property(env, exports, "addressSlot", address_slot);
  napi_set_named_property(env, exports, "supported", supported);
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}

#else /* not Linux: no recvmmsg / sendmmsg; the gateway uses node:dgram */

static napi_value init(napi_env env, napi_value exports) {
  napi_value supported;
  napi_get_boolean(env, false, &supported);
  napi_set_named_property(env, exports, "supported", supported);
  return exports;
}

#endif

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
