import { CoapOption, firstOption, readUint, stringOptions, type CoapMessage } from '../../lwm2m/coap/message.js';
import { ContentFormat, decodeContent, encodeWrite, formatLinks, type Link, type WriteEntry } from '../../lwm2m/content/index.js';
import type { ModelRegistry } from '../../lwm2m/model/types.js';
import { formatPath, parsePath, pathDepth, type Lwm2mPath } from '../../lwm2m/path.js';
import type { Answer } from './coap-peer.js';
import { encodeCompositeValues } from './composite-content.js';
import { CompositeRequests } from './composite-requests.js';
import type { DeviceState } from './device-state.js';

/** Write-attributes of one path (LwM2M 1.1 Core §5.1.2): pmin / pmax in seconds, others kept as given. */
export type Attributes = Record<string, string>;

export interface Observation {
  readonly token: Buffer;
  /** One path, or the paths of an Observe-Composite (LwM2M 1.1 Core §6.4.4). */
  readonly paths: readonly Lwm2mPath[];
  readonly composite: boolean;
  readonly format: number;
  lastSentMs: number;
  lastSnapshot: string;
  sequence: number;
}

export interface HandledRequest {
  readonly answer: Answer;
  /** One line for the device's output: `read /3/0/0 -> 2.05`. */
  readonly summary: string;
}

const SUPPORTED_READ_FORMATS: ReadonlySet<number> = new Set([
  ContentFormat.TEXT,
  ContentFormat.OPAQUE,
  ContentFormat.CBOR,
  ContentFormat.SENML_JSON,
  ContentFormat.SENML_CBOR,
  ContentFormat.TLV,
  ContentFormat.LWM2M_JSON,
  ContentFormat.OLD_TLV,
  ContentFormat.OLD_JSON,
]);

/**
 * Answers the server's Device Management requests (LwM2M 1.1 Core §6.3,
 * Transport §6.4): Read, Discover, Write (replace / partial update),
 * Write-Attributes, Execute, Observe and Cancel Observation, and the
 * composite operations of LwM2M 1.1 (see CompositeRequests). Payloads are
 * encoded and decoded by the gateway's own content codecs.
 */
export class RequestHandler {
  readonly attributes = new Map<string, Attributes>();
  readonly observations = new Map<string, Observation>();
  readonly #composite: CompositeRequests;

  constructor(
    private readonly state: DeviceState,
    private readonly models: ModelRegistry,
    /** Whether the composite operations are offered (LwM2M 1.1 and later; a 1.0 device answers them 4.05). */
    private readonly compositeOperations = true,
  ) {
    this.#composite = new CompositeRequests(state, models, this.observations);
  }

  handle(req: CoapMessage): HandledRequest {
    const segments = stringOptions(req, CoapOption.URI_PATH).filter((s) => s !== '');
    const text = `/${segments.join('/')}`;
    // LwM2M 1.1 Transport §6.4: the composite operations address the root.
    if (req.code === '0.05' || req.code === '0.07') {
      if (!this.compositeOperations) return { answer: { code: '4.05' }, summary: `${req.code} ${text} -> 4.05 (no composite operations in LwM2M 1.0)` };
      if (segments.length > 0) return { answer: { code: '4.05' }, summary: `${req.code} ${text} -> 4.05 (composite operations address the root)` };
      return req.code === '0.05' ? this.#composite.fetch(req) : this.#composite.ipatch(req);
    }
    let path: Lwm2mPath;
    try {
      path = parsePath(text);
    } catch {
      return { answer: { code: '4.04' }, summary: `${req.code} ${text} -> 4.04 (not an LwM2M path)` };
    }
    const accept = readOptionalUint(req, CoapOption.ACCEPT);
    switch (req.code) {
      case '0.01': {
        if (accept === ContentFormat.LINK_FORMAT) return this.#discover(path);
        const observe = readOptionalUint(req, CoapOption.OBSERVE);
        return this.#read(path, accept, observe, req.token);
      }
      case '0.03':
        return req.payload.length === 0 && firstOption(req, CoapOption.CONTENT_FORMAT) === undefined
          ? this.#writeAttributes(path, stringOptions(req, CoapOption.URI_QUERY))
          : this.#write(path, req, 'write');
      case '0.02':
        return pathDepth(path) === 3 ? this.#execute(path) : this.#write(path, req, 'write (partial update)');
      case '0.04':
        return { answer: { code: '4.05' }, summary: `delete ${text} -> 4.05 (not supported by the simulator)` };
      default:
        return { answer: { code: '4.05' }, summary: `${req.code} ${text} -> 4.05` };
    }
  }

  /** Encodes the current values of an observation in its format; undefined when its paths are gone. */
  content(observation: Observation): Buffer | undefined {
    if (observation.composite) {
      const entries = this.#composite.values(observation.paths);
      return entries === undefined ? undefined : encodeCompositeValues(observation.format, entries);
    }
    const path = observation.paths[0];
    const entries = this.state.entries(path);
    if (entries === undefined) return undefined;
    return encodeRead(observation.format, path, entries);
  }

  /** A fingerprint of an observation's values, to tell whether a notification is due. */
  snapshot(observation: Observation): string {
    return this.#composite.snapshot(observation.paths);
  }

  /** The values of `paths` for a Send (LwM2M 1.1 Transport §6.5.1) in a composite format. */
  sendContent(paths: readonly Lwm2mPath[], format: number): { payload: Buffer; shown: string } | undefined {
    const entries = this.#composite.values(paths);
    if (entries === undefined || entries.length === 0) return undefined;
    return { payload: encodeCompositeValues(format, entries), shown: entries.map((e) => formatPath(e.path)).join(' ') };
  }

  #read(path: Lwm2mPath, accept: number | undefined, observe: number | undefined, token: Buffer): HandledRequest {
    const name = observe === 0 ? 'observe' : observe === 1 ? 'cancel observe' : 'read';
    const text = formatPath(path);
    const entries = this.state.entries(path);
    if (entries === undefined) return { answer: { code: '4.04' }, summary: `${name} ${text} -> 4.04` };
    const format = accept ?? defaultFormat(path, entries);
    if (!SUPPORTED_READ_FORMATS.has(format)) return { answer: { code: '4.06' }, summary: `${name} ${text} -> 4.06 (format ${format})` };
    let payload: Buffer;
    try {
      payload = encodeRead(format, path, entries);
    } catch {
      return { answer: { code: '4.06' }, summary: `${name} ${text} -> 4.06 (cannot give this path in format ${format})` };
    }
    const key = token.toString('hex');
    const options = [];
    if (observe === 0) {
      const observation: Observation = {
        token: Buffer.from(token),
        paths: [path],
        composite: false,
        format,
        lastSentMs: Date.now(),
        lastSnapshot: this.state.snapshot(path),
        sequence: 2,
      };
      this.observations.set(key, observation);
      options.push({ number: CoapOption.OBSERVE, value: Buffer.from([1]) });
    } else if (observe === 1) {
      this.observations.delete(key);
      for (const [k, o] of this.observations) if (!o.composite && formatPath(o.paths[0]) === text) this.observations.delete(k);
    }
    return { answer: { code: '2.05', format, payload, options }, summary: `${name} ${text} -> 2.05 (${formatName(format)})` };
  }

  #discover(path: Lwm2mPath): HandledRequest {
    const text = formatPath(path);
    const instances = [...this.state.instances.values()].filter(
      (i) => i.model.id === path.objectId && (path.instanceId === undefined || i.instanceId === path.instanceId),
    );
    if (instances.length === 0) return { answer: { code: '4.04' }, summary: `discover ${text} -> 4.04` };
    const links: Link[] = [];
    const withAttributes = (target: string, extra: Record<string, string> = {}): Link => ({
      target,
      attributes: { ...extra, ...(this.attributes.get(target) ?? {}) },
    });
    if (path.instanceId === undefined) links.push(withAttributes(`/${path.objectId}`));
    for (const instance of instances) {
      const instancePath = `/${instance.model.id}/${instance.instanceId}`;
      if (path.resourceId === undefined) links.push(withAttributes(instancePath));
      for (const resource of instance.model.resources.values()) {
        if (path.resourceId !== undefined && resource.id !== path.resourceId) continue;
        const state = instance.resources.get(resource.id);
        if (state === undefined && resource.operations !== 'E') continue;
        const dim: Record<string, string> = state?.instances === undefined ? {} : { dim: String(state.instances.size) };
        links.push(withAttributes(`${instancePath}/${resource.id}`, dim));
      }
    }
    if (links.length === 0) return { answer: { code: '4.04' }, summary: `discover ${text} -> 4.04` };
    return { answer: { code: '2.05', format: ContentFormat.LINK_FORMAT, payload: Buffer.from(formatLinks(links)) }, summary: `discover ${text} -> 2.05` };
  }

  #write(path: Lwm2mPath, req: CoapMessage, name: string): HandledRequest {
    const text = formatPath(path);
    if (path.instanceId === undefined) return { answer: { code: '4.05' }, summary: `${name} ${text} -> 4.05 (create is not supported)` };
    const format = readOptionalUint(req, CoapOption.CONTENT_FORMAT);
    let decoded;
    try {
      decoded = decodeContent(format, req.payload, path, this.models);
    } catch (err) {
      return { answer: { code: '4.00', payload: Buffer.from(err instanceof Error ? err.message : 'bad payload') }, summary: `${name} ${text} -> 4.00` };
    }
    for (const entry of decoded) {
      const target = parsePath(entry.path);
      if (this.state.resourceModel(target)?.operations.includes('W') !== true) {
        return { answer: { code: '4.05' }, summary: `${name} ${formatPath(target)} -> 4.05 (not writable)` };
      }
    }
    for (const entry of decoded) this.state.write(parsePath(entry.path), entry.value);
    const shown = decoded.map((e) => `${e.path.startsWith('/') ? e.path : `/${e.path}`}=${JSON.stringify(e.value)}`).join(' ');
    return { answer: { code: '2.04' }, summary: `${name} ${shown} -> 2.04` };
  }

  #writeAttributes(path: Lwm2mPath, query: readonly string[]): HandledRequest {
    const text = formatPath(path);
    const attributes = { ...(this.attributes.get(text) ?? {}) };
    for (const item of query) {
      const eq = item.indexOf('=');
      const name = eq < 0 ? item : item.slice(0, eq);
      // LwM2M 1.1 Core §5.1.2: a parameter without value removes the attribute.
      if (eq < 0) delete attributes[name];
      else attributes[name] = item.slice(eq + 1);
    }
    for (const name of ['pmin', 'pmax']) {
      const value = attributes[name];
      if (value !== undefined && !/^\d+$/.test(value)) return { answer: { code: '4.00' }, summary: `write-attributes ${text} -> 4.00 (${name}=${value})` };
    }
    this.attributes.set(text, attributes);
    return { answer: { code: '2.04' }, summary: `write-attributes ${text} ${query.join('&')} -> 2.04` };
  }

  #execute(path: Lwm2mPath): HandledRequest {
    const text = formatPath(path);
    if (!this.state.execute(path)) return { answer: { code: '4.05' }, summary: `execute ${text} -> 4.05 (not executable)` };
    return { answer: { code: '2.04' }, summary: `execute ${text} -> 2.04` };
  }

  /**
   * pmin / pmax of an observation. A composite one notifies as soon as the
   * first of its paths would: the smallest pmin and the smallest pmax among
   * its paths.
   */
  observationPeriods(observation: Observation): { pminMs: number; pmaxMs: number | undefined } {
    const all = observation.paths.map((p) => this.periods(p));
    const pmaxes = all.map((p) => p.pmaxMs).filter((p): p is number => p !== undefined);
    return { pminMs: Math.min(...all.map((p) => p.pminMs)), pmaxMs: pmaxes.length === 0 ? undefined : Math.min(...pmaxes) };
  }

  /** pmin / pmax in force for `path`: its own attributes, else its instance's, else its object's (Core §5.1.2). */
  periods(path: Lwm2mPath): { pminMs: number; pmaxMs: number | undefined } {
    const chain = [path, { objectId: path.objectId, instanceId: path.instanceId }, { objectId: path.objectId }];
    const find = (name: string): number | undefined => {
      for (const p of chain) {
        const v = this.attributes.get(formatPath(p))?.[name];
        if (v !== undefined) return Number(v) * 1000;
      }
      return undefined;
    };
    return { pminMs: find('pmin') ?? 0, pmaxMs: find('pmax') };
  }
}

function readOptionalUint(req: CoapMessage, number: number): number | undefined {
  const value = firstOption(req, number);
  return value === undefined ? undefined : readUint(value);
}

/** Text for one plain resource, TLV for anything larger (LwM2M 1.0 and 1.1 servers all read TLV). */
function defaultFormat(path: Lwm2mPath, entries: readonly WriteEntry[]): number {
  if (entries.length === 1 && pathDepth(path) >= 3 && formatPath(entries[0].path) === formatPath(path)) return ContentFormat.TEXT;
  return ContentFormat.TLV;
}

function encodeRead(format: number, path: Lwm2mPath, entries: readonly WriteEntry[]): Buffer {
  return encodeWrite(format, path, entries);
}

export function formatName(format: number): string {
  switch (format) {
    case ContentFormat.TEXT:
      return 'text/plain';
    case ContentFormat.TLV:
      return 'TLV';
    case ContentFormat.SENML_JSON:
      return 'SenML JSON';
    case ContentFormat.SENML_CBOR:
      return 'SenML CBOR';
    case ContentFormat.LWM2M_JSON:
      return 'LwM2M JSON';
    case ContentFormat.CBOR:
      return 'CBOR';
    case ContentFormat.OPAQUE:
      return 'opaque';
    default:
      return `format ${format}`;
  }
}
