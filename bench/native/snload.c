/*
 * snload: an MQTT-SN v1.2 QoS 1/2 uplink load generator in C, so that the load side of a
 * benchmark costs a small fraction of what the gateway under test costs.
 *
 * Every simulated client owns one UDP socket (its own source port, which is how a gateway
 * tells devices apart), CONNECTs (§5.4.4, clean session), REGISTERs one topic (§5.4.10),
 * then keeps exactly one QoS 1 or 2 PUBLISH in flight (§6.7: the next one is sent when the
 * previous one is acknowledged by PUBACK, or PUBREC / PUBREL / PUBCOMP for QoS 2), for a
 * fixed duration. With --retry an unanswered message is sent again with DUP set (§6.13).
 *
 * One thread, one epoll set over all sockets. The result is one JSON object on stdout;
 * progress and errors go to stderr. Built and run by the bench harness
 * (bench/mqttsn/native-generator.ts); it only talks to the address given with --target.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* MQTT-SN v1.2 §5.2.2 message types. */
enum {
  CONNECT = 0x04,
  CONNACK = 0x05,
  REGISTER = 0x0a,
  REGACK = 0x0b,
  PUBLISH = 0x0c,
  PUBACK = 0x0d,
  PUBCOMP = 0x0e,
  PUBREC = 0x0f,
  PUBREL = 0x10,
  DISCONNECT = 0x18
};

/* §5.3.4 Flags. */
#define FLAG_DUP 0x80
#define FLAG_CLEAN_SESSION 0x04

enum phase { IDLE, WAIT_CONNACK, WAIT_REGACK, READY, WAIT_ACK, WAIT_COMP, DONE, FAILED };

struct client {
  int fd;
  enum phase phase;
  uint16_t topic_id;
  uint16_t msg_id;
  uint64_t sent_at;      /* ns: first send of the message in flight (latency start) */
  uint64_t last_send_at; /* ns: latest (re)send, for the retry and setup timeouts */
  uint64_t setup_started_at;
};

struct options {
  struct sockaddr_in target;
  int clients;
  int qos;
  double duration_s;
  int retry_ms;
  int payload_size;
  int keepalive_s;
  int request_timeout_ms;
  int setup_concurrency;
  int drain_ms;
  const char *id_prefix;
  const char *topic_prefix;
};

static struct options opt = {
    .clients = 200,
    .qos = 1,
    .duration_s = 10,
    .retry_ms = 0,
    .payload_size = 32,
    .keepalive_s = 300,
    .request_timeout_ms = 5000,
    .setup_concurrency = 500,
    .drain_ms = 2000,
    .id_prefix = "snload-",
    .topic_prefix = "bench/snload",
};

static struct client *clients;
static int epfd;

/* Counters of the timed phase. */
static uint64_t sent, acked, rejected, retransmitted;
/* Setup outcome. */
static int connected, registered, failed_connect, failed_register;
static char first_error[160];

/* Latency histogram: 1 µs buckets below 1 ms, then 64 buckets per power of two (< 1.6 % error). */
#define LINEAR_US 1000
#define SUB_BUCKETS 64
#define MAX_OCTAVES 40
static uint64_t hist_linear[LINEAR_US];
static uint64_t hist_log[MAX_OCTAVES][SUB_BUCKETS];
static uint64_t hist_count, hist_max_ns;
static double hist_sum_ms;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record_latency(uint64_t ns) {
  uint64_t us = ns / 1000;
  hist_count++;
  hist_sum_ms += (double)ns / 1e6;
  if (ns > hist_max_ns) hist_max_ns = ns;
  if (us < LINEAR_US) {
    hist_linear[us]++;
    return;
  }
  int octave = 63 - __builtin_clzll(us); /* us >= 1000, so octave >= 9 */
  int sub = (int)((us >> (octave > 6 ? octave - 6 : 0)) & (SUB_BUCKETS - 1));
  if (octave >= MAX_OCTAVES) octave = MAX_OCTAVES - 1;
  hist_log[octave][sub]++;
}

/* The value (ms) below which `fraction` of the recorded latencies lie. */
static double latency_quantile_ms(double fraction) {
  if (hist_count == 0) return 0;
  uint64_t rank = (uint64_t)(fraction * (double)hist_count);
  if (rank >= hist_count) rank = hist_count - 1;
  uint64_t seen = 0;
  for (int us = 0; us < LINEAR_US; us++) {
    seen += hist_linear[us];
    if (seen > rank) return (us + 0.5) / 1000.0;
  }
  for (int octave = 0; octave < MAX_OCTAVES; octave++) {
    for (int sub = 0; sub < SUB_BUCKETS; sub++) {
      seen += hist_log[octave][sub];
      if (seen > rank) {
        double low = (double)((1ull << octave) | ((uint64_t)sub << (octave - 6)));
        double width = (double)(1ull << (octave - 6));
        return (low + width / 2) / 1000.0;
      }
    }
  }
  return (double)hist_max_ns / 1e6;
}

/* §5.2.1: a one-octet Length when the message is at most 255 octets, else 0x01 + two octets. */
static size_t put_header(uint8_t *buf, size_t body_len, uint8_t type) {
  size_t total = body_len + 2;
  if (total <= 255) {
    buf[0] = (uint8_t)total;
    buf[1] = type;
    return 2;
  }
  total = body_len + 4;
  buf[0] = 0x01;
  buf[1] = (uint8_t)(total >> 8);
  buf[2] = (uint8_t)total;
  buf[3] = type;
  return 4;
}

static void send_datagram(struct client *c, const uint8_t *buf, size_t len) {
  /* A full send buffer is a lost datagram, as on a radio link; the retry covers it. */
  (void)send(c->fd, buf, len, MSG_DONTWAIT);
}

static void send_connect(int i) {
  uint8_t buf[300];
  char id[128];
  int id_len = snprintf(id, sizeof id, "%s%d", opt.id_prefix, i);
  if (id_len > 23) id_len = 23; /* §5.3.1: ClientId is 1-23 characters */
  size_t h = put_header(buf, 4 + (size_t)id_len, CONNECT);
  buf[h] = FLAG_CLEAN_SESSION;
  buf[h + 1] = 0x01; /* ProtocolId */
  buf[h + 2] = (uint8_t)(opt.keepalive_s >> 8);
  buf[h + 3] = (uint8_t)opt.keepalive_s;
  memcpy(buf + h + 4, id, (size_t)id_len);
  send_datagram(&clients[i], buf, h + 4 + (size_t)id_len);
}

static void send_register(int i) {
  uint8_t buf[300];
  char name[200];
  int name_len = snprintf(name, sizeof name, "%s/c%d", opt.topic_prefix, i);
  size_t h = put_header(buf, 4 + (size_t)name_len, REGISTER);
  buf[h] = 0;
  buf[h + 1] = 0; /* TopicId 0 from a client (§5.4.10) */
  buf[h + 2] = 0;
  buf[h + 3] = 1; /* MsgId */
  memcpy(buf + h + 4, name, (size_t)name_len);
  send_datagram(&clients[i], buf, h + 4 + (size_t)name_len);
}

static uint8_t *payload;

static void send_publish(struct client *c, int dup) {
  uint8_t buf[70000];
  size_t h = put_header(buf, 5 + (size_t)opt.payload_size, PUBLISH);
  buf[h] = (uint8_t)((dup ? FLAG_DUP : 0) | (opt.qos << 5)); /* TopicIdType 0: normal */
  buf[h + 1] = (uint8_t)(c->topic_id >> 8);
  buf[h + 2] = (uint8_t)c->topic_id;
  buf[h + 3] = (uint8_t)(c->msg_id >> 8);
  buf[h + 4] = (uint8_t)c->msg_id;
  memcpy(buf + h + 5, payload, (size_t)opt.payload_size);
  send_datagram(c, buf, h + 5 + (size_t)opt.payload_size);
}

static void send_msgid_only(struct client *c, uint8_t type) {
  uint8_t buf[4] = {4, type, (uint8_t)(c->msg_id >> 8), (uint8_t)c->msg_id};
  send_datagram(c, buf, sizeof buf);
}

static int stopping;
static int in_flight;

static void publish_next(struct client *c, uint64_t now) {
  if (stopping) {
    c->phase = DONE;
    in_flight--;
    return;
  }
  c->msg_id = c->msg_id == 0xffff ? 1 : (uint16_t)(c->msg_id + 1);
  c->phase = WAIT_ACK;
  c->sent_at = now;
  c->last_send_at = now;
  sent++;
  send_publish(c, 0);
}

static void note_error(const char *what, int i, int code) {
  if (first_error[0] == 0) snprintf(first_error, sizeof first_error, "%s refused for client %d (return code %d)", what, i, code);
}

/* One datagram from the gateway to client i. */
static void on_datagram(int i, const uint8_t *msg, ssize_t len, uint64_t now) {
  struct client *c = &clients[i];
  if (len < 2) return;
  int h = msg[0] == 0x01 ? 3 : 1;
  if (len < h + 1) return;
  uint8_t type = msg[h];
  const uint8_t *body = msg + h + 1;
  ssize_t body_len = len - h - 1;
  switch (type) {
    case CONNACK:
      if (c->phase != WAIT_CONNACK || body_len < 1) return;
      if (body[0] != 0) {
        c->phase = FAILED;
        failed_connect++;
        note_error("CONNECT", i, body[0]);
        return;
      }
      connected++;
      c->phase = WAIT_REGACK;
      c->last_send_at = now;
      send_register(i);
      return;
    case REGACK:
      if (c->phase != WAIT_REGACK || body_len < 5) return;
      if (body[4] != 0) {
        c->phase = FAILED;
        failed_register++;
        note_error("REGISTER", i, body[4]);
        return;
      }
      registered++;
      c->topic_id = (uint16_t)(body[0] << 8 | body[1]);
      c->phase = READY;
      return;
    case PUBACK: {
      if (c->phase != WAIT_ACK || body_len < 5) return;
      uint16_t id = (uint16_t)(body[2] << 8 | body[3]);
      if (id != c->msg_id) return;
      if (body[4] == 0) {
        acked++;
        record_latency(now - c->sent_at);
      } else {
        rejected++;
      }
      publish_next(c, now);
      return;
    }
    case PUBREC: {
      if (c->phase != WAIT_ACK || body_len < 2) return;
      if ((uint16_t)(body[0] << 8 | body[1]) != c->msg_id) return;
      c->phase = WAIT_COMP;
      c->last_send_at = now;
      send_msgid_only(c, PUBREL);
      return;
    }
    case PUBCOMP: {
      if (c->phase != WAIT_COMP || body_len < 2) return;
      if ((uint16_t)(body[0] << 8 | body[1]) != c->msg_id) return;
      acked++;
      record_latency(now - c->sent_at);
      publish_next(c, now);
      return;
    }
    default:
      return;
  }
}

/* Reads every datagram waiting on the sockets epoll reports, for up to `wait_ms`. */
static void poll_once(int wait_ms) {
  struct epoll_event events[512];
  uint8_t buf[2048];
  int n = epoll_wait(epfd, events, 512, wait_ms);
  if (n <= 0) return;
  uint64_t now = now_ns();
  for (int e = 0; e < n; e++) {
    int i = (int)events[e].data.u32;
    for (;;) {
      ssize_t len = recv(clients[i].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (len < 0) break; /* EAGAIN, or ECONNREFUSED from an ICMP: nothing more now */
      on_datagram(i, buf, len, now);
    }
  }
}

static int open_client_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = 0};
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0 ||
      connect(fd, (struct sockaddr *)&opt.target, sizeof opt.target) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* CONNECT and REGISTER every client, at most setup_concurrency at a time; a CONNECT or
 * REGISTER without an answer is sent again every second until request_timeout. */
static double run_setup(void) {
  uint64_t start = now_ns();
  uint64_t timeout_ns = (uint64_t)opt.request_timeout_ms * 1000000ull;
  int next = 0, pending = 0, finished = 0;
  while (finished < opt.clients) {
    while (next < opt.clients && pending < opt.setup_concurrency) {
      struct client *c = &clients[next];
      c->phase = WAIT_CONNACK;
      c->setup_started_at = c->last_send_at = now_ns();
      send_connect(next);
      next++;
      pending++;
    }
    poll_once(5);
    uint64_t now = now_ns();
    pending = 0;
    finished = 0;
    for (int i = 0; i < next; i++) {
      struct client *c = &clients[i];
      if (c->phase == WAIT_CONNACK || c->phase == WAIT_REGACK) {
        if (now - c->setup_started_at > timeout_ns) {
          if (c->phase == WAIT_CONNACK) failed_connect++;
          else failed_register++;
          if (first_error[0] == 0)
            snprintf(first_error, sizeof first_error, "%s unanswered for client %d", c->phase == WAIT_CONNACK ? "CONNECT" : "REGISTER", i);
          c->phase = FAILED;
          finished++;
          continue;
        }
        if (now - c->last_send_at > 1000000000ull) {
          c->last_send_at = now;
          if (c->phase == WAIT_CONNACK) send_connect(i);
          else send_register(i);
        }
        pending++;
      } else {
        finished++;
      }
    }
  }
  return (double)(now_ns() - start) / 1e6;
}

static void usage(void) {
  fprintf(stderr,
          "usage: snload --target HOST:PORT [--clients N] [--qos 1|2] [--duration S] [--retry MS]\n"
          "              [--payload-size B] [--keepalive S] [--request-timeout MS] [--setup-concurrency N]\n"
          "              [--drain MS] [--id-prefix P] [--topic-prefix T]\n");
  exit(2);
}

static void parse_target(const char *value) {
  char host[64];
  const char *colon = strrchr(value, ':');
  if (colon == NULL || (size_t)(colon - value) >= sizeof host) usage();
  memcpy(host, value, (size_t)(colon - value));
  host[colon - value] = 0;
  opt.target.sin_family = AF_INET;
  opt.target.sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &opt.target.sin_addr) != 1) {
    fprintf(stderr, "snload: --target needs an IPv4 address, got %s\n", host);
    exit(2);
  }
}

static void parse_args(int argc, char **argv) {
  int have_target = 0;
  for (int i = 1; i < argc; i++) {
    const char *name = argv[i];
    if (i + 1 >= argc) usage();
    const char *value = argv[++i];
    if (strcmp(name, "--target") == 0) parse_target(value), have_target = 1;
    else if (strcmp(name, "--clients") == 0) opt.clients = atoi(value);
    else if (strcmp(name, "--qos") == 0) opt.qos = atoi(value);
    else if (strcmp(name, "--duration") == 0) opt.duration_s = atof(value);
    else if (strcmp(name, "--retry") == 0) opt.retry_ms = atoi(value);
    else if (strcmp(name, "--payload-size") == 0) opt.payload_size = atoi(value);
    else if (strcmp(name, "--keepalive") == 0) opt.keepalive_s = atoi(value);
    else if (strcmp(name, "--request-timeout") == 0) opt.request_timeout_ms = atoi(value);
    else if (strcmp(name, "--setup-concurrency") == 0) opt.setup_concurrency = atoi(value);
    else if (strcmp(name, "--drain") == 0) opt.drain_ms = atoi(value);
    else if (strcmp(name, "--id-prefix") == 0) opt.id_prefix = value;
    else if (strcmp(name, "--topic-prefix") == 0) opt.topic_prefix = value;
    else usage();
  }
  if (!have_target || opt.clients < 1 || (opt.qos != 1 && opt.qos != 2) || opt.payload_size < 0 || opt.payload_size > 65000 ||
      opt.setup_concurrency < 1 || opt.keepalive_s < 0 || opt.keepalive_s > 0xffff)
    usage();
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  struct rlimit files = {0};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < (rlim_t)opt.clients + 64 && files.rlim_max >= (rlim_t)opt.clients + 64) {
    files.rlim_cur = (rlim_t)opt.clients + 64;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  payload = malloc((size_t)opt.payload_size + 1);
  memset(payload, 'a', (size_t)opt.payload_size);
  clients = calloc((size_t)opt.clients, sizeof *clients);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < opt.clients; i++) {
    clients[i].fd = open_client_socket();
    if (clients[i].fd < 0) {
      fprintf(stderr, "snload: socket for client %d: %s\n", i, strerror(errno));
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(epfd, EPOLL_CTL_ADD, clients[i].fd, &ev);
  }

  double setup_ms = run_setup();
  fprintf(stderr, "snload: setup: %d/%d connected, %d registered in %.0f ms\n", connected, opt.clients, registered, setup_ms);

  /* Timed phase: every ready client starts its first PUBLISH at once. */
  uint64_t first_send_at = now_ns();
  uint64_t end_at = first_send_at + (uint64_t)(opt.duration_s * 1e9);
  uint64_t last_ack_at = first_send_at;
  for (int i = 0; i < opt.clients; i++) {
    if (clients[i].phase != READY) continue;
    in_flight++;
    publish_next(&clients[i], first_send_at);
  }
  uint64_t retry_ns = (uint64_t)opt.retry_ms * 1000000ull;
  uint64_t next_sweep = first_send_at;
  uint64_t drain_until = 0;
  while (in_flight > 0) {
    uint64_t acked_before = acked + rejected;
    poll_once(5);
    uint64_t now = now_ns();
    if (acked + rejected != acked_before) last_ack_at = now;
    if (!stopping && now >= end_at) {
      stopping = 1;
      drain_until = now + (uint64_t)opt.drain_ms * 1000000ull;
    }
    if (stopping && now >= drain_until) break;
    if (retry_ns > 0 && now >= next_sweep) {
      next_sweep = now + retry_ns / 4;
      for (int i = 0; i < opt.clients; i++) {
        struct client *c = &clients[i];
        if ((c->phase != WAIT_ACK && c->phase != WAIT_COMP) || now - c->last_send_at < retry_ns) continue;
        c->last_send_at = now;
        retransmitted++;
        if (c->phase == WAIT_ACK) send_publish(c, 1);
        else send_msgid_only(c, PUBREL);
      }
    }
  }
  int stalled = in_flight;

  /* §5.4.21 DISCONNECT, once, without waiting for the answer. */
  uint8_t disconnect[2] = {2, DISCONNECT};
  for (int i = 0; i < opt.clients; i++) {
    if (clients[i].phase != FAILED && clients[i].phase != IDLE) send_datagram(&clients[i], disconnect, sizeof disconnect);
  }

  double duration_ms = (double)(last_ack_at - first_send_at) / 1e6;
  printf("{\"setup\":{\"connected\":%d,\"registered\":%d,\"failedConnect\":%d,\"failedRegister\":%d,\"elapsedMs\":%.1f,\"firstError\":\"%s\"},",
         connected, registered, failed_connect, failed_register, setup_ms, first_error);
  printf("\"activeClients\":%d,\"sent\":%llu,\"acked\":%llu,\"rejected\":%llu,\"retransmitted\":%llu,\"stalled\":%d,\"durationMs\":%.1f,", registered,
         (unsigned long long)sent, (unsigned long long)acked, (unsigned long long)rejected, (unsigned long long)retransmitted, stalled, duration_ms);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu_seconds = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
  printf("\"cpuSeconds\":%.3f,", cpu_seconds);
  printf("\"latencyMs\":{\"count\":%llu,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f}}\n", (unsigned long long)hist_count, latency_quantile_ms(0.5),
         latency_quantile_ms(0.99), (double)hist_max_ns / 1e6, hist_count > 0 ? hist_sum_ms / (double)hist_count : 0.0);
  for (int i = 0; i < opt.clients; i++) close(clients[i].fd);
  return 0;
}
