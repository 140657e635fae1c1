import type { JsonObject } from '../bridge/command.js';
import { isSensitiveKey } from './register-query.js';
import type { Registration } from './registration.js';

/**
 * `data` of the register / update events (lwm2m.md 2.3): every query
 * parameter as a string except `lt` (a number), secrets removed, then
 * `objectList` and `alternatePath` when the device ever sent links, and
 * `objectVersions` when links carried `ver=`.
 */
export function registrationData(reg: Registration): JsonObject {
  const data: JsonObject = {};
  for (const [key, value] of reg.query) {
    if (isSensitiveKey(key)) continue;
    data[key] = key === 'lt' ? Number(value) : value;
  }
  data.ep = reg.endpoint;
  data.lt = reg.lifetime;
  data.lwm2m = reg.lwm2m;
  // How the device proved its name (never a key): none, psk or x509, and the identity.
  data.auth = reg.auth.auth;
  if (reg.auth.identity !== undefined) data.identity = reg.auth.identity;
  if (reg.objects !== undefined) {
    data.alternatePath = reg.objects.alternatePath;
    data.objectList = [...reg.objects.objectList];
    // Not in EMQX: the object versions announced with `ver=` (LwM2M 1.1 / 1.2), e.g. {"3": "1.2"}.
    if (reg.objects.versions.size > 0) data.objectVersions = Object.fromEntries([...reg.objects.versions].map(([oid, ver]) => [String(oid), ver]));
  }
  return data;
}

export function registerEvent(reg: Registration): JsonObject {
  return { msgType: 'register', data: registrationData(reg) };
}

export function updateEvent(reg: Registration): JsonObject {
  return { msgType: 'update', data: registrationData(reg) };
}

/** Not in EMQX: de-registration and lifetime expiry. */
export function deregisterEvent(reg: Registration, reason: 'deregister' | 'expired'): JsonObject {
  return { msgType: 'deregister', data: { ep: reg.endpoint, reason } };
}
