import { Decoder } from 'cbor-x';
import { Lwm2mTestDevice, pathOf, uint, uintOptionOf, type DeviceMessage, type Reply } from './lwm2m-device.js';

/**
 * The client side of the LwM2M bootstrap interface for tests: sends
 * Bootstrap-Request, then answers the server's Discover / Delete / Write /
 * Finish as a client would (or as a test scripts it), and decodes the
 * Security and Server instances it was written. The decoders here are
 * written independently of the gateway's codecs, so a bug in those cannot
 * hide itself.
 */

/** Security object instance (LwM2M 1.1 TS Core E.1) as the client stores it. */
export interface WrittenSecurity {
  readonly uri: string;
  readonly bootstrap: boolean;
  readonly mode: number;
  readonly identity: Buffer;
  readonly serverKey: Buffer;
  readonly secret: Buffer;
  readonly ssid: number;
}

/** Server object instance (LwM2M 1.1 TS Core E.2). */
export interface WrittenServer {
  readonly ssid: number;
  readonly lifetime: number;
  readonly notificationStoring: boolean;
  readonly binding: string;
}

export interface BootstrapRun {
  /** Every request the server sent, in order, as `METHOD /path` (`DELETE /0`, `PUT /0/1`, `POST /bs`, `GET /`). */
  readonly operations: string[];
  /** Content-Format of each write, by path. */
  readonly writeFormats: Map<string, number | undefined>;
  readonly security: Map<number, WrittenSecurity>;
  readonly server: Map<number, WrittenServer>;
  /** The answer sent to Bootstrap-Finish. */
  finishCode: string | undefined;
  /** Block1 blocks received (RFC 7959 §2.5), over all writes. */
  blocks: number;
}

export interface BootstrapScript {
  /** Answer to Bootstrap-Discover (`GET /`), link format. */
  readonly discover?: string;
  /** Answer to Bootstrap-Finish (default 2.04). */
  readonly finish?: Reply;
  /** Stop answering at the first request whose `METHOD /path` equals this (the device went away). */
  readonly silentAt?: string;
  /** Answer the request whose `METHOD /path` equals the key with this reply, or RST; then stop serving. */
  readonly failAt?: { readonly operation: string; readonly reply: Reply | 'reset' };
}

const METHODS: Record<string, string> = { '0.01': 'GET', '0.02': 'POST', '0.03': 'PUT', '0.04': 'DELETE' };

export class BootstrapTestClient {
  readonly device: Lwm2mTestDevice;

  private constructor(device: Lwm2mTestDevice) {
    this.device = device;
  }

  static async open(bootstrapServer: { host: string; port: number }): Promise<BootstrapTestClient> {
    return new BootstrapTestClient(await Lwm2mTestDevice.open(bootstrapServer));
  }

  /** `POST /bs?ep=...[&pct=...]`; resolves with the server's piggy-backed answer. */
  request(ep: string | undefined, extraQuery: readonly string[] = []): Promise<DeviceMessage> {
    const query = [...(ep === undefined ? [] : [`ep=${ep}`]), ...extraQuery];
    return this.device.request('0.02', ['bs'], query);
  }

  /**
   * Answers the server's requests until Bootstrap-Finish has been answered
   * (or, with `silentAt`, until that request arrived and was left unanswered).
   */
  async serve(script: BootstrapScript = {}, timeoutMs = 3000): Promise<BootstrapRun> {
    const run: BootstrapRun = { operations: [], writeFormats: new Map(), security: new Map(), server: new Map(), finishCode: undefined, blocks: 0 };
    let upload: Buffer[] = [];
    for (;;) {
      const req = await this.device.expectRequest(timeoutMs);
      const operation = `${METHODS[req.code] ?? req.code} ${pathOf(req)}`;
      run.operations.push(operation);
      if (operation === script.silentAt) return run;
      if (operation === script.failAt?.operation) {
        const reply = script.failAt.reply;
        if (reply === 'reset') this.device.reset(req);
        else this.device.respond(req, reply);
        return run;
      }
      if (operation === 'POST /bs') {
        const reply = script.finish ?? { code: '2.04' };
        run.finishCode = reply.code;
        this.device.respond(req, reply);
        return run;
      }
      if (req.code === '0.01') {
        this.device.respond(req, { code: '2.05', format: 40, payload: script.discover ?? '</0/0>,</1>,</3/0>' });
      } else if (req.code === '0.04') {
        this.device.respond(req, { code: '2.02' });
      } else if (req.code === '0.03') {
        const block1 = req.options.find((o) => o.number === 27);
        if (block1 !== undefined) {
          // RFC 7959 §2.5: collect the blocks in order; 2.31 Continue until the last (M = 0).
          const n = block1.value.length === 0 ? 0 : block1.value.readUIntBE(0, block1.value.length);
          if (n >> 4 !== upload.length) throw new Error(`Block1 NUM ${n >> 4} out of order`);
          upload.push(req.payload);
          run.blocks += 1;
          if ((n & 0x08) !== 0) {
            run.operations.pop(); // one write, however many blocks
            this.device.respond(req, { code: '2.31', extraOptions: [{ number: 27, value: uint(n) }] });
            continue;
          }
          const whole = { ...req, payload: Buffer.concat(upload) };
          upload = [];
          this.#storeWrite(whole, run);
          this.device.respond(req, { code: '2.04', extraOptions: [{ number: 27, value: uint(n) }] });
          continue;
        }
        this.#storeWrite(req, run);
        this.device.respond(req, { code: '2.04' });
      } else {
        this.device.respond(req, { code: '4.05' });
      }
    }
  }

  #storeWrite(req: DeviceMessage, run: BootstrapRun): void {
    const path = pathOf(req);
    const format = uintOptionOf(req, 12);
    run.writeFormats.set(path, format);
    const [objectId, instanceId] = path.split('/').slice(1).map(Number);
    if (objectId === undefined || instanceId === undefined) throw new Error(`write to ${path} is not an object instance`);
    const resources =
      format === 110
        ? decodeSenmlJsonInstance(req.payload, path)
        : format === 112
          ? decodeSenmlCborInstance(req.payload, path)
          : decodeTlvInstance(req.payload, instanceId);
    const get = (rid: number): Buffer => {
      const value = resources.get(rid);
      if (value === undefined) throw new Error(`write to ${path} lacks resource ${rid}`);
      return value;
    };
    if (objectId === 0) {
      run.security.set(instanceId, {
        uri: get(0).toString('utf8'),
        bootstrap: readBoolean(get(1)),
        mode: readInteger(get(2)),
        identity: get(3),
        serverKey: get(4),
        secret: get(5),
        ssid: readInteger(get(10)),
      });
    } else if (objectId === 1) {
      run.server.set(instanceId, {
        ssid: readInteger(get(0)),
        lifetime: readInteger(get(1)),
        notificationStoring: readBoolean(get(6)),
        binding: get(7).toString('utf8'),
      });
    }
  }

  close(): Promise<void> {
    return this.device.close();
  }
}

// ---------------------------------------------------------------- TLV (LwM2M 1.0 TS §6.4.3)

interface TlvItem {
  readonly kind: number;
  readonly id: number;
  readonly value: Buffer;
}

function parseTlvItems(buf: Buffer): TlvItem[] {
  const items: TlvItem[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const type = buf[pos++];
    const kind = type >> 6;
    const id = type & 0x20 ? buf.readUInt16BE((pos += 2) - 2) : buf[pos++];
    const lengthType = (type >> 3) & 0x03;
    let length = type & 0x07;
    if (lengthType > 0) {
      length = buf.readUIntBE(pos, lengthType);
      pos += lengthType;
    }
    if (pos + length > buf.length) throw new Error('TLV truncated');
    items.push({ kind, id, value: buf.subarray(pos, pos + length) });
    pos += length;
  }
  return items;
}

/** Resource id -> value bytes; accepts resource TLVs or one object-instance TLV around them. */
function decodeTlvInstance(payload: Buffer, instanceId: number): Map<number, Buffer> {
  let items = parseTlvItems(payload);
  const first = items[0];
  if (items.length === 1 && first !== undefined && first.kind === 0) {
    if (first.id !== instanceId) throw new Error(`TLV instance ${first.id} written to instance ${instanceId}`);
    items = parseTlvItems(first.value);
  }
  const out = new Map<number, Buffer>();
  for (const item of items) {
    if (item.kind !== 3) throw new Error(`unexpected TLV kind ${item.kind} for resource ${item.id}`);
    out.set(item.id, item.value);
  }
  return out;
}

// ---------------------------------------------------------------- SenML JSON and CBOR (RFC 8428)

/** RFC 8428 §6: SenML CBOR labels -> the JSON names. */
const CBOR_LABELS = new Map<unknown, string>([
  [-2, 'bn'],
  [0, 'n'],
  [2, 'v'],
  [3, 'vs'],
  [4, 'vb'],
  [8, 'vd'],
]);

function decodeSenmlCborInstance(payload: Buffer, path: string): Map<number, Buffer> {
  const records = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(payload) as Map<unknown, unknown>[];
  const json = records.map((record) => {
    const out: Record<string, unknown> = {};
    for (const [label, value] of record) {
      const name = CBOR_LABELS.get(label);
      if (name === undefined) throw new Error(`SenML CBOR label ${String(label)} not expected here`);
      // SenML CBOR carries Opaque as a byte string (JSON uses base64url text).
      out[name] = name === 'vd' && Buffer.isBuffer(value) ? value.toString('base64url') : value;
    }
    return out;
  });
  return senmlRecordsToResources(json, path);
}

/** Resource id -> value bytes in TLV form (so every format decodes the same way below). */
function decodeSenmlJsonInstance(payload: Buffer, path: string): Map<number, Buffer> {
  return senmlRecordsToResources(JSON.parse(payload.toString('utf8')) as Record<string, unknown>[], path);
}

function senmlRecordsToResources(records: readonly Record<string, unknown>[], path: string): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let bn = '';
  for (const r of records) {
    if (typeof r['bn'] === 'string') bn = r['bn'];
    const name = bn + (typeof r['n'] === 'string' ? r['n'] : '');
    if (!name.startsWith(`${path}/`)) throw new Error(`SenML record ${name} is not below ${path}`);
    const rid = Number(name.slice(path.length + 1));
    if (typeof r['vs'] === 'string') out.set(rid, Buffer.from(r['vs'], 'utf8'));
    else if (typeof r['vb'] === 'boolean') out.set(rid, Buffer.from([r['vb'] ? 1 : 0]));
    else if (typeof r['v'] === 'number' || typeof r['v'] === 'bigint') out.set(rid, int64(Number(r['v'])));
    else if (typeof r['vd'] === 'string') out.set(rid, Buffer.from(r['vd'], 'base64url'));
    else throw new Error(`SenML record ${name} has no value`);
  }
  return out;
}

function int64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}

function readInteger(b: Buffer): number {
  if (![1, 2, 4, 8].includes(b.length)) throw new Error(`integer of ${b.length} bytes`);
  return b.length === 8 ? Number(b.readBigInt64BE(0)) : b.readIntBE(0, b.length);
}

function readBoolean(b: Buffer): boolean {
  if (b.length !== 1 || (b[0] !== 0 && b[0] !== 1)) throw new Error('boolean is not one byte 0 or 1');
  return b[0] === 1;
}
