import type { PlainAccess } from '../config/types.js';
import type { AuthMode, PeerSecurity } from '../transport/types.js';
import type { PskStore } from './psk-store.js';

/** How a device proved who it is, as events and views report it (no secrets). */
export interface DeviceAuth {
  readonly auth: AuthMode;
  readonly identity?: string | undefined;
}

/** The one `none` value every plain registration shares. */
export const NO_AUTH: DeviceAuth = Object.freeze({ auth: 'none' });

export type Admission = { readonly ok: true; readonly auth: DeviceAuth } | { readonly ok: false; readonly reason: string };

/**
 * May a peer register (LwM2M endpoint name) or connect (MQTT-SN client id)
 * as `name`? A DTLS identity may only use its own name (the PSK identity or
 * the certificate CN), or the one its PSK entry binds it to (LwM2M 1.1
 * §7.1.3: the server compares the endpoint name with the identity proven in
 * DTLS). Without a proven identity the plain rules apply: a name that has
 * credentials must use DTLS, and `plain_access: none` refuses everyone.
 */
export function admit(name: string, security: PeerSecurity | undefined, store: PskStore, plainAccess: PlainAccess): Admission {
  if (security !== undefined) {
    const allowed = security.mode === 'psk' ? (store.nameFor(security.identity) ?? security.identity) : security.identity;
    if (allowed !== name) return { ok: false, reason: `${security.mode} identity "${security.identity}" may not use the name "${name}"` };
    return { ok: true, auth: { auth: security.mode, identity: security.identity } };
  }
  if (plainAccess === 'none') return { ok: false, reason: 'plain access is off (plain_access: none)' };
  if (store.isSecured(name)) return { ok: false, reason: `"${name}" has credentials: DTLS required` };
  return { ok: true, auth: NO_AUTH };
}
