import type { JsonObject } from '../bridge/command.js';
import type { Peer } from '../../transport/bind.js';
import { describeCode, type BootstrapFailure } from './bootstrap-session.js';
import type { ServerAccount } from './server-account.js';

/**
 * Where bootstrap events go: the device's topics (mountpoint rendered for
 * `endpoint` and `peer`, bootstrap translator), in the envelope of the
 * register events: `{ "msgType": ..., "data": { "ep": ..., ... } }`.
 */
export interface BootstrapEventSink {
  publishBootstrapEvent(endpoint: string, peer: Peer, event: JsonObject): void;
}

/** A Bootstrap-Request was accepted (2.04) and the sequence starts. */
export function bootstrapRequestEvent(endpoint: string, pct: number | undefined): JsonObject {
  const data: JsonObject = { ep: endpoint };
  if (pct !== undefined) data.pct = pct;
  return { msgType: 'bootstrap-request', data };
}

/**
 * The device accepted Bootstrap-Finish: what it was given, secrets left
 * out (the PSK identity is not secret; the key, certificates and private key are never published).
 */
export function bootstrapFinishedEvent(endpoint: string, account: ServerAccount, discovered: readonly string[] | undefined): JsonObject {
  const { entry } = account;
  const data: JsonObject = {
    ep: endpoint,
    serverUri: entry.serverUri,
    securityMode: account.securityMode,
    shortServerId: entry.shortServerId,
    lifetime: entry.lifetime,
    binding: entry.binding,
  };
  if (account.pskIdentity !== undefined) data.pskIdentity = account.pskIdentity;
  if (discovered !== undefined) data.discovered = [...discovered];
  return { msgType: 'bootstrap-finished', data };
}

export function bootstrapFailedEvent(endpoint: string, failure: BootstrapFailure): JsonObject {
  const data: JsonObject = { ep: endpoint, reason: failure.reason };
  if (failure.operation !== undefined) data.operation = failure.operation;
  if (failure.code !== undefined) Object.assign(data, describeCode(failure.code));
  if (failure.message !== undefined) data.message = failure.message;
  return { msgType: 'bootstrap-failed', data };
}
