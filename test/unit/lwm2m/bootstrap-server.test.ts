import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import type { OutboundRequest, RequestCallbacks } from '../../../src/lwm2m/coap/coap-endpoint.js';
import type { CoapMessage } from '../../../src/lwm2m/coap/message.js';
import { BootstrapEntries, type BootstrapEntry } from '../../../src/lwm2m/bootstrap/bootstrap-entry.js';
import { BootstrapServer, type BootstrapListenerLink } from '../../../src/lwm2m/bootstrap/bootstrap-server.js';
import { InMemoryProvisionedCredentials } from '../../../src/lwm2m/bootstrap/credential-sink.js';

const ENTRY: BootstrapEntry = {
  name: 'dev1',
  serverUri: 'coaps://gw:5684',
  securityMode: 'psk',
  pskIdentity: undefined,
  pskKey: Buffer.from('k'),
  certificate: undefined,
  privateKey: undefined,
  serverCertificate: undefined,
  shortServerId: 1,
  lifetime: 300,
  binding: 'U',
  notificationStoring: true,
  delete: [],
  discover: false,
  securityInstance: 1,
  serverInstance: 0,
};

function bootstrapRequest(ep: string): CoapMessage {
  return {
    type: 'CON',
    code: '0.02',
    messageId: 1,
    token: Buffer.from([1]),
    options: [
      { number: 11, value: Buffer.from('bs') },
      { number: 15, value: Buffer.from(`ep=${ep}`) },
    ],
    payload: Buffer.alloc(0),
  };
}

function setup(): {
  server: BootstrapServer;
  link: BootstrapListenerLink;
  sent: { request: OutboundRequest; callbacks: RequestCallbacks }[];
  events: unknown[];
  credentials: InMemoryProvisionedCredentials;
} {
  const sent: { request: OutboundRequest; callbacks: RequestCallbacks }[] = [];
  const events: unknown[] = [];
  const credentials = new InMemoryProvisionedCredentials();
  const server = new BootstrapServer({
    entries: new BootstrapEntries([ENTRY]),
    credentials,
    events: { publishBootstrapEvent: (_ep, _peer, event) => events.push(event) },
    sessionTimeoutMs: 60_000,
    logger: silentLogger(),
  });
  const link: BootstrapListenerLink = {
    send: (_peer, request, callbacks) => {
      sent.push({ request, callbacks });
      return Buffer.from([sent.length]);
    },
    cancel: () => undefined,
    maxSessions: 10,
  };
  return { server, link, sent, events, credentials };
}

const PEER = { address: '192.0.2.1', port: 5000 };
const ok = (code: string): CoapMessage => ({ type: 'ACK', code, messageId: 1, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) });

describe('BootstrapServer', () => {
  it('refuses an ep other than the one the DTLS identity is bound to: 4.00, nothing published or sent', async () => {
    const { server, link, sent, events } = setup();
    expect(server.handleRequest(bootstrapRequest('dev1'), PEER, 0, link, 'dev2')).toEqual({ code: '4.00' });
    await Promise.resolve();
    expect(sent).toEqual([]);
    expect(events).toEqual([]);
    expect(server.activeSessions).toBe(0);
  });

  it('runs the sequence for a matching identity and stores the credential only after Finish succeeded', async () => {
    const { server, link, sent, events, credentials } = setup();
    expect(server.handleRequest(bootstrapRequest('dev1'), PEER, 0, link, 'dev1').code).toBe('2.04');
    // The first request leaves after the 2.04 (a microtask later).
    expect(sent).toHaveLength(0);
    await Promise.resolve();
    expect(sent.map((s) => s.request.code)).toEqual(['0.03']);
    sent[0]?.callbacks.onResponse(ok('2.04'), 0);
    sent[1]?.callbacks.onResponse(ok('2.04'), 0);
    expect(sent.map((s) => s.request.code)).toEqual(['0.03', '0.03', '0.02']);
    expect(credentials.get('dev1')).toBeUndefined();
    sent[2]?.callbacks.onResponse(ok('2.04'), 0);
    expect(credentials.get('dev1')).toEqual({ key: Buffer.from('k'), endpoint: 'dev1' });
    expect(events.map((e) => (e as { msgType: string }).msgType)).toEqual(['bootstrap-request', 'bootstrap-finished']);
    expect(server.activeSessions).toBe(0);
  });

  it('close() ends sequences silently and refuses new requests with 5.03', async () => {
    const { server, link, sent, events } = setup();
    server.handleRequest(bootstrapRequest('dev1'), PEER, 0, link);
    await Promise.resolve();
    server.close();
    sent[0]?.callbacks.onResponse(ok('2.04'), 0);
    expect(sent).toHaveLength(1);
    expect(events.map((e) => (e as { msgType: string }).msgType)).toEqual(['bootstrap-request']);
    expect(server.handleRequest(bootstrapRequest('dev1'), PEER, 0, link).code).toBe('5.03');
  });
});
