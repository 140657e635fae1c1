import { isIPv6 } from 'node:net';
import type { MqttSnConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { formatPeer } from '../log.js';
import type { UdpListenerConfig } from '../config/types.js';
import { admit, type Admission, type DeviceAuth } from '../security/admission.js';
import { PskStore } from '../security/psk-store.js';
import type { BindAddress } from '../transport/bind.js';
import { listenerSpecs, openListeners, type ListenerSpec, type OpenTransport } from '../transport/listeners.js';
import type { DatagramTransport } from '../transport/types.js';
import type { UpstreamConnector } from '../upstream/types.js';
import { MsgType } from './codec/constants.js';
import { generatePacket, parsePacket } from './codec/index.js';
import type { MqttSnPacket } from './codec/types.js';
import type { GatewayContext } from './context.js';
import { Dispatcher } from './dispatch.js';
import { createSessionProcessor } from './handlers/index.js';
import { endSession, expireSession } from './lifecycle.js';
import { Delivery } from './outbound.js';
import { logPacket } from './packet-log.js';
import { wheelResolutionMs } from './parameters.js';
import { describePeer, type SnPeer } from './peer.js';
import type { Session } from './session.js';
import { SessionTable } from './session-table.js';
import { SessionState, isConnected, isHandshake, isTerminal } from './session-state.js';
import { MqttSnStats } from './stats.js';
import { nextDeadline, onSessionDeadline } from './supervision.js';
import { TimerWheel } from './timers.js';
import { PredefinedTopics } from './topic-registry.js';
import { UpstreamLinks } from './upstream-link.js';

/** Read-only view of the gateway's activity for the HTTP API and dashboard (not called per packet). */
export interface MqttSnObserver {
  onTransition(session: Session, from: SessionState): void;
  /** A client is being kicked through the API (its state changes follow). */
  onKick(session: Session): void;
}

/** One bound listener: its configured name, address and datagram counters. */
export interface MqttSnListenerInfo {
  /** The listener's name under mqttsn.listeners.udp / .dtls. */
  readonly name: string;
  readonly kind: 'udp' | 'dtls';
  readonly endpoint: DatagramTransport;
}

export interface MqttSnGatewayOptions {
  readonly config: MqttSnConfig;
  readonly upstream: UpstreamConnector;
  readonly logger: Logger;
  /** PSK credentials for the DTLS listeners and the plain-listener rules (empty store: no credentials). */
  readonly credentials?: PskStore | undefined;
  /** Replaces the real sockets (tests: the in-memory transport). */
  readonly openTransport?: OpenTransport | undefined;
}

/** Invalid UTF-8 in names reaches the handlers, which answer it with the message's return code. */
const PARSE_OPTIONS = { keepInvalidUtf8: true } as const;

/** Room for the forwarder encapsulation header (§5.5) on top of max_message_size. */
const ENCAPSULATION_ALLOWANCE = 255;

/**
 * The MQTT-SN v1.2 gateway: UDP listeners, discovery (ADVERTISE / GWINFO),
 * the session table, one timer wheel for every client's deadlines, and the
 * per-client broker sessions.
 */
export class MqttSnGateway implements GatewayContext {
  readonly config: MqttSnConfig;
  readonly logger: Logger;
  readonly stats = new MqttSnStats();
  readonly table: SessionTable;
  readonly predefined: PredefinedTopics;
  readonly upstream: UpstreamConnector;
  readonly delivery: Delivery;
  readonly links: UpstreamLinks;
  readonly debug: boolean;
  readonly listenerConfigs: readonly UdpListenerConfig[];
  readonly #specs: readonly ListenerSpec[];
  readonly #credentials: PskStore;
  readonly #openTransport: OpenTransport | undefined;
  readonly #endpoints: DatagramTransport[] = [];
  #observer: MqttSnObserver | undefined;
  readonly #wheel: TimerWheel<Session>;
  readonly #dispatcher: Dispatcher;
  #advertiseTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: MqttSnGatewayOptions) {
    const { config, upstream, logger } = options;
    this.config = config;
    this.logger = logger;
    this.upstream = upstream;
    this.debug = logger.isLevelEnabled('debug');
    this.#specs = listenerSpecs('mqttsn', config.listeners);
    this.listenerConfigs = this.#specs.map((spec) => spec.udp);
    this.#credentials = options.credentials ?? new PskStore();
    this.#openTransport = options.openTransport;
    this.table = new SessionTable(this.#specs.length);
    this.predefined = new PredefinedTopics(config.predefined);
    this.delivery = new Delivery(this);
    this.links = new UpstreamLinks(config, upstream, logger, {
      onMessage: (session, message) => this.delivery.accept(session, message),
      onClosed: (session, reason) => this.#onUpstreamClosed(session, reason),
    });
    const shortest = Math.min(config.retry_interval, config.idle_timeout, 1000 * config.keepalive_multiplier);
    this.#wheel = new TimerWheel<Session>(wheelResolutionMs(shortest), (session, now) => onSessionDeadline(this, session, now));
    const limits = {
      maxInflight: config.max_inflight,
      bufferSize: config.sleep_buffer_size,
      onTransition: (session: Session, from: SessionState) => this.#observer?.onTransition(session, from),
    };
    this.#dispatcher = new Dispatcher(this, limits, createSessionProcessor(this));
  }

  static async start(options: MqttSnGatewayOptions): Promise<MqttSnGateway> {
    const gateway = new MqttSnGateway(options);
    await gateway.#listen();
    return gateway;
  }

  /** Bound addresses, one per listener (port 0 resolved). */
  get addresses(): BindAddress[] {
    return this.#endpoints.map((endpoint) => endpoint.address);
  }

  /** Bound listeners with their names and datagram counters. */
  get listeners(): MqttSnListenerInfo[] {
    return this.#endpoints.map((endpoint, index) => {
      const spec = this.#specs[index];
      return { name: spec?.key.slice(spec.key.lastIndexOf('.') + 1) ?? String(index), kind: spec?.kind ?? 'udp', endpoint };
    });
  }

  /** One observer (the HTTP layer) is told of session state changes. */
  observe(observer: MqttSnObserver | undefined): void {
    this.#observer = observer;
  }

  /**
   * Kicks a client (HTTP DELETE): DISCONNECT to the device, broker session
   * ended without its will, session state discarded. False when unknown.
   */
  kick(clientId: string): boolean {
    const session = this.table.byClientId(clientId);
    if (session === undefined || isTerminal(session.state)) return false;
    this.logger.info({ clientId }, 'MQTT-SN client kicked');
    this.#observer?.onKick(session);
    if (session.state === SessionState.Disconnected) {
      expireSession(this, session);
      return true;
    }
    session.enqueue({
      type: 'signal',
      name: 'kicked',
      run: async (s) => {
        if (s.attached && !isTerminal(s.state) && s.state !== SessionState.Disconnected) this.send(s.peer, { type: MsgType.DISCONNECT });
        await endSession(this, s, 'kicked');
      },
    });
    return true;
  }

  /** The open listeners, plain ones first, then DTLS ones (config order). */
  get transports(): readonly DatagramTransport[] {
    return this.#endpoints;
  }

  /** Connected (or kept) client sessions. */
  get sessionCount(): number {
    return this.table.size;
  }

  now(): number {
    return Date.now();
  }

  send(peer: SnPeer, packet: MqttSnPacket): boolean {
    let data: Buffer;
    try {
      data = generatePacket(peer.nodeId === undefined ? packet : { type: MsgType.ENCAPSULATED, radius: 0, wirelessNodeId: peer.nodeId, message: packet });
    } catch (err) {
      this.stats.dropped += 1;
      if (this.debug) this.logger.debug({ err, type: packet.type }, 'packet could not be encoded');
      return false;
    }
    if (data.length > this.config.max_message_size + (peer.nodeId === undefined ? 0 : ENCAPSULATION_ALLOWANCE)) {
      this.stats.dropped += 1;
      if (this.debug) this.logger.debug({ type: packet.type, size: data.length }, 'packet above max_message_size not sent');
      return false;
    }
    const endpoint = this.#endpoints[peer.listener];
    if (endpoint === undefined) return false;
    endpoint.send(data, peer.port, peer.address);
    this.stats.datagramsOut += 1;
    this.stats.outByType[packet.type] = (this.stats.outByType[packet.type] ?? 0) + 1;
    if (this.debug) logPacket(this.logger, 'out', peer, packet);
    return true;
  }

  admit(peer: SnPeer, clientId: string): Admission {
    const security = this.#endpoints[peer.listener]?.securityOf(peer.address, peer.port);
    const admission = admit(clientId, security, this.#credentials, this.config.plain_access);
    if (!admission.ok) {
      this.logger.warn(
        { peer: describePeer(peer), clientId, listener: this.#specs[peer.listener]?.key, reason: admission.reason },
        'MQTT-SN CONNECT refused (0x03)',
      );
    }
    return admission;
  }

  provesIdentity(listener: number, address: string, port: number, auth: DeviceAuth): boolean {
    const security = this.#endpoints[listener]?.securityOf(address, port);
    return security !== undefined && security.mode === auth.auth && security.identity === auth.identity;
  }

  reschedule(session: Session): void {
    const at = nextDeadline(this, session);
    if (at !== undefined) this.#wheel.schedule(session, at);
  }

  unschedule(session: Session): void {
    this.#wheel.cancel(session);
  }

  redispatch(peer: SnPeer, packet: MqttSnPacket): void {
    this.#dispatcher.route(peer.listener, peer.address, peer.port, peer.nodeId, packet);
  }

  /** Stops listening, disconnects every client (DISCONNECT + broker session ended), closes the sockets. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #listen(): Promise<void> {
    const opened = await openListeners(
      this.#specs,
      { logger: this.logger, pskLookup: (identity) => this.#credentials.keyFor(identity), open: this.#openTransport, listeningMessage: 'MQTT-SN listening' },
      (listener, msg, address, port) => this.#onDatagram(listener, msg, address, port),
    );
    for (const { transport } of opened) this.#endpoints.push(transport);
    this.#wheel.start();
    if (this.config.broadcast) this.#startAdvertising();
  }

  #onDatagram(listener: number, msg: Buffer, address: string, port: number): void {
    if (this.#closing !== undefined) return;
    const stats = this.stats;
    stats.datagramsIn += 1;
    const encapsulated = msg.length > 1 && msg[0] !== 0x01 && msg[1] === MsgType.ENCAPSULATED;
    const oversize = msg.length > this.config.max_message_size + (encapsulated ? ENCAPSULATION_ALLOWANCE : 0);
    let packet: MqttSnPacket;
    try {
      packet = parsePacket(msg, PARSE_OPTIONS);
    } catch (err) {
      if (oversize) stats.oversize += 1;
      else stats.malformed += 1;
      if (this.debug)
        this.logger.debug(
          { peer: formatPeer(address, port), err, size: msg.length },
          oversize ? 'datagram above max_message_size dropped' : 'malformed datagram dropped',
        );
      return;
    }
    let nodeId: Buffer | undefined;
    if (packet.type === MsgType.ENCAPSULATED) {
      nodeId = packet.wirelessNodeId;
      packet = packet.message;
    }
    if (oversize) {
      stats.oversize += 1;
      if (this.debug) this.logger.debug({ peer: formatPeer(address, port), size: msg.length }, 'datagram above max_message_size dropped');
      // An oversize PUBLISH from a connected client is not silently lost: it is
      // answered PUBACK 0x03 "rejected: not supported" (§5.3.10 return codes;
      // §5.4.13 PUBACK also answers a PUBLISH of any QoS in error), so the client does not
      // retransmit it N_RETRY times and then give up on the gateway. Congestion
      // (0x01) would invite a pointless retry of the same message after T_WAIT.
      if (packet.type === MsgType.PUBLISH) this.#dispatcher.rejectOversizePublish(listener, address, port, nodeId, packet);
      return;
    }
    stats.inByType[packet.type] = (stats.inByType[packet.type] ?? 0) + 1;
    if (this.debug) logPacket(this.logger, 'in', { address, port, nodeId }, packet);
    try {
      this.#dispatcher.route(listener, address, port, nodeId, packet);
    } catch (err) {
      this.logger.error({ err }, 'MQTT-SN dispatch failed');
    }
  }

  /** §6.1 / §7.2 T_ADV: ADVERTISE every advertise_duration to the configured broadcast address. */
  #startAdvertising(): void {
    const duration = Math.min(0xffff, Math.round(this.config.advertise_duration / 1000));
    const advertise = (): void => {
      const data = generatePacket({ type: MsgType.ADVERTISE, gwId: this.config.gateway_id, duration });
      for (const endpoint of this.#endpoints) {
        if (endpoint.kind === 'dtls') continue; // discovery is plain UDP broadcast
        if (isIPv6(endpoint.address.host) !== isIPv6(this.config.broadcast_address)) continue;
        endpoint.send(data, this.config.broadcast_port, this.config.broadcast_address);
        this.stats.datagramsOut += 1;
        this.stats.outByType[MsgType.ADVERTISE] = (this.stats.outByType[MsgType.ADVERTISE] ?? 0) + 1;
      }
    };
    for (const endpoint of this.#endpoints) {
      try {
        endpoint.setBroadcast(true);
      } catch (err) {
        this.logger.warn({ err }, 'could not enable broadcast on the MQTT-SN socket');
      }
    }
    advertise();
    this.#advertiseTimer = setInterval(advertise, this.config.advertise_duration);
  }

  #onUpstreamClosed(session: Session, reason: Error | undefined): void {
    if (isTerminal(session.state)) return;
    this.logger.info({ clientId: session.clientId, reason: reason?.message }, 'broker ended the MQTT-SN client session');
    session.upstream = undefined;
    session.enqueue({
      type: 'signal',
      name: 'upstream-closed',
      run: async (s) => {
        if (s.attached && s.state !== SessionState.Disconnected) this.send(s.peer, { type: MsgType.DISCONNECT });
        await endSession(this, s, 'upstream-closed');
      },
    });
  }

  async #shutdown(): Promise<void> {
    if (this.#advertiseTimer !== undefined) clearInterval(this.#advertiseTimer);
    this.#wheel.stop();
    const sessions = new Set<Session>([...this.table.values(), ...this.table.handshakes()]);
    const ending: Promise<void>[] = [];
    for (const session of sessions) {
      if (session.attached && (isHandshake(session.state) || isConnected(session.state))) {
        this.send(session.peer, { type: MsgType.DISCONNECT });
      }
      this.table.remove(session);
      session.transition(SessionState.Closed, this.now());
      ending.push(this.links.end(session));
    }
    await Promise.allSettled(ending);
    await this.links.close();
    await Promise.allSettled(this.#endpoints.map((endpoint) => endpoint.close()));
    this.logger.info({ sessions: sessions.size }, 'MQTT-SN gateway stopped');
  }
}
