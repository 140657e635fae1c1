import { checkDeviceSuppliedName } from '../../topics/topic-rules.js';

/**
 * Register / Update query parameters (LwM2M 1.1 TS §6.2.1 / §6.2.2,
 * Transport §6.2.1). Pure: strings in, a value or a reason out.
 */

import { bindingRefusal } from './version-rules.js';

/** Versions accepted at Register; "1" as EMQX accepts it. */
export const ACCEPTED_VERSIONS: readonly string[] = ['1', '1.0', '1.1', '1.2'];

/** LwM2M 1.1 TS §6.2.1: lifetime default 86400 s. */
export const DEFAULT_LIFETIME_SECONDS = 86_400;

/** Query keys never reported upstream (EMQX changelog fix-17888, plus PSK material). */
const SENSITIVE = new Set(['password', 'secret', 'private_key', 'access_token', 'psk', 'psk_id', 'token', 'key', 'auth_token', 'passwd']);

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.has(key.toLowerCase());
}

/** Parsed query: insertion-ordered; valueless parameters (1.1 `Q`) map to "". */
export type QueryParams = Map<string, string>;

export function parseQuery(options: readonly string[]): QueryParams {
  const params: QueryParams = new Map();
  for (const option of options) {
    if (option === '') continue;
    const eq = option.indexOf('=');
    // Values containing '=' keep everything after the first '=' (EMQX drops them).
    if (eq === -1) params.set(option, '');
    else params.set(option.slice(0, eq), option.slice(eq + 1));
  }
  return params;
}

export interface RegisterParams {
  readonly endpoint: string;
  /** `lt` as sent (or the default), seconds. */
  readonly lifetime: number;
  readonly lwm2m: string;
  /** 1.0 binding (`UQ` = queue) or 1.1 binding letters; default "U". */
  readonly binding: string;
  /** 1.0 `b=UQ|SQ|UQS` or 1.1 `Q` (LwM2M 1.1 TS §6.2.1). */
  readonly queueMode: boolean;
  readonly query: QueryParams;
}

/**
 * Query parameters kept per registration (Register plus every Update merged
 * into it): bounds what a device can make the gateway store.
 */
export const MAX_QUERY_PARAMS = 64;

/** A refusal is 4.00 Bad Request unless it says otherwise. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string; readonly code?: '4.12' };

/** A version number as LwM2M writes it (Major.Minor), or EMQX's "1". */
const VERSION_FORMAT = /^\d{1,3}(\.\d{1,3})?$/;

export function checkRegisterQuery(query: QueryParams): Checked<RegisterParams> {
  if (query.size > MAX_QUERY_PARAMS) return { ok: false, reason: `more than ${MAX_QUERY_PARAMS} query parameters` };
  const endpoint = query.get('ep');
  if (endpoint === undefined || endpoint === '') return { ok: false, reason: 'missing endpoint name (ep)' };
  // The endpoint name becomes a topic level (mountpoint ${endpoint_name}, the shared command filter).
  const badName = checkDeviceSuppliedName(endpoint);
  if (badName !== undefined) return { ok: false, reason: `endpoint name ${badName}` };
  const lwm2m = query.get('lwm2m');
  if (lwm2m === undefined) return { ok: false, reason: 'missing LwM2M version (lwm2m)' };
  // The constant from the list is kept, not the query's copy: one string for all registrations.
  const version = ACCEPTED_VERSIONS.find((v) => v === lwm2m);
  if (version === undefined) {
    // LwM2M 1.1 Transport §6.2 (Register): versions of server and client not compatible -> 4.12
    // Precondition Failed; a value that is no version at all is a bad parameter (4.00).
    const reason = `unsupported LwM2M version "${lwm2m}" (accepted: 1.0, 1.1, 1.2)`;
    return VERSION_FORMAT.test(lwm2m) ? { ok: false, reason, code: '4.12' } : { ok: false, reason };
  }
  const lt = checkLifetime(query.get('lt'));
  if (!lt.ok) return lt;
  const refusal = bindingRefusal(version, query.get('b'), query.get('Q'));
  if (refusal !== undefined) return { ok: false, reason: refusal };
  const binding = query.get('b') ?? 'U';
  return {
    ok: true,
    value: { endpoint, lifetime: lt.value ?? DEFAULT_LIFETIME_SECONDS, lwm2m: version, binding, queueMode: isQueueMode(binding, query), query },
  };
}

/** Update parameters (LwM2M 1.1 TS §6.2.2): all optional. */
export function checkUpdateQuery(query: QueryParams, lwm2m = '1.0'): Checked<{ lifetime: number | undefined }> {
  const lt = checkLifetime(query.get('lt'));
  if (!lt.ok) return lt;
  const refusal = bindingRefusal(lwm2m, query.get('b'), query.get('Q'));
  if (refusal !== undefined) return { ok: false, reason: refusal };
  return { ok: true, value: { lifetime: lt.value } };
}

function checkLifetime(text: string | undefined): Checked<number | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  if (!/^\d{1,10}$/.test(text)) return { ok: false, reason: `invalid lifetime (lt) "${text}"` };
  return { ok: true, value: Number(text) };
}

/** China Telecom NB-IoT PSM APNs that EMQX treats as queue ("cache") mode whatever the binding (lwm2m.md 2.9). */
const PSM_APNS: ReadonlySet<string> = new Set(['Ctnb', 'psmA.eDRX0.ctnb', 'psmC.eDRX0.ctnb', 'psmF.eDRXC.ctnb']);

/**
 * Queue mode: 1.0 bindings UQ, SQ, UQS (LwM2M 1.0 TS §5.3.1.1), the 1.1 `Q`
 * parameter, or (as EMQX, case90_psm_mode) an `apn` naming an NB-IoT PSM profile.
 */
export function isQueueMode(binding: string, query: Pick<QueryParams, 'has' | 'get'>): boolean {
  if (query.has('Q') || binding === 'UQ' || binding === 'SQ' || binding === 'UQS') return true;
  const apn = query.get('apn');
  return apn !== undefined && PSM_APNS.has(apn);
}

/**
 * Effective lifetime in ms: `lt=0` means lifetime_max (EMQX); otherwise
 * clamped into [lifetime_min, lifetime_max] (EMQX does not clamp).
 */
export function effectiveLifetimeMs(ltSeconds: number, minMs: number, maxMs: number): number {
  if (ltSeconds === 0) return maxMs;
  return Math.min(maxMs, Math.max(minMs, ltSeconds * 1000));
}
