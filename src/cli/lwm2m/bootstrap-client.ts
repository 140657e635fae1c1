import { CoapOption, firstOption, readUint, stringOptions, type CoapMessage } from '../../lwm2m/coap/message.js';
import { ContentFormat, decodeContent, type JsonValue } from '../../lwm2m/content/index.js';
import type { ModelRegistry } from '../../lwm2m/model/types.js';
import { parsePath } from '../../lwm2m/path.js';
import { CoapPeer, type Answer } from './coap-peer.js';

/** The LwM2M server account a bootstrap server wrote (Security /0 and Server /1 instances). */
export interface BootstrapAccount {
  readonly host: string;
  readonly port: number;
  readonly lifetime: number | undefined;
}

/** LwM2M Security Mode 3: NoSec (Core §E.1, resource /0/x/2). */
const SECURITY_MODE_NOSEC = 3;
/** How long a bootstrap sequence may take before the device gives up. */
const BOOTSTRAP_TIMEOUT_MS = 60_000;

/**
 * Client-initiated bootstrap (LwM2M 1.1 Core §5.2.7): Bootstrap-Request
 * `POST /bs?ep=`, then the server's Discover, Delete and Write requests on
 * the Security (0) and Server (1) objects are answered and kept, and
 * Bootstrap-Finish `POST /bs` ends it. Returns the server account to register
 * with. Only NoSec accounts can be used: the simulator speaks plain CoAP.
 */
export async function bootstrap(host: string, port: number, endpoint: string, models: ModelRegistry, log: (line: string) => void): Promise<BootstrapAccount> {
  const peer = await CoapPeer.open(host, port);
  const objects = new Map<string, Map<number, JsonValue>>();
  try {
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${endpoint}: bootstrap not finished within ${BOOTSTRAP_TIMEOUT_MS / 1000} s`)), BOOTSTRAP_TIMEOUT_MS);
      peer.onRequest = (req) => {
        const { answer, summary, finish } = handle(req, objects, models);
        log(`${endpoint}: bootstrap ${summary}`);
        if (finish) {
          clearTimeout(timer);
          setImmediate(resolve);
        }
        return answer;
      };
    });
    const answer = await peer.request({ code: '0.02', path: ['bs'], query: [`ep=${endpoint}`] });
    if (answer.code !== '2.04') throw new Error(`${endpoint}: Bootstrap-Request answered ${answer.code}`);
    await finished;
  } finally {
    await peer.close();
  }
  return accountOf(objects, endpoint);
}

function handle(req: CoapMessage, objects: Map<string, Map<number, JsonValue>>, models: ModelRegistry): { answer: Answer; summary: string; finish: boolean } {
  const segments = stringOptions(req, CoapOption.URI_PATH).filter((s) => s !== '');
  const text = `/${segments.join('/')}`;
  if (req.code === '0.02' && text === '/bs') return { answer: { code: '2.04' }, summary: 'finish -> 2.04', finish: true };
  if (req.code === '0.04') {
    // Bootstrap-Delete (Core §5.2.7.5): "/" or an object or an instance.
    for (const key of [...objects.keys()]) if (text === '/' || `/${key}`.startsWith(`${text}/`) || `/${key}` === text) objects.delete(key);
    return { answer: { code: '2.02' }, summary: `delete ${text} -> 2.02`, finish: false };
  }
  if (req.code === '0.01') {
    const links = [...new Set(['0', '1', ...objects.keys()])].map((k) => `</${k}>`).join(',');
    return {
      answer: { code: '2.05', format: ContentFormat.LINK_FORMAT, payload: Buffer.from(`</>;lwm2m=1.1,${links}`) },
      summary: `discover ${text} -> 2.05`,
      finish: false,
    };
  }
  if (req.code === '0.03') {
    try {
      const path = parsePath(text);
      const formatBytes = firstOption(req, CoapOption.CONTENT_FORMAT);
      const format = formatBytes === undefined ? undefined : readUint(formatBytes);
      for (const entry of decodeContent(format, req.payload, path, models)) {
        const p = parsePath(entry.path);
        const key = `${p.objectId}/${p.instanceId ?? 0}`;
        const resources = objects.get(key) ?? new Map<number, JsonValue>();
        if (p.resourceId !== undefined) resources.set(p.resourceId, entry.value);
        objects.set(key, resources);
      }
      return { answer: { code: '2.04' }, summary: `write ${text} -> 2.04`, finish: false };
    } catch (err) {
      return { answer: { code: '4.00' }, summary: `write ${text} -> 4.00 (${err instanceof Error ? err.message : String(err)})`, finish: false };
    }
  }
  return { answer: { code: '4.05' }, summary: `${req.code} ${text} -> 4.05`, finish: false };
}

function accountOf(objects: Map<string, Map<number, JsonValue>>, endpoint: string): BootstrapAccount {
  for (const [key, security] of objects) {
    if (!key.startsWith('0/') || security.get(1) === true) continue;
    const uri = security.get(0);
    if (typeof uri !== 'string') continue;
    if (security.get(2) !== SECURITY_MODE_NOSEC) {
      throw new Error(`${endpoint}: the bootstrap server gave a secured account (${uri}); snlw device speaks plain CoAP only`);
    }
    const url = new URL(uri);
    const shortId = security.get(10);
    const server = [...objects.entries()].find(([k, r]) => k.startsWith('1/') && r.get(0) === shortId)?.[1];
    const lifetime = server?.get(1);
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 5683 : Number(url.port),
      lifetime: typeof lifetime === 'number' ? lifetime : undefined,
    };
  }
  throw new Error(`${endpoint}: the bootstrap server wrote no LwM2M server account`);
}
