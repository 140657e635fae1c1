import type { FastifyInstance } from 'fastify';
import { isConnected } from '../mqttsn/session-state.js';
import type { LiveMessage } from './activity.js';
import type { HttpContext } from './context.js';

/** Comment line that keeps proxies from closing an idle stream (SSE §9.2.6). */
const KEEPALIVE_MS = 15_000;
/** Open streams at most: each costs a socket and a share of every event. */
const MAX_STREAMS = 100;
/** Overview counters pushed to the streams this often (computed once per tick for all of them). */
const OVERVIEW_MS = 1000;

/** The dashboard's overview: counters and gauges (rates are computed by the page from successive values). */
export function overview(ctx: HttpContext): Record<string, unknown> {
  const sn = ctx.mqttsn;
  const lw = ctx.lwm2m;
  let snConnected = 0;
  let snAsleep = 0;
  let buffered = 0;
  if (sn !== undefined) {
    for (const s of sn.table.values()) {
      if (isConnected(s.state)) snConnected += 1;
      if (s.state === 'asleep') snAsleep += 1;
      buffered += s.pendingCount;
    }
  }
  const udp = (list: ({ datagramsIn: number; datagramsOut: number } | undefined)[]): { in: number; out: number } =>
    list.reduce((a, c) => ({ in: a.in + (c?.datagramsIn ?? 0), out: a.out + (c?.datagramsOut ?? 0) }), { in: 0, out: 0 });
  const health = ctx.upstream.health;
  return {
    time: Date.now(),
    uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
    version: ctx.version,
    upstream: { description: ctx.upstream.description, connected: health === undefined || health.connected, reconnects: health?.reconnects ?? 0 },
    mqttsn:
      sn === undefined
        ? null
        : {
            sessions: sn.table.size,
            connected: snConnected,
            asleep: snAsleep,
            buffered,
            datagrams: udp(sn.listeners.map((l) => l.endpoint.counters)),
            publishes_in: sn.stats.inByType[0x0c] ?? 0,
            publishes_out: sn.stats.outByType[0x0c] ?? 0,
            malformed: sn.stats.malformed,
            dropped: sn.stats.dropped + sn.stats.oversize,
            lost: sn.stats.lost,
          },
    lwm2m:
      lw === undefined
        ? null
        : {
            registrations: lw.store.size,
            observations: lw.bridge.observationCount,
            datagrams: udp(lw.listeners.map((l) => l.udp.counters)),
            notifications: ctx.activity.lwm2mCounters.notifications,
            malformed: lw.listeners.reduce((n, l) => n + l.coap.stats.malformed, 0),
            retransmissions: lw.listeners.reduce((n, l) => n + l.coap.stats.retransmissions, 0),
          },
  };
}

export function registerLiveRoutes(app: FastifyInstance, ctx: HttpContext): void {
  // One overview computation per tick, whatever the number of open streams.
  const overviewStreams = new Set<(json: string) => void>();
  let ticker: NodeJS.Timeout | undefined;
  const followOverview = (send: (json: string) => void): (() => void) => {
    overviewStreams.add(send);
    ticker ??= setInterval(() => {
      const json = JSON.stringify(overview(ctx));
      for (const stream of overviewStreams) stream(json);
    }, OVERVIEW_MS);
    return () => {
      overviewStreams.delete(send);
      if (overviewStreams.size === 0 && ticker !== undefined) {
        clearInterval(ticker);
        ticker = undefined;
      }
    };
  };

  app.get(
    '/api/v5/overview',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Counters and gauges of both gateways (not in EMQX)',
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async () => overview(ctx),
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/v5/events/log',
    {
      schema: {
        tags: ['dashboard'],
        summary:
          'Recent events, oldest first: register, update, deregister, expired (LwM2M); connected, asleep, awake, kept, disconnected, kicked, lost (MQTT-SN)',
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 200 } } },
        response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } } },
      },
    },
    async (request) => ctx.activity.recentEvents(request.query.limit),
  );

  app.get<{ Querystring: { endpoint?: string } }>(
    '/api/v5/events',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Server-Sent Events: "event" (event log lines), "overview" (every second), and with ?endpoint= that device\'s "notify" and "answer" messages',
        querystring: { type: 'object', properties: { endpoint: { type: 'string', maxLength: 1024 } } },
      },
    },
    (request, reply) => {
      const endpoint = request.query.endpoint;
      if (ctx.activity.listenerCount >= MAX_STREAMS) {
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ code: 'TOO_MANY_STREAMS', message: `at most ${MAX_STREAMS} live streams` });
      }
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const send = (type: string, data: unknown): void => {
        // A slow reader must not grow our memory without bound: drop its stream.
        if (raw.writableLength > 1024 * 1024) {
          raw.destroy();
          return;
        }
        raw.write(`event: ${type}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      };
      const unsubscribe = ctx.activity.subscribe((message: LiveMessage) => {
        if (message.kind === 'event') send('event', message.event);
        else if (endpoint !== undefined && message.endpoint === endpoint) {
          if (message.kind === 'notify')
            send('notify', {
              endpoint: message.endpoint,
              path: message.path,
              message: typeof message.message === 'string' ? (JSON.parse(message.message) as unknown) : message.message,
            });
          else send('answer', { endpoint: message.endpoint, message: message.message });
        }
      });
      send('overview', overview(ctx));
      const unfollow = followOverview((json) => send('overview', json));
      const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
      const close = (): void => {
        unfollow();
        clearInterval(keepalive);
        unsubscribe();
      };
      raw.on('close', close);
      raw.on('error', close);
    },
  );
}
