import type { JsonObject } from '../bridge/command.js';
import type { Lwm2mPath } from '../path.js';

/** One established observation (RFC 7641): the token the device notifies with. */
export interface Observation {
  readonly tokenKey: string;
  readonly endpoint: string;
  /** The observed path; undefined for an Observe-Composite (then `composite` is set). */
  readonly path: Lwm2mPath | undefined;
  /** Observe-Composite (LwM2M 1.1 TS §6.4.4): the observed paths and the SenML format asked for. */
  readonly composite?: { readonly paths: readonly Lwm2mPath[]; readonly format: number } | undefined;
  /** `/3/0/10` (or compositeObservationKey for a composite), for cancel-observe matching. */
  readonly pathKey: string;
  /** The observe command's reqPath and echoed keys, repeated in every notify. */
  readonly reqPath: string;
  readonly echo: JsonObject;
  /** notifyPrefix(echo), computed at the first notification (null: echo needs the object path). */
  notifyPrefix?: string | null | undefined;
  /** Last accepted Observe value and when it arrived (RFC 7641 §3.4 freshness). */
  lastSeq: number | undefined;
  lastAt: number;
  /** Token of the GET fetching the rest of a Block2 notification (RFC 7959 §2.6), if one is under way. */
  fetching?: Buffer | undefined;
}

const SEQ_HALF = 2 ** 23;
/** RFC 7641 §3.4: after 128 s any notification counts as fresh. */
const FRESHNESS_MS = 128_000;

/** RFC 7641 §3.4: is a notification with Observe value `seq` newer than the last one accepted? */
export function isFresh(obs: Observation, seq: number, now: number): boolean {
  const last = obs.lastSeq;
  if (last === undefined) return true;
  return (last < seq && seq - last < SEQ_HALF) || (last > seq && last - seq > SEQ_HALF) || now > obs.lastAt + FRESHNESS_MS;
}

/** token -> observation, and endpoint -> its tokens (for cancel and deregister). */
export class ObservationStore {
  readonly #byToken = new Map<string, Observation>();
  readonly #byEndpoint = new Map<string, Set<string>>();

  get size(): number {
    return this.#byToken.size;
  }

  add(obs: Observation): void {
    this.#byToken.set(obs.tokenKey, obs);
    let set = this.#byEndpoint.get(obs.endpoint);
    if (set === undefined) {
      set = new Set();
      this.#byEndpoint.set(obs.endpoint, set);
    }
    set.add(obs.tokenKey);
  }

  get(tokenKey: string): Observation | undefined {
    return this.#byToken.get(tokenKey);
  }

  remove(tokenKey: string): void {
    const obs = this.#byToken.get(tokenKey);
    if (obs === undefined) return;
    this.#byToken.delete(tokenKey);
    const set = this.#byEndpoint.get(obs.endpoint);
    set?.delete(tokenKey);
    if (set?.size === 0) this.#byEndpoint.delete(obs.endpoint);
  }

  /** Paths a device is observed on (read-only view for the HTTP API). */
  pathsOf(endpoint: string): string[] {
    const out: string[] = [];
    for (const token of this.#byEndpoint.get(endpoint) ?? []) {
      const obs = this.#byToken.get(token);
      if (obs !== undefined) out.push(obs.pathKey);
    }
    return out;
  }

  /** The token of a device's observation of a path (for an RFC 7641 §3.6 deregistration), if any. */
  tokenFor(endpoint: string, pathKey: string): string | undefined {
    for (const token of this.#byEndpoint.get(endpoint) ?? []) if (this.#byToken.get(token)?.pathKey === pathKey) return token;
    return undefined;
  }

  /** Removes the observations of one path of a device (cancel-observe). */
  removePath(endpoint: string, pathKey: string): number {
    let n = 0;
    for (const token of [...(this.#byEndpoint.get(endpoint) ?? [])]) {
      if (this.#byToken.get(token)?.pathKey === pathKey) {
        this.remove(token);
        n += 1;
      }
    }
    return n;
  }

  /** Forgets every observation of a device (de-registration, expiry, re-registration). */
  removeEndpoint(endpoint: string): void {
    for (const token of this.#byEndpoint.get(endpoint) ?? []) this.#byToken.delete(token);
    this.#byEndpoint.delete(endpoint);
  }
}
