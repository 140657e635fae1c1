import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { formatPeer } from '../log.js';
import { parseBind, type BindAddress } from '../transport/bind.js';
import { ConfigError } from '../errors.js';
import { hasCredentials, hasValidCredentials, isCrossOriginWrite, isLocalHostHeader, isLoopback } from './auth.js';
import { apiError, type HttpContext } from './context.js';
import { loadDashboard } from './dashboard-assets.js';
import { registerGatewayRoutes } from './routes-gateways.js';
import { registerLiveRoutes } from './routes-live.js';
import { registerLwm2mRoutes } from './routes-lwm2m.js';
import { registerMqttSnRoutes } from './routes-mqttsn.js';

export interface RunningHttp {
  readonly address: BindAddress;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Docker / Kubernetes convention for a not-ready answer (EMQX sends the same on /status). */
const RETRY_AFTER_S = '15';

/** Readiness: every configured listener bound and the broker reachable. */
export function readiness(ctx: HttpContext): { ready: boolean; checks: Record<string, boolean> } {
  const checks: Record<string, boolean> = {
    mqttsn: !ctx.config.mqttsn.enable || (ctx.mqttsn !== undefined && ctx.mqttsn.listeners.length > 0),
    lwm2m: !ctx.config.lwm2m.enable || (ctx.lwm2m !== undefined && ctx.lwm2m.listeners.length > 0),
    upstream: (ctx.upstream.health === undefined || ctx.upstream.health.connected) && (ctx.lwm2m === undefined || ctx.lwm2m.upstreamSession.online),
  };
  return { ready: Object.values(checks).every(Boolean), checks };
}

/**
 * The HTTP listener: EMQX-5-shaped REST API under /api/v5 (OpenAPI at
 * /api/v5/openapi.json), /metrics, /health, /ready and the dashboard at /.
 * Loopback clients are served as they are; everyone else must authenticate
 * (auth.ts).
 */
export async function startHttpServer(ctx: HttpContext): Promise<RunningHttp> {
  const cfg = ctx.config.http;
  const bind = parseBind(cfg.bind);
  if (bind === undefined) throw new ConfigError([{ key: 'http.bind', value: cfg.bind, reason: 'host:port expected' }]);
  const assets = await loadDashboard();
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // Open SSE streams must not hold the shutdown.
    forceCloseConnections: true,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allowUnionTypes: true } },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'snlw-gateway HTTP API', version: ctx.version, description: 'EMQX 5 gateway API shape; differences in docs/operations.md' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'http.api_key' },
          basic: { type: 'http', scheme: 'basic', description: 'http.username / http.password' },
        },
      },
      security: [{ bearer: [] }, { basic: [] }],
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (isCrossOriginWrite(request.method, request.headers.origin, host)) {
      return reply.code(403).send(apiError('FORBIDDEN', 'cross-origin request refused'));
    }
    if (hasValidCredentials(cfg, request.headers.authorization)) return;
    if (isLoopback(request.socket.remoteAddress)) {
      if (isLocalHostHeader(host)) return;
      return reply.code(403).send(apiError('FORBIDDEN', 'loopback requests without credentials must name localhost or an IP address as host'));
    }
    if (cfg.username !== '') reply.header('www-authenticate', 'Basic realm="snlw-gateway", charset="UTF-8"');
    else if (cfg.api_key !== '') reply.header('www-authenticate', 'Bearer realm="snlw-gateway"');
    return reply
      .code(401)
      .send(
        apiError(
          'BAD_USERNAME_OR_PWD',
          hasCredentials(cfg) ? 'authentication required' : 'served to loopback clients only: set http.api_key or http.username/password',
        ),
      );
  });

  app.setErrorHandler((error: { statusCode?: number; validation?: unknown; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) ctx.logger.error({ err: error.message }, 'HTTP request failed');
    return reply.code(status).send(apiError(error.validation !== undefined ? 'BAD_REQUEST' : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST', error.message));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(apiError('NOT_FOUND', 'no such path')));

  app.get(
    '/health',
    {
      schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: listeners bound and the broker reachable; 503 with Retry-After otherwise',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } } },
          503: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } } },
        },
      },
    },
    async (_request, reply) => {
      const { ready, checks } = readiness(ctx);
      if (!ready) return reply.code(503).header('retry-after', RETRY_AFTER_S).send({ status: 'not ready', checks });
      return { status: 'ready', checks };
    },
  );

  app.get('/api/v5/status', { schema: { tags: ['health'], summary: 'EMQX-style status text: 200 running, else 503' } }, async (_request, reply) => {
    const { ready } = readiness(ctx);
    if (!ready) reply.code(503).header('retry-after', RETRY_AFTER_S);
    return reply.type('text/plain; charset=utf-8').send(`snlw-gateway ${ctx.version} is ${ready ? 'running' : 'not ready'}\n`);
  });

  app.get('/metrics', { schema: { tags: ['metrics'], summary: 'Prometheus text exposition format 0.0.4' } }, async (_request, reply) => {
    const text = await ctx.metrics.metrics();
    return reply.type(ctx.metrics.contentType).send(text);
  });

  app.get('/api/v5/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerGatewayRoutes(app, ctx);
  registerMqttSnRoutes(app, ctx);
  registerLwm2mRoutes(app, ctx);
  registerLiveRoutes(app, ctx);

  const page = (name: string) => async (_request: unknown, reply: import('fastify').FastifyReply) => {
    const asset = assets.get(name);
    if (asset === undefined) return reply.code(404).send(apiError('NOT_FOUND', 'no such file'));
    return reply.type(asset.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(asset.body);
  };
  app.get('/', { schema: { hide: true } }, page('index.html'));
  app.get('/dashboard/app.js', { schema: { hide: true } }, page('app.js'));
  app.get('/dashboard/style.css', { schema: { hide: true } }, page('style.css'));

  await app.listen({ host: bind.host, port: bind.port });
  const info = app.server.address();
  const address: BindAddress = typeof info === 'object' && info !== null ? { host: info.address, port: info.port } : bind;
  ctx.logger.info({ address: formatPeer(address.host, address.port) }, 'HTTP API, metrics and dashboard listening');
  if (!isLoopback(address.host) && !hasCredentials(cfg)) {
    ctx.logger.warn(
      { address: formatPeer(address.host, address.port) },
      'HTTP listener not on loopback and no credentials set (http.api_key, http.username): only loopback clients are served',
    );
  }
  return {
    address,
    app,
    close: async () => {
      await app.close();
    },
  };
}
