import { CoapOption, firstOption, readUint, type CoapMessage } from '../../lwm2m/coap/message.js';
import { decodeCompositeContent, isCompositeFormat } from '../../lwm2m/content/composite.js';
import type { WriteEntry } from '../../lwm2m/content/index.js';
import type { ModelRegistry } from '../../lwm2m/model/types.js';
import { formatPath, parsePath, type Lwm2mPath } from '../../lwm2m/path.js';
import { decodePathList, encodeCompositeValues } from './composite-content.js';
import type { DeviceState } from './device-state.js';
import { formatName, type HandledRequest, type Observation } from './request-handler.js';

/**
 * The LwM2M 1.1 composite operations addressed to the device's root (Core
 * §6.3.8 Read-Composite, §6.3.9 Write-Composite, §6.4.4 Observe-Composite and
 * Cancel Observation-Composite; Transport §6.4): FETCH (RFC 8132 0.05)
 * with a SenML path list, iPATCH (0.07) with SenML values. Only SenML JSON
 * and SenML CBOR carry them (Transport §7.4.7, §7.4.8).
 */
export class CompositeRequests {
  constructor(
    private readonly state: DeviceState,
    private readonly models: ModelRegistry,
    private readonly observations: Map<string, Observation>,
  ) {}

  /** Read-Composite, or with Observe 0 / 1 Observe-Composite / Cancel Observation-Composite. */
  fetch(req: CoapMessage): HandledRequest {
    const observe = optionalUint(req, CoapOption.OBSERVE);
    const name = observe === 0 ? 'observe-composite' : observe === 1 ? 'cancel observe-composite' : 'read-composite';
    const format = optionalUint(req, CoapOption.CONTENT_FORMAT);
    // RFC 7252 §5.10.3: a payload format the device does not take is 4.15.
    if (format === undefined || !isCompositeFormat(format)) return { answer: { code: '4.15' }, summary: `${name} -> 4.15 (format ${format ?? 'none'})` };
    const accept = optionalUint(req, CoapOption.ACCEPT) ?? format;
    if (!isCompositeFormat(accept)) return { answer: { code: '4.06' }, summary: `${name} -> 4.06 (format ${accept})` };
    let paths: Lwm2mPath[];
    try {
      paths = decodePathList(format, req.payload);
    } catch (err) {
      return { answer: { code: '4.00', payload: Buffer.from(reason(err)) }, summary: `${name} -> 4.00 (${reason(err)})` };
    }
    const shown = paths.map(formatPath).join(' ');
    const entries = this.values(paths);
    if (entries === undefined) return { answer: { code: '4.04' }, summary: `${name} ${shown} -> 4.04` };
    let payload: Buffer;
    try {
      payload = encodeCompositeValues(accept, entries);
    } catch (err) {
      return { answer: { code: '5.00' }, summary: `${name} ${shown} -> 5.00 (${reason(err)})` };
    }
    const key = req.token.toString('hex');
    const options = [];
    const set = pathSet(paths);
    if (observe === 0) {
      // Observing the same set of paths again replaces the earlier observation.
      for (const [k, o] of this.observations) if (o.composite && pathSet(o.paths) === set) this.observations.delete(k);
      this.observations.set(key, {
        token: Buffer.from(req.token),
        paths,
        composite: true,
        format: accept,
        lastSentMs: Date.now(),
        lastSnapshot: this.snapshot(paths),
        sequence: 2,
      });
      options.push({ number: CoapOption.OBSERVE, value: Buffer.from([1]) });
    } else if (observe === 1) {
      // RFC 7641 §3.6: the cancel carries the observation's token.
      this.observations.delete(key);
      for (const [k, o] of this.observations) if (o.composite && pathSet(o.paths) === set) this.observations.delete(k);
    }
    return { answer: { code: '2.05', format: accept, payload, options }, summary: `${name} ${shown} -> 2.05 (${formatName(accept)})` };
  }

  /** Write-Composite: every value is checked before any is stored (all or nothing). */
  ipatch(req: CoapMessage): HandledRequest {
    const format = optionalUint(req, CoapOption.CONTENT_FORMAT);
    if (format === undefined || !isCompositeFormat(format))
      return { answer: { code: '4.15' }, summary: `write-composite -> 4.15 (format ${format ?? 'none'})` };
    let decoded;
    try {
      decoded = decodeCompositeContent(format, req.payload, (o, r) => this.models.resource(o, r));
    } catch (err) {
      return { answer: { code: '4.00', payload: Buffer.from(reason(err)) }, summary: `write-composite -> 4.00 (${reason(err)})` };
    }
    if (decoded.length === 0) return { answer: { code: '4.00' }, summary: 'write-composite -> 4.00 (no values)' };
    const targets = decoded.map((e) => ({ path: parsePath(e.path), value: e.value }));
    for (const { path, value } of targets) {
      const where = formatPath(path);
      if (this.state.instance(path.objectId, path.instanceId ?? -1) === undefined)
        return { answer: { code: '4.04' }, summary: `write-composite ${where} -> 4.04` };
      if (this.state.resourceModel(path)?.operations.includes('W') !== true)
        return { answer: { code: '4.05' }, summary: `write-composite ${where} -> 4.05 (not writable)` };
      if (value === null) return { answer: { code: '4.00' }, summary: `write-composite ${where} -> 4.00 (no value)` };
    }
    for (const { path, value } of targets) this.state.write(path, value);
    const shown = targets.map((t) => `${formatPath(t.path)}=${JSON.stringify(t.value)}`).join(' ');
    return { answer: { code: '2.04' }, summary: `write-composite ${shown} -> 2.04` };
  }

  /** The values below every existing path (duplicates once); undefined when none of the paths exists. */
  values(paths: readonly Lwm2mPath[]): WriteEntry[] | undefined {
    const byPath = new Map<string, WriteEntry>();
    let found = false;
    for (const path of paths) {
      const entries = this.state.entries(path);
      if (entries === undefined) continue;
      found = true;
      for (const entry of entries) byPath.set(formatPath(entry.path), entry);
    }
    return found ? [...byPath.values()] : undefined;
  }

  /** A fingerprint of the values of all paths, to tell whether a notification is due. */
  snapshot(paths: readonly Lwm2mPath[]): string {
    return paths.map((p) => this.state.snapshot(p)).join('|');
  }
}

/** A composite observation is identified by its set of paths, in any order. */
function pathSet(paths: readonly Lwm2mPath[]): string {
  return [...new Set(paths.map(formatPath))].sort().join(' ');
}

function optionalUint(req: CoapMessage, number: number): number | undefined {
  const value = firstOption(req, number);
  return value === undefined ? undefined : readUint(value);
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
