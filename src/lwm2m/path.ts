import { GatewayError } from '../errors.js';

/** An LwM2M path `/oid[/iid[/rid[/riid]]]` (LwM2M 1.1 §7.3, Core TS "Object Model"). */
export interface Lwm2mPath {
  readonly objectId: number;
  readonly instanceId?: number | undefined;
  readonly resourceId?: number | undefined;
  readonly resourceInstanceId?: number | undefined;
}

const MAX_ID = 65535;

/**
 * Parses `/3/0/1`, `3/0/1`, `/3/0/` (trailing slash trimmed). Query strings
 * must be split off by the caller. Throws GW_ERR_PATH on anything else.
 */
export function parsePath(text: string): Lwm2mPath {
  const trimmed = text.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') throw new GatewayError('GW_ERR_PATH', `invalid path "${text}": empty`);
  const parts = trimmed.split('/');
  if (parts.length > 4) throw new GatewayError('GW_ERR_PATH', `invalid path "${text}": more than 4 segments`);
  const ids = parts.map((part) => {
    if (!/^\d{1,5}$/.test(part)) throw new GatewayError('GW_ERR_PATH', `invalid path "${text}": "${part}" is not a number`);
    const n = Number(part);
    if (n > MAX_ID) throw new GatewayError('GW_ERR_PATH', `invalid path "${text}": ${n} is above ${MAX_ID}`);
    return n;
  });
  return { objectId: ids[0], instanceId: ids[1], resourceId: ids[2], resourceInstanceId: ids[3] };
}

/** `/3/0/1`. */
export function formatPath(path: Lwm2mPath): string {
  let out = `/${path.objectId}`;
  if (path.instanceId === undefined) return out;
  out += `/${path.instanceId}`;
  if (path.resourceId === undefined) return out;
  out += `/${path.resourceId}`;
  if (path.resourceInstanceId === undefined) return out;
  return `${out}/${path.resourceInstanceId}`;
}

export function pathDepth(path: Lwm2mPath): 1 | 2 | 3 | 4 {
  if (path.instanceId === undefined) return 1;
  if (path.resourceId === undefined) return 2;
  if (path.resourceInstanceId === undefined) return 3;
  return 4;
}

/** Path segments as strings, for CoAP Uri-Path options. */
export function pathSegments(path: Lwm2mPath): string[] {
  return formatPath(path).slice(1).split('/');
}
