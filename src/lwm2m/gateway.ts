import { randomBytes } from 'node:crypto';
import type { Lwm2mConfig } from '../config/types.js';
import { formatPeer, type Logger } from '../log.js';
import type { BindAddress, Peer } from '../transport/bind.js';
import { listenerSpecs, openListeners, type OpenTransport } from '../transport/listeners.js';
import type { DatagramTransport } from '../transport/types.js';
import { admit } from '../security/admission.js';
import { PskStore } from '../security/psk-store.js';
import type { UpstreamConnector } from '../upstream/types.js';
import { GatewayError } from '../errors.js';
import { HealingSession, type HealingPolicy } from './bridge/healing-session.js';
import { Lwm2mBridge } from './bridge/lwm2m-bridge.js';
import { CoapEndpoint, type CoapEndpointStats } from './coap/coap-endpoint.js';
import type { CoapMessage } from './coap/message.js';
import type { ModelRegistry } from './model/types.js';
import { handleRdRequest } from './registration/rd-resource.js';
import { handleSendRequest, isSendRequest, type SendResourceDeps } from './reporting/send-resource.js';
import { Registrar } from './registration/registrar.js';
import { RegistrationStore } from './registration/store.js';
import type { BootstrapEntries } from './bootstrap/bootstrap-entry.js';
import { BootstrapListeners } from './bootstrap/bootstrap-listeners.js';
import type { ProvisionedCredentialSink } from './bootstrap/credential-sink.js';
import { ObserverSlot, type Lwm2mObserver } from './observer.js';

/** One bound listener: its configured name, its socket (datagram counters) and its CoAP endpoint (CoAP counters). */
export interface Lwm2mListenerInfo {
  /** The listener's name under lwm2m.listeners.udp / .dtls. */
  readonly name: string;
  readonly kind: 'udp' | 'dtls';
  readonly udp: DatagramTransport;
  readonly coap: CoapEndpoint;
}

/** Largest Block2-reassembled response body (EMQX blockwise.max_body_size default 4 MB). */
const MAX_BODY_SIZE = 4 * 1024 * 1024;
/** Period of the one sweep (registration expiry, queue age). */
const MAX_SWEEP_INTERVAL_MS = 1000;

/** Requests the gateway refused (bad names, limits, unknown paths...); each is logged at debug. */
export interface Lwm2mRequestStats {
  refusedRequests: number;
}

export interface Lwm2mGatewayOptions {
  readonly config: Lwm2mConfig;
  readonly upstream: UpstreamConnector;
  readonly models: ModelRegistry;
  readonly logger: Logger;
  /** PSK credentials for the DTLS listeners and the plain-listener rules (empty store: no credentials). */
  readonly credentials?: PskStore | undefined;
  /** Replaces the real sockets (tests: the in-memory transport). */
  readonly openTransport?: OpenTransport | undefined;
  /** How the bridge's broker session heals (defaults: upstream.client defaults, 10 min cap, 100 held publishes). */
  readonly reconnect?: HealingPolicy;
  /** The bootstrap server's entries (from lwm2m.bootstrap.config_file) and where provisioned PSKs go; absent = no bootstrap server. */
  readonly bootstrap?: { readonly entries: BootstrapEntries; readonly credentials: ProvisionedCredentialSink } | undefined;
}

const DEFAULT_HEALING: HealingPolicy = { maxReconnectIntervalMs: 10 * 60_000, offlineQueue: 100 };

/**
 * LwM2M 1.0/1.1 server and MQTT bridge (EMQX gateway.lwm2m contract):
 * UDP and DTLS listeners -> CoAP endpoint -> registration interface and downlink
 * executor; one shared broker session for all devices; one sweep timer.
 */
export class Lwm2mGateway {
  readonly #transports: DatagramTransport[];
  readonly #coap: CoapEndpoint[];
  readonly #session: HealingSession;
  readonly #sweepTimer: NodeJS.Timeout;
  readonly #logger: Logger;
  readonly store: RegistrationStore;
  readonly bridge: Lwm2mBridge;
  readonly stats: Lwm2mRequestStats;
  /** The bootstrap server, when lwm2m.bootstrap.config_file is set. */
  readonly bootstrap: BootstrapListeners | undefined;
  readonly models: ModelRegistry;
  readonly #names: string[];
  readonly #kinds: ('udp' | 'dtls')[];
  readonly #observer: ObserverSlot;
  #closed = false;

  private constructor(parts: {
    transports: DatagramTransport[];
    coap: CoapEndpoint[];
    names: string[];
    kinds: ('udp' | 'dtls')[];
    session: HealingSession;
    sweepTimer: NodeJS.Timeout;
    logger: Logger;
    store: RegistrationStore;
    bridge: Lwm2mBridge;
    stats: Lwm2mRequestStats;
    bootstrap: BootstrapListeners | undefined;
    models: ModelRegistry;
    observer: ObserverSlot;
  }) {
    this.#names = parts.names;
    this.#kinds = parts.kinds;
    this.models = parts.models;
    this.#observer = parts.observer;
    this.#transports = parts.transports;
    this.#coap = parts.coap;
    this.#session = parts.session;
    this.#sweepTimer = parts.sweepTimer;
    this.#logger = parts.logger;
    this.store = parts.store;
    this.bridge = parts.bridge;
    this.stats = parts.stats;
    this.bootstrap = parts.bootstrap;
  }

  /** The bridge's self-healing broker session (client id, loss / restore counters). */
  get upstreamSession(): HealingSession {
    return this.#session;
  }

  /** CoAP-level counters (malformed datagrams, bad options, duplicates...) over all listeners. */
  get coapStats(): CoapEndpointStats {
    const total: CoapEndpointStats = { malformed: 0, badOptions: 0, badBlocks: 0, duplicates: 0, retransmissions: 0, timeouts: 0 };
    for (const c of this.#coap) for (const key of Object.keys(total) as (keyof CoapEndpointStats)[]) total[key] += c.stats[key];
    return total;
  }

  static async start(opts: Lwm2mGatewayOptions): Promise<Lwm2mGateway> {
    const { config, models } = opts;
    const logger = opts.logger;
    const specs = listenerSpecs('lwm2m', config.listeners);
    if (specs.length === 0) throw new GatewayError('GW_ERR_CONFIG', 'lwm2m: no listener configured');
    const credentials = opts.credentials ?? new PskStore();
    const store = new RegistrationStore();
    const observer = new ObserverSlot();
    const stats: Lwm2mRequestStats = { refusedRequests: 0 };
    let bridge: Lwm2mBridge | undefined;
    const session = await HealingSession.open({
      connector: opts.upstream,
      clientId: `lwm2m-gateway-${randomBytes(6).toString('hex')}`,
      onMessage: (message) => bridge?.onUpstreamMessage(message),
      policy: opts.reconnect ?? DEFAULT_HEALING,
      logger,
    });
    const registrar = new Registrar({
      config,
      store,
      events: {
        registered: (reg, prev) => bridge?.registered(reg, prev),
        updated: (reg, hadLinks, prev) => bridge?.updated(reg, hadLinks, prev),
        deregistered: (reg, reason) => bridge?.deregistered(reg, reason),
      },
    });
    const transports: DatagramTransport[] = [];
    const coap: CoapEndpoint[] = [];
    let bootstrap: BootstrapListeners | undefined;
    /**
     * The registration at this address, unless it was made over a secured listener and this
     * datagram came in on another one, or from another identity (a plain datagram with a forged
     * source, or another device's DTLS session, must not act for a DTLS device: no lifetime
     * refresh, no Send, no notification).
     */
    const registrationAt = (peer: Peer, listener: number) => {
      const reg = store.byPeer(peer);
      if (reg === undefined || reg.auth.auth === 'none') return reg;
      // Secured: only through its listener, and only while the DTLS session at this address proves the same
      // identity (another device may have handshaken from the address since).
      if (reg.listener !== listener) return undefined;
      const security = transports[listener]?.securityOf(peer.address, peer.port);
      return security !== undefined && security.mode === reg.auth.auth && security.identity === reg.auth.identity ? reg : undefined;
    };
    // Downlinks leave from the listener the device last registered or updated through (reg.listener).
    bridge = new Lwm2mBridge({ config, session, store, models, endpointFor: (reg) => coap[reg.listener] ?? coap[0], logger, observer });
    try {
      // The shared command filter is in place before the first device can register.
      await bridge.start();
      const opened = await openListeners(
        specs,
        { logger, pskLookup: (identity) => credentials.keyFor(identity), open: opts.openTransport },
        (listener, msg, address, port) => coap[listener]?.handleDatagram(msg, address, port),
      );
      for (const [listener, { transport }] of opened.entries()) {
        transports.push(transport);
        const send: SendResourceDeps = {
          enabled: config.enable_send,
          registrationOf: (peer) => registrationAt(peer, listener),
          models,
          deliver: (reg, content) => bridge?.sent(reg, content),
          logger,
        };
        coap.push(
          new CoapEndpoint({
            send: (data, port, address) => {
              // A request of ours (command, observe) to a DTLS-registered device goes out only over a DTLS session
              // that still proves the device's identity, never to another device that took over its address.
              if (isCoapRequest(data)) {
                const peer = { address, port };
                const reg = store.byPeer(peer);
                if (reg !== undefined && reg.auth.auth !== 'none' && registrationAt(peer, listener) === undefined) return;
              }
              transport.send(data, port, address);
            },
            params: {
              ackTimeoutMs: config.coap.ack_timeout,
              ackRandomFactor: config.coap.ack_random_factor,
              maxRetransmit: config.coap.max_retransmit,
              maxBodySize: MAX_BODY_SIZE,
              maxRequestBodySize: config.max_link_payload,
              dedupBudgetBytes: config.coap.dedup_memory,
            },
            logger,
            handlers: {
              onActivity: (peer: Peer) => {
                const reg = registrationAt(peer, listener);
                if (reg === undefined) return;
                registrar.touch(reg);
                bridge?.deviceActive(reg);
              },
              onRequest: (msg: CoapMessage, peer: Peer) => {
                const gate = (endpoint: string) => {
                  const admission = admit(endpoint, transport.securityOf(peer.address, peer.port), credentials, config.plain_access);
                  if (!admission.ok)
                    logger.warn(
                      { peer: formatPeer(peer.address, peer.port), endpoint, listener: opened[listener]?.key, reason: admission.reason },
                      'refused (4.03)',
                    );
                  return admission;
                };
                const reply = isSendRequest(msg) ? handleSendRequest(msg, peer, send) : handleRdRequest(registrar, msg, peer, listener, gate);
                if (reply.reason !== undefined) stats.refusedRequests += 1;
                if (logger.isLevelEnabled('debug')) {
                  logger.debug(
                    { peer: formatPeer(peer.address, peer.port), code: msg.code, mid: msg.messageId, reply: reply.code, reason: reply.reason },
                    'request',
                  );
                }
                return reply;
              },
              onUnmatchedResponse: (msg: CoapMessage, peer: Peer) =>
                registrationAt(peer, listener) === undefined && store.byPeer(peer) !== undefined ? false : (bridge?.notification(msg) ?? false),
            },
          }),
        );
      }
      if (opts.bootstrap !== undefined && config.bootstrap !== undefined && config.bootstrap.config_file !== '') {
        bootstrap = await BootstrapListeners.start({
          config: config.bootstrap,
          coap: config.coap,
          entries: opts.bootstrap.entries,
          credentials: opts.bootstrap.credentials,
          events: bridge,
          logger,
          keys: credentials,
          openTransport: opts.openTransport,
        });
      }
    } catch (err) {
      await bootstrap?.close();
      await Promise.all(transports.map((t) => t.close()));
      await session.end();
      throw err;
    }
    const sweepTimer = setInterval(
      () => {
        registrar.sweep();
        bridge?.sweep();
        for (const c of coap) c.sweep();
      },
      Math.max(10, Math.min(MAX_SWEEP_INTERVAL_MS, config.lifetime_grace)),
    );
    sweepTimer.unref();
    const names = specs.map((spec) => spec.key.slice(spec.key.lastIndexOf('.') + 1));
    const kinds = specs.map((spec) => spec.kind);
    const gateway = new Lwm2mGateway({ transports, coap, names, kinds, session, sweepTimer, logger, store, bridge, stats, bootstrap, models, observer });
    logger.info({ listeners: gateway.addresses, upstream: opts.upstream.description }, 'gateway started');
    return gateway;
  }

  get addresses(): BindAddress[] {
    return this.#transports.map((t) => t.address);
  }

  /** The open listeners, plain ones first, then DTLS ones (config order). */
  get transports(): readonly DatagramTransport[] {
    return this.#transports;
  }

  /** Bound listeners with their counters. */
  get listeners(): Lwm2mListenerInfo[] {
    return this.#transports.map((udp, index) => ({
      name: this.#names[index] ?? String(index),
      kind: this.#kinds[index] ?? 'udp',
      udp,
      coap: this.#coap[index],
    }));
  }

  /** One observer (the HTTP layer) sees registrations, answers and notifications. */
  observe(observer: Lwm2mObserver | undefined): void {
    this.#observer.current = observer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    await this.bootstrap?.close();
    await Promise.all(this.#coap.map((c) => c.close()));
    await Promise.all(this.#transports.map((t) => t.close()));
    await this.#session.end();
    this.#logger.info('gateway closed');
  }
}

/** RFC 7252 §3: code class 0 with a non-zero detail is a request (0.00 is an empty message). */
function isCoapRequest(datagram: Buffer): boolean {
  const code = datagram[1] ?? 0;
  return code >= 0x01 && code <= 0x1f;
}
