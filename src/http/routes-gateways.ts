import type { FastifyInstance } from 'fastify';
import { formatPeer } from '../log.js';
import { isConnected } from '../mqttsn/session-state.js';
import { apiError, errorSchema, type HttpContext } from './context.js';
import { rfc3339 } from './views.js';

const listenerSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, type: { type: 'string' }, bind: { type: 'string' }, running: { type: 'boolean' } },
} as const;

const gatewaySchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    status: { type: 'string', enum: ['running', 'stopped', 'unloaded'] },
    created_at: { type: 'string' },
    started_at: { type: 'string' },
    max_connections: { type: 'integer' },
    current_connections: { type: 'integer' },
    listeners: { type: 'array', items: listenerSchema },
  },
  required: ['name', 'status'],
} as const;

interface GatewayEntry {
  name: string;
  status: 'running' | 'unloaded';
  created_at?: string;
  started_at?: string;
  max_connections?: number;
  current_connections?: number;
  listeners?: { id: string; name: string; type: string; bind: string; running: boolean }[];
}

/** GET /gateways and /gateways/{name}: EMQX 5 shape (a bare array; unloaded gateways are `{name, status}`). */
export function gatewayEntries(ctx: HttpContext): GatewayEntry[] {
  const started = rfc3339(ctx.startedAt);
  const entries: GatewayEntry[] = [];
  const sn = ctx.mqttsn;
  if (sn === undefined) entries.push({ name: 'mqttsn', status: 'unloaded' });
  else {
    let current = 0;
    for (const session of sn.table.values()) if (isConnected(session.state)) current += 1;
    entries.push({
      name: 'mqttsn',
      status: 'running',
      created_at: started,
      started_at: started,
      max_connections: Object.values(ctx.config.mqttsn.listeners.udp).reduce((n, l) => n + l.max_connections, 0),
      current_connections: current,
      listeners: sn.listeners.map((l) => ({
        id: `mqttsn:udp:${l.name}`,
        name: l.name,
        type: 'udp',
        bind: formatPeer(l.endpoint.address.host, l.endpoint.address.port),
        running: true,
      })),
    });
  }
  const lw = ctx.lwm2m;
  if (lw === undefined) entries.push({ name: 'lwm2m', status: 'unloaded' });
  else {
    entries.push({
      name: 'lwm2m',
      status: 'running',
      created_at: started,
      started_at: started,
      max_connections: Object.values(ctx.config.lwm2m.listeners.udp).reduce((n, l) => n + l.max_connections, 0),
      current_connections: lw.store.size,
      listeners: lw.listeners.map((l) => ({
        id: `lwm2m:udp:${l.name}`,
        name: l.name,
        type: 'udp',
        bind: formatPeer(l.udp.address.host, l.udp.address.port),
        running: true,
      })),
    });
  }
  return entries;
}

export function registerGatewayRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get<{ Querystring: { status?: string } }>(
    '/api/v5/gateways',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Both gateways with status, listeners and connection counts (a bare array, as EMQX)',
        querystring: { type: 'object', properties: { status: { type: 'string', enum: ['running', 'stopped', 'unloaded'] } } },
        response: { 200: { type: 'array', items: gatewaySchema } },
      },
    },
    async (request) => {
      const status = request.query.status;
      return gatewayEntries(ctx).filter((g) => status === undefined || g.status === status);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v5/gateways/:name',
    {
      schema: {
        tags: ['gateways'],
        summary: 'One gateway',
        params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        response: { 200: gatewaySchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const entry = gatewayEntries(ctx).find((g) => g.name === request.params.name);
      if (entry === undefined) return reply.code(404).send(apiError('RESOURCE_NOT_FOUND', `gateway ${request.params.name} not found`));
      return entry;
    },
  );
}
