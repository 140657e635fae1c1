import type { Logger } from '../../log.js';
import { formatPeer } from '../../log.js';
import { peerKey, type BindAddress } from '../bind.js';
import type { DatagramHandler, DatagramTransport, PeerSecurity, TransportCounters } from '../types.js';
import { openUdpEndpoint, type UdpIo, type UdpSocketEndpoint } from '../open-udp.js';
import { CookieJar } from './cookie-jar.js';
import { dtlsNative, type DtlsNative, type NativeContext, type NativeContextOptions, type NativeSession } from './native.js';
import { isClientHello, packRecords } from './records.js';
import { SourceRateLimit } from '../source-rate.js';

/** Largest datagram the engine writes (handshake fragments included); fits IPv6's 1280-byte minimum MTU. */
const DATAGRAM_MTU = 1200;
/** RFC 6347 §4.1 / RFC 5246 §6.2.1: a record carries at most 2^14 bytes of plaintext. */
const MAX_PLAINTEXT = 16_384;
/** Handshake deadlines are checked this often. */
const SWEEP_MS = 250;

/** What the engine needs to build a server context (ciphers, certificates, PSK lookup): the native options as they are. */
export type DtlsCredentialsOptions = NativeContextOptions;

export interface DtlsEndpointOptions {
  readonly bind: BindAddress;
  /** Config key of the listener, for logs (`lwm2m.listeners.dtls.default`). */
  readonly name: string;
  readonly logger: Logger;
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  /** Socket I/O under the DTLS records (the listener's `io`). */
  readonly io?: UdpIo;
  /** Sessions (established and in handshake) this listener holds at most. */
  readonly maxConnections: number;
  /** Handshakes in progress at most (state exists only after the cookie round trip). */
  readonly maxHandshakes: number;
  /** A handshake not finished within this is dropped with its state. */
  readonly handshakeTimeoutMs: number;
  /** Handshakes one source IP may start per second (token bucket, burst = 2x); 0 = no limit. */
  readonly handshakeRatePerSource: number;
  /**
   * When the listener holds maxConnections sessions, a new verified handshake takes the place of
   * the session heard from least recently, if that was at least this long ago (ms).
   */
  readonly staleSessionMs?: number;
  readonly credentials: DtlsCredentialsOptions;
}

export interface DtlsStats {
  helloVerifyRequests: number;
  handshakesStarted: number;
  handshakesCompleted: number;
  handshakesFailed: number;
  handshakeTimeouts: number;
  /** ClientHellos refused by the per-source rate limit. */
  rateLimited: number;
  /** ClientHellos refused because max_connections or the handshake bound was reached. */
  overCapacity: number;
  /** Established sessions dropped, quiet for staleSessionMs, to make room for a new one on a full listener. */
  staleEvictions: number;
  /** Datagrams from peers without a session that are not a ClientHello. */
  strayDatagrams: number;
  /** Outbound messages above one record's plaintext limit, not sent. */
  oversizeSends: number;
}

interface DtlsSession {
  readonly native: NativeSession;
  readonly address: string;
  readonly port: number;
  readonly key: string;
  readonly startedAt: number;
  /** Date.now() of the last datagram from the peer. */
  lastHeardAt: number;
  established: boolean;
  security: PeerSecurity | undefined;
  retransmit: NodeJS.Timeout | undefined;
}

/**
 * A DTLS 1.2 server listener (RFC 6347) over one UDP socket. Per-peer
 * sessions are demultiplexed by address and port here; the OpenSSL engine
 * (native/dtls.c) only sees one datagram at a time through memory BIOs.
 *
 * Before a peer returns a valid cookie nothing is stored for it: ClientHellos
 * are answered with a HelloVerifyRequest, which is smaller than the
 * ClientHello, so the listener cannot be used as an amplifier (§4.2.1).
 * After the cookie, handshakes are bounded in number, in rate per source
 * address, and in time.
 */
export class DtlsEndpoint implements DatagramTransport {
  readonly kind = 'dtls';
  readonly stats: DtlsStats = {
    helloVerifyRequests: 0,
    handshakesStarted: 0,
    handshakesCompleted: 0,
    handshakesFailed: 0,
    handshakeTimeouts: 0,
    rateLimited: 0,
    overCapacity: 0,
    staleEvictions: 0,
    strayDatagrams: 0,
    oversizeSends: 0,
  };
  readonly #native: DtlsNative;
  readonly #context: NativeContext;
  readonly #options: DtlsEndpointOptions;
  readonly #logger: Logger;
  readonly #onDatagram: DatagramHandler;
  readonly #cookies = new CookieJar();
  readonly #rate: SourceRateLimit;
  readonly #sessions = new Map<string, DtlsSession>();
  readonly #handshaking = new Set<DtlsSession>();
  #listener: NativeSession;
  #lastCipher: string | undefined;
  #udp: UdpSocketEndpoint | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: DtlsEndpointOptions, onDatagram: DatagramHandler) {
    this.#native = dtlsNative();
    this.#options = options;
    this.#logger = options.logger;
    this.#onDatagram = onDatagram;
    const c = options.credentials;
    this.#context = this.#native.createContext({
      ciphers: c.ciphers,
      certfile: c.certfile,
      keyfile: c.keyfile,
      cacertfile: c.cacertfile,
      verifyPeer: c.verifyPeer,
      failIfNoPeerCert: c.failIfNoPeerCert,
      pskLookup: c.pskLookup,
    });
    this.#listener = this.#native.newSession(this.#context, DATAGRAM_MTU);
    this.#rate = new SourceRateLimit(options.handshakeRatePerSource, Math.max(1, 2 * options.handshakeRatePerSource));
  }

  /** Throws (before binding) when the certificate, key or cipher list cannot be used. */
  static async open(options: DtlsEndpointOptions, onDatagram: DatagramHandler): Promise<DtlsEndpoint> {
    const endpoint = new DtlsEndpoint(options, onDatagram);
    endpoint.#udp = await openUdpEndpoint(
      { bind: options.bind, recvBufferSize: options.recvBufferSize, sendBufferSize: options.sendBufferSize, logger: options.logger, name: options.name },
      (msg, address, port) => endpoint.#onUdp(msg, address, port),
      options.io,
    );
    endpoint.#sweep = setInterval(() => endpoint.#expireHandshakes(Date.now()), SWEEP_MS);
    endpoint.#sweep.unref();
    return endpoint;
  }

  get address(): BindAddress {
    return (this.#udp as UdpSocketEndpoint).address;
  }

  /** Datagrams and bytes through the socket under the DTLS records (handshakes, alerts and application data alike). */
  get counters(): TransportCounters | undefined {
    return this.#udp?.counters;
  }

  get sendErrors(): number {
    return this.#udp?.sendErrors ?? 0;
  }

  /** Established sessions plus handshakes in progress. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Cipher suite of the most recent completed handshake (OpenSSL name), for diagnostics. */
  get lastCipher(): string | undefined {
    return this.#lastCipher;
  }

  get handshakeCount(): number {
    return this.#handshaking.size;
  }

  securityOf(address: string, port: number): PeerSecurity | undefined {
    const session = this.#sessions.get(peerKey(address, port));
    return session?.established === true ? session.security : undefined;
  }

  setBroadcast(_flag: boolean): void {
    // DTLS is unicast (RFC 6347 has no multicast); discovery broadcasts go out on plain listeners only.
  }

  /** Encrypts one application datagram to an established session; dropped otherwise. */
  send(data: Buffer, port: number, address: string): void {
    if (this.#closed) return;
    const session = this.#sessions.get(peerKey(address, port));
    if (session === undefined || !session.established) return;
    if (data.length > MAX_PLAINTEXT) {
      // One message is one record (CoAP over DTLS, RFC 7252 §9.1); OpenSSL would fail the session.
      this.stats.oversizeSends += 1;
      return;
    }
    let out: Buffer | undefined;
    try {
      out = this.#native.write(session.native, data);
    } catch {
      return;
    }
    this.#transmit(session.address, session.port, out);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    for (const session of [...this.#sessions.values()]) this.#drop(session, true);
    this.#native.close(this.#listener, false);
    await this.#udp?.close();
  }

  #onUdp(msg: Buffer, address: string, port: number): void {
    if (this.#closed) return;
    const key = peerKey(address, port);
    const session = this.#sessions.get(key);
    // RFC 6347 §4.2.8: an epoch-0 ClientHello from the address of an established
    // session (the client rebooted or lost its state) goes through the cookie
    // exchange again; the old session is replaced once the cookie is verified.
    if (session !== undefined && !(session.established && isClientHello(msg))) {
      // Map order is kept as "heard from least recently" first, for #evictStale.
      session.lastHeardAt = Date.now();
      this.#sessions.delete(key);
      this.#sessions.set(key, session);
      this.#feed(session, msg);
      return;
    }
    if (!isClientHello(msg)) {
      this.stats.strayDatagrams += 1;
      return;
    }
    this.#hello(msg, address, port, key, session);
  }

  #hello(msg: Buffer, address: string, port: number, key: string, previous: DtlsSession | undefined): void {
    const [cookie, previousCookie] = this.#cookies.cookies(address, port);
    const [accepted, out] = this.#native.listen(this.#listener, msg, cookie, previousCookie);
    if (!accepted) {
      if (out !== undefined) {
        this.stats.helloVerifyRequests += 1;
        this.#transmit(address, port, out);
      }
      return;
    }
    // The cookie proved the address: only now is state made, within the bounds.
    const full = previous === undefined && this.#sessions.size >= this.#options.maxConnections && !this.#evictStale(Date.now());
    if (full || this.#handshaking.size >= this.#options.maxHandshakes) {
      this.stats.overCapacity += 1;
      this.#renewListener();
      return;
    }
    if (!this.#rate.take(address)) {
      this.stats.rateLimited += 1;
      this.#renewListener();
      return;
    }
    if (previous !== undefined) this.#drop(previous, false);
    const session: DtlsSession = {
      native: this.#listener,
      address,
      port,
      key,
      startedAt: Date.now(),
      lastHeardAt: Date.now(),
      established: false,
      security: undefined,
      retransmit: undefined,
    };
    this.#listener = this.#native.newSession(this.#context, DATAGRAM_MTU);
    this.#sessions.set(key, session);
    this.#handshaking.add(session);
    this.stats.handshakesStarted += 1;
    this.#feed(session, undefined);
  }

  /**
   * Makes room for one session by dropping the established session heard from least recently,
   * if it has been quiet for staleSessionMs (a device that went away, or came back from another
   * address or port after a NAT rebinding, leaves its session behind). False when none qualifies.
   */
  #evictStale(now: number): boolean {
    const staleMs = this.#options.staleSessionMs;
    if (staleMs === undefined) return false;
    for (const session of this.#sessions.values()) {
      if (!session.established) continue;
      if (now - session.lastHeardAt < staleMs) return false;
      this.stats.staleEvictions += 1;
      this.#logger.info(
        { listener: this.#options.name, peer: formatPeer(session.address, session.port), idleMs: now - session.lastHeardAt },
        'DTLS session heard from least recently dropped to make room (listener full)',
      );
      this.#drop(session, true);
      return true;
    }
    return false;
  }

  /** The listener object holds a verified ClientHello that will not be served: start over with a clean one. */
  #renewListener(): void {
    this.#native.close(this.#listener, false);
    this.#listener = this.#native.newSession(this.#context, DATAGRAM_MTU);
  }

  #feed(session: DtlsSession, msg: Buffer | undefined): void {
    const [state, out, records, error] = this.#native.handshake(session.native, msg);
    this.#transmit(session.address, session.port, out);
    if (state === -1) {
      if (!session.established) {
        this.stats.handshakesFailed += 1;
        this.#logger.info({ listener: this.#options.name, peer: formatPeer(session.address, session.port), reason: error }, 'DTLS handshake failed');
      } else if (this.#logger.isLevelEnabled('debug')) {
        this.#logger.debug({ listener: this.#options.name, peer: formatPeer(session.address, session.port), reason: error }, 'DTLS session ended');
      }
      this.#drop(session, false);
      return;
    }
    if (state === 1 && !session.established) this.#established(session);
    if (!session.established) this.#armRetransmit(session);
    for (const record of records) {
      if (this.#sessions.get(session.key) !== session) return;
      this.#onDatagram(record, session.address, session.port);
    }
  }

  #established(session: DtlsSession): void {
    session.established = true;
    this.#handshaking.delete(session);
    this.#clearRetransmit(session);
    this.stats.handshakesCompleted += 1;
    const info = this.#native.peerInfo(session.native);
    this.#lastCipher = info.cipher;
    if (info.pskIdentity !== undefined) {
      session.security = { mode: 'psk', identity: info.pskIdentity, cipher: info.cipher };
    } else if (info.subjectCN !== undefined && info.certificateVerified === true) {
      session.security = { mode: 'x509', identity: info.subjectCN, cipher: info.cipher };
    }
    this.#logger.info(
      {
        listener: this.#options.name,
        peer: formatPeer(session.address, session.port),
        auth: session.security?.mode ?? 'none',
        identity: session.security?.identity,
        cipher: info.cipher,
      },
      'DTLS session established',
    );
  }

  /** RFC 6347 §4.2.4: the engine's retransmission timer for the last flight. */
  #armRetransmit(session: DtlsSession): void {
    this.#clearRetransmit(session);
    const ms = this.#native.timeout(session.native);
    if (ms < 0) return;
    session.retransmit = setTimeout(
      () => {
        session.retransmit = undefined;
        if (this.#sessions.get(session.key) !== session || session.established) return;
        const [ok, out] = this.#native.handleTimeout(session.native);
        this.#transmit(session.address, session.port, out);
        if (ok) this.#armRetransmit(session);
      },
      Math.max(1, Math.ceil(ms)),
    );
    session.retransmit.unref();
  }

  #clearRetransmit(session: DtlsSession): void {
    if (session.retransmit !== undefined) clearTimeout(session.retransmit);
    session.retransmit = undefined;
  }

  #expireHandshakes(now: number): void {
    for (const session of this.#handshaking) {
      if (now - session.startedAt < this.#options.handshakeTimeoutMs) continue;
      this.stats.handshakeTimeouts += 1;
      this.#logger.info({ listener: this.#options.name, peer: formatPeer(session.address, session.port) }, 'DTLS handshake timed out');
      this.#drop(session, false);
    }
  }

  #drop(session: DtlsSession, notify: boolean): void {
    this.#clearRetransmit(session);
    this.#handshaking.delete(session);
    if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key);
    const out = this.#native.close(session.native, notify);
    this.#transmit(session.address, session.port, out);
  }

  #transmit(address: string, port: number, out: Buffer | undefined): void {
    if (out === undefined || this.#udp === undefined) return;
    for (const datagram of packRecords(out, DATAGRAM_MTU)) this.#udp.send(datagram, port, address);
  }
}
