import type { FastifyInstance, FastifyReply } from 'fastify';
import type { MqttSnGateway } from '../mqttsn/gateway.js';
import { PREDEFINED_ID_MAX } from '../mqttsn/parameters.js';
import { checkTopicName } from '../config/field-checks.js';
import { apiError, clientNotFound, errorSchema, type HttpContext } from './context.js';
import { likeMatch, metaSchema, paginate, pagingQuerySchema, sendPage } from './paging.js';
import { mqttSnClientView } from './views.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
/** Every field of mqttSnClientView, declared so the serialiser compiles them. */
const clientSchema = {
  type: 'object',
  properties: {
    clientid: str,
    username: { type: 'null' },
    mountpoint: str,
    proto_name: str,
    proto_ver: str,
    ip_address: { type: ['string', 'null'] },
    port: { type: ['integer', 'null'] },
    listener: int,
    connected: bool,
    conn_state: str,
    state_since: str,
    last_seen: str,
    keepalive: int,
    sleep_duration: int,
    clean_start: bool,
    expiry_interval: int,
    subscriptions_cnt: int,
    topics_cnt: int,
    inflight_cnt: int,
    inflight_max: int,
    mqueue_len: int,
    mqueue_max: int,
    awaiting_rel_cnt: int,
    has_will: bool,
  },
} as const;

const clientIdParams = { type: 'object', properties: { clientid: { type: 'string', maxLength: 1024 } }, required: ['clientid'] } as const;

interface ClientQuery {
  page: number;
  limit: number;
  clientid?: string;
  like_clientid?: string;
  conn_state?: string;
  ip_address?: string;
}

const predefinedSchema = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: PREDEFINED_ID_MAX }, topic: { type: 'string', minLength: 1, maxLength: 65535 } },
  required: ['id', 'topic'],
  additionalProperties: false,
} as const;

function notLoaded(reply: FastifyReply): FastifyReply {
  return reply.code(404).send(apiError('RESOURCE_NOT_FOUND', 'the MQTT-SN gateway is not loaded'));
}

export function registerMqttSnRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const gw = (): MqttSnGateway | undefined => ctx.mqttsn;
  const config = ctx.config.mqttsn;

  app.get<{ Querystring: ClientQuery }>(
    '/api/v5/gateways/mqttsn/clients',
    {
      schema: {
        tags: ['mqttsn'],
        summary: 'MQTT-SN clients, paged; filters: clientid, like_clientid, conn_state (active, asleep, awake, disconnected, lost), ip_address',
        querystring: {
          type: 'object',
          properties: {
            ...pagingQuerySchema,
            clientid: { type: 'string' },
            like_clientid: { type: 'string' },
            conn_state: { type: 'string', enum: ['active', 'asleep', 'awake', 'disconnected', 'lost', 'connecting'] },
            ip_address: { type: 'string' },
          },
        },
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: clientSchema }, meta: metaSchema } }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      const q = request.query;
      const keep = (s: import('../mqttsn/session.js').Session): boolean =>
        (q.clientid === undefined || s.clientId === q.clientid) &&
        likeMatch(s.clientId, q.like_clientid) &&
        (q.conn_state === undefined || s.state === q.conn_state) &&
        (q.ip_address === undefined || (s.attached && s.peer.address === q.ip_address));
      const page = paginate(sn.table.values(), keep, (s) => mqttSnClientView(s, config), q.page, q.limit, q.like_clientid === undefined);
      return sendPage(reply, page);
    },
  );

  app.get<{ Params: { clientid: string } }>(
    '/api/v5/gateways/mqttsn/clients/:clientid',
    { schema: { tags: ['mqttsn'], summary: 'One MQTT-SN client', params: clientIdParams, response: { 200: clientSchema, 404: errorSchema } } },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      const session = sn.table.byClientId(request.params.clientid);
      if (session === undefined) return clientNotFound(reply);
      return mqttSnClientView(session, config);
    },
  );

  app.delete<{ Params: { clientid: string } }>(
    '/api/v5/gateways/mqttsn/clients/:clientid',
    {
      schema: {
        tags: ['mqttsn'],
        summary: 'Kick a client: DISCONNECT, broker session ended without its will, session state discarded',
        params: clientIdParams,
        response: { 204: { type: 'null' }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      if (!sn.kick(request.params.clientid)) return clientNotFound(reply);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { clientid: string } }>(
    '/api/v5/gateways/mqttsn/clients/:clientid/subscriptions',
    {
      schema: {
        tags: ['mqttsn'],
        summary: "The client's subscriptions (topic with the mountpoint, as EMQX)",
        params: clientIdParams,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { topic: { type: 'string' }, qos: { type: 'integer' }, nl: { type: 'integer' }, rap: { type: 'integer' }, rh: { type: 'integer' } },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      const session = sn.table.byClientId(request.params.clientid);
      if (session === undefined) return clientNotFound(reply);
      return session.subscriptionEntries().map(([topic, qos]) => ({ topic: `${session.mountpoint}${topic}`, qos, nl: 0, rap: 0, rh: 0 }));
    },
  );

  app.get<{ Params: { clientid: string } }>(
    '/api/v5/gateways/mqttsn/clients/:clientid/topics',
    {
      schema: {
        tags: ['mqttsn'],
        summary: 'Topic ids registered for this client (MQTT-SN v1.2 §6.5); known = the client has the id',
        params: clientIdParams,
        response: {
          200: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, topic: { type: 'string' }, known: { type: 'boolean' } } } },
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      const session = sn.table.byClientId(request.params.clientid);
      if (session === undefined) return clientNotFound(reply);
      return session.topicEntries();
    },
  );

  // ------------------------------------------------------------ predefined topics (not an EMQX endpoint: EMQX changes them with PUT /gateways/mqttsn)

  app.get(
    '/api/v5/gateways/mqttsn/predefined',
    {
      schema: {
        tags: ['mqttsn'],
        summary: 'Predefined topics in force (MQTT-SN v1.2 §2.5)',
        response: { 200: { type: 'array', items: predefinedSchema }, 404: errorSchema },
      },
    },
    async (_request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      return sn.predefined.list();
    },
  );

  app.post<{ Body: { id: number; topic: string } }>(
    '/api/v5/gateways/mqttsn/predefined',
    {
      schema: {
        tags: ['mqttsn'],
        summary: 'Add or replace a predefined topic at run time (until restart); ids 1..1024, no wildcards',
        body: predefinedSchema,
        response: { 201: predefinedSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      const { id, topic } = request.body;
      const problem = checkTopicName(topic);
      if (problem !== undefined) return reply.code(400).send(apiError('BAD_REQUEST', `topic: ${problem}`));
      sn.predefined.set(id, topic);
      ctx.logger.info({ id, topic }, 'MQTT-SN predefined topic set');
      return reply.code(201).send({ id, topic });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/v5/gateways/mqttsn/predefined/:id',
    {
      schema: {
        tags: ['mqttsn'],
        summary: 'Remove a predefined topic at run time',
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: PREDEFINED_ID_MAX } }, required: ['id'] },
        response: { 204: { type: 'null' }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const sn = gw();
      if (sn === undefined) return notLoaded(reply);
      if (!sn.predefined.delete(request.params.id))
        return reply.code(404).send(apiError('RESOURCE_NOT_FOUND', `predefined topic id ${request.params.id} not found`));
      ctx.logger.info({ id: request.params.id }, 'MQTT-SN predefined topic removed');
      return reply.code(204).send();
    },
  );
}
