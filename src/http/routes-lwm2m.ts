import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JsonObject } from '../lwm2m/bridge/command.js';
import type { Lwm2mGateway } from '../lwm2m/gateway.js';
import type { ModelRegistry } from '../lwm2m/model/types.js';
import type { Registration } from '../lwm2m/registration/registration.js';
import { apiError, clientNotFound, errorSchema, type HttpContext } from './context.js';
import { findRegistration, runCommand } from './lwm2m-commands.js';
import { likeMatch, metaSchema, paginate, pagingQuerySchema, sendPage } from './paging.js';
import { lwm2mClientView, objectTree } from './views.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
/** Every field of lwm2mClientView, declared so the serialiser compiles them (10,000 devices in one page). */
const clientSchema = {
  type: 'object',
  properties: {
    clientid: str,
    endpoint_name: str,
    username: str,
    mountpoint: str,
    proto_name: str,
    proto_ver: str,
    ip_address: str,
    port: int,
    listener: int,
    lifetime: int,
    binding: str,
    queue_mode: bool,
    objects: { type: 'array', items: str },
    last_seen: str,
    expires_at: str,
    queue_depth: int,
    inflight_cnt: int,
    observations: int,
    security: str,
  },
} as const;

/** The answer JSON as the response topic carries it (lwm2m.md 2.5): free-form. */
const answerSchema = { type: 'object', additionalProperties: true } as const;
const commandResponses = { 200: answerSchema, 400: answerSchema, 404: errorSchema, 409: answerSchema, 504: answerSchema } as const;

const idParams = { type: 'object', properties: { clientid: { type: 'string', maxLength: 1024 } }, required: ['clientid'] } as const;
const pathProperty = { type: 'string', pattern: '^/?\\d{1,5}(/\\d{1,5}){0,3}/?$', description: 'LwM2M path, e.g. /3/0/7' } as const;
const reqIdProperty = {
  type: 'string',
  maxLength: 256,
  description: 'echoed as reqID in the answer (as on the command topic); digits become a number',
} as const;

interface ListQuery {
  page: number;
  limit: number;
  endpoint_name?: string;
  like_endpoint_name?: string;
  clientid?: string;
  like_clientid?: string;
  ip_address?: string;
  gte_lifetime?: number;
  lte_lifetime?: number;
}

/**
 * EMQX lookup for discover: each link of the device's answer as
 * `{path, name, operations, dataType}` from the object definitions (LwM2M
 * 1.1 TS §5.4.2: Discover answers in CoRE Link Format). Attributes stay in `link`.
 */
function enrichDiscover(links: readonly unknown[], models: ModelRegistry, reg: Registration): unknown[] {
  return links.map((link) => {
    const text = String(link);
    const path = /^<([^>]*)>/.exec(text)?.[1] ?? text;
    const ids = path
      .split('/')
      .filter((p) => p !== '')
      .map(Number);
    const [objectId, , resourceId] = ids;
    const version = objectId === undefined ? undefined : reg.objects?.versions.get(objectId);
    const model = objectId === undefined ? undefined : models.get(objectId, version);
    const resource = resourceId === undefined || objectId === undefined ? undefined : models.resource(objectId, resourceId, version);
    if (resource !== undefined) return { path, name: resource.name, operations: resource.operations, dataType: resource.type, link: text };
    return { path, name: model?.name ?? null, operations: null, dataType: null, link: text };
  });
}

function notLoaded(reply: FastifyReply): FastifyReply {
  return reply.code(404).send(apiError('RESOURCE_NOT_FOUND', 'the LwM2M gateway is not loaded'));
}

export function registerLwm2mRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const gw = (): Lwm2mGateway | undefined => ctx.lwm2m;
  const timeoutMs = ctx.config.http.command_timeout;

  app.get<{ Querystring: ListQuery }>(
    '/api/v5/gateways/lwm2m/clients',
    {
      schema: {
        tags: ['lwm2m'],
        summary: 'Registered LwM2M devices, paged; filters: endpoint_name, like_endpoint_name, clientid, like_clientid, ip_address, gte_lifetime, lte_lifetime',
        querystring: {
          type: 'object',
          properties: {
            ...pagingQuerySchema,
            endpoint_name: { type: 'string' },
            like_endpoint_name: { type: 'string' },
            clientid: { type: 'string' },
            like_clientid: { type: 'string' },
            ip_address: { type: 'string' },
            gte_lifetime: { type: 'integer' },
            lte_lifetime: { type: 'integer' },
          },
        },
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: clientSchema }, meta: metaSchema } }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const lw = gw();
      if (lw === undefined) return notLoaded(reply);
      const q = request.query;
      const keep = (r: Registration): boolean =>
        (q.endpoint_name === undefined || r.endpoint === q.endpoint_name) &&
        (q.clientid === undefined || r.clientId === q.clientid) &&
        likeMatch(r.endpoint, q.like_endpoint_name) &&
        likeMatch(r.clientId, q.like_clientid) &&
        (q.ip_address === undefined || r.peer.address === q.ip_address) &&
        (q.gte_lifetime === undefined || r.lifetime >= q.gte_lifetime) &&
        (q.lte_lifetime === undefined || r.lifetime <= q.lte_lifetime);
      const like = q.like_endpoint_name !== undefined || q.like_clientid !== undefined;
      const page = paginate(lw.store.values(), keep, (r) => lwm2mClientView(r, lw.bridge), q.page, q.limit, !like);
      return sendPage(reply, page);
    },
  );

  app.get<{ Params: { clientid: string } }>(
    '/api/v5/gateways/lwm2m/clients/:clientid',
    { schema: { tags: ['lwm2m'], summary: 'One device (by endpoint name or clientid)', params: idParams, response: { 200: clientSchema, 404: errorSchema } } },
    async (request, reply) => {
      const lw = gw();
      if (lw === undefined) return notLoaded(reply);
      const reg = findRegistration(lw, request.params.clientid);
      if (reg === undefined) return clientNotFound(reply);
      return lwm2mClientView(reg, lw.bridge);
    },
  );

  app.get<{ Params: { clientid: string } }>(
    '/api/v5/gateways/lwm2m/clients/:clientid/objects',
    {
      schema: {
        tags: ['lwm2m'],
        summary: "The device's object tree: instances from its registration, resources from the loaded object definitions, observed paths",
        params: idParams,
        response: { 200: { type: 'object', additionalProperties: true }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const lw = gw();
      if (lw === undefined) return notLoaded(reply);
      const reg = findRegistration(lw, request.params.clientid);
      if (reg === undefined) return clientNotFound(reply);
      return { endpoint: reg.endpoint, objects: objectTree(reg, lw.models), observed: lw.bridge.observedPaths(reg.endpoint) };
    },
  );

  app.get<{ Params: { clientid: string }; Querystring: { path: string; action: string } }>(
    '/api/v5/gateways/lwm2m/clients/:clientid/lookup',
    {
      schema: {
        tags: ['lwm2m'],
        summary: "The device's last reply to action on path (EMQX lookup; 100 kept per device); code 6.01 reply_not_received when none",
        params: idParams,
        querystring: { type: 'object', properties: { path: pathProperty, action: { type: 'string' } }, required: ['path', 'action'] },
        response: { 200: { type: 'object', additionalProperties: true }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const lw = gw();
      if (lw === undefined) return notLoaded(reply);
      const reg = findRegistration(lw, request.params.clientid);
      if (reg === undefined) return clientNotFound(reply);
      const { path, action } = request.query;
      const answer = ctx.activity.lookup(reg.endpoint, action, path);
      const data = answer?.data as JsonObject | undefined;
      if (data === undefined) return { clientid: reg.clientId, path, action, code: '6.01', codeMsg: 'reply_not_received' };
      const content = action === 'discover' && Array.isArray(data.content) ? enrichDiscover(data.content, lw.models, reg) : (data.content ?? null);
      return { clientid: reg.clientId, path, action, code: data.code, codeMsg: data.codeMsg, content, answer };
    },
  );

  const command = async (reply: FastifyReply, id: string, request: JsonObject): Promise<FastifyReply> => {
    const lw = gw();
    if (lw === undefined) return notLoaded(reply);
    const reg = findRegistration(lw, id);
    if (reg === undefined) return clientNotFound(reply);
    const outcome = await runCommand(lw, ctx.activity, reg, request, timeoutMs);
    return reply.code(outcome.status).send(outcome.body);
  };
  const withReqId = (body: JsonObject, reqID: string | undefined): JsonObject =>
    reqID === undefined ? body : { reqID: /^[1-9]\d{0,14}$|^0$/.test(reqID) ? Number(reqID) : reqID, ...body };

  for (const action of ['read', 'discover'] as const) {
    app.post<{ Params: { clientid: string }; Querystring: { path: string; reqID?: string } }>(
      `/api/v5/gateways/lwm2m/clients/:clientid/${action}`,
      {
        schema: {
          tags: ['lwm2m'],
          summary: `${action} path; answers with the response-topic JSON (EMQX answers 204 at once)`,
          params: idParams,
          querystring: { type: 'object', properties: { path: pathProperty, reqID: reqIdProperty }, required: ['path'] },
          response: commandResponses,
        },
      },
      (request, reply) => command(reply, request.params.clientid, withReqId({ msgType: action, data: { path: request.query.path } }, request.query.reqID)),
    );
  }

  app.post<{ Params: { clientid: string }; Querystring: { path: string; enable?: boolean; reqID?: string } }>(
    '/api/v5/gateways/lwm2m/clients/:clientid/observe',
    {
      schema: {
        tags: ['lwm2m'],
        summary: 'Observe (enable=true, default) or cancel (enable=false) path; answers with the response-topic JSON',
        params: idParams,
        querystring: {
          type: 'object',
          properties: { path: pathProperty, enable: { type: 'boolean', default: true }, reqID: reqIdProperty },
          required: ['path'],
        },
        response: commandResponses,
      },
    },
    (request, reply) =>
      command(
        reply,
        request.params.clientid,
        withReqId({ msgType: request.query.enable === false ? 'cancel-observe' : 'observe', data: { path: request.query.path } }, request.query.reqID),
      ),
  );

  app.post<{ Params: { clientid: string }; Querystring: { path: string; type: string; value: string; reqID?: string } }>(
    '/api/v5/gateways/lwm2m/clients/:clientid/write',
    {
      schema: {
        tags: ['lwm2m'],
        summary: 'Write value (of type) to a resource path; answers with the response-topic JSON',
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            path: pathProperty,
            type: { type: 'string', enum: ['Integer', 'Unsigned Integer', 'Float', 'Time', 'String', 'Boolean', 'Opaque', 'Objlnk', 'Corelnk'] },
            value: { type: 'string' },
            reqID: reqIdProperty,
          },
          required: ['path', 'type', 'value'],
        },
        response: commandResponses,
      },
    },
    (request, reply) => {
      const { path, type, value } = request.query;
      return command(reply, request.params.clientid, withReqId({ msgType: 'write', data: { path, type, value } }, request.query.reqID));
    },
  );

  app.post<{ Params: { clientid: string }; Querystring: { path: string; args?: string; reqID?: string } }>(
    '/api/v5/gateways/lwm2m/clients/:clientid/execute',
    {
      schema: {
        tags: ['lwm2m'],
        summary: 'Execute a resource (args optional); answers with the response-topic JSON',
        params: idParams,
        querystring: { type: 'object', properties: { path: pathProperty, args: { type: 'string' }, reqID: reqIdProperty }, required: ['path'] },
        response: commandResponses,
      },
    },
    (request, reply) => {
      const data: JsonObject = { path: request.query.path };
      if (request.query.args !== undefined) data.args = request.query.args;
      return command(reply, request.params.clientid, withReqId({ msgType: 'execute', data }, request.query.reqID));
    },
  );

  app.post<{ Params: { clientid: string }; Body: JsonObject }>(
    '/api/v5/gateways/lwm2m/clients/:clientid/commands',
    {
      schema: {
        tags: ['lwm2m'],
        summary: 'Any command in the command-topic JSON ({msgType, data, ...}), composite operations included',
        params: idParams,
        body: {
          type: 'object',
          properties: { msgType: { type: 'string' }, data: { type: 'object', additionalProperties: true } },
          required: ['msgType', 'data'],
          additionalProperties: true,
        },
        response: commandResponses,
      },
    },
    (request, reply) => command(reply, request.params.clientid, request.body),
  );
}
