import type {} from '@fastify/swagger'; // adds tags / summary to route schemas
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Lwm2mGateway } from '../lwm2m/gateway.js';
import type { MqttSnGateway } from '../mqttsn/gateway.js';
import type { UpstreamConnector } from '../upstream/types.js';
import type { GatewayActivity } from './activity.js';

/** What the HTTP routes read and drive. */
export interface HttpContext {
  readonly config: GatewayConfig;
  readonly version: string;
  readonly startedAt: number;
  readonly mqttsn: MqttSnGateway | undefined;
  readonly lwm2m: Lwm2mGateway | undefined;
  readonly upstream: UpstreamConnector;
  readonly activity: GatewayActivity;
  readonly metrics: Registry;
  readonly logger: Logger;
}

/** EMQX error body. */
export interface ApiError {
  code: string;
  message: string;
}

export const errorSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

export function apiError(code: string, message: string): ApiError {
  return { code, message };
}

/** 404 CLIENT_NOT_FOUND, as EMQX answers for a client id it does not know. */
export function clientNotFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send(apiError('CLIENT_NOT_FOUND', 'Client not found'));
}
