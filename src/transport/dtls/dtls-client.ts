import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { dtlsNative, type DtlsNative, type NativeSession } from './native.js';
import { packRecords } from './records.js';

/** Largest datagram the client writes; as the gateway's listeners (fits IPv6's 1280-byte minimum MTU). */
const DATAGRAM_MTU = 1200;
/** RFC 6347 §4.1 / RFC 5246 §6.2.1: a record carries at most 2^14 bytes of plaintext. */
const MAX_PLAINTEXT = 16_384;
/** The PSK suites the gateway offers, LwM2M's mandatory one first (LwM2M 1.1 transport §5.2.8.3). */
export const CLIENT_PSK_CIPHERS = 'PSK-AES128-CCM8:PSK-AES128-GCM-SHA256:PSK-AES128-CBC-SHA256';

export class DtlsClientError extends Error {
  override readonly name = 'DtlsClientError';
}

export interface DtlsClientOptions {
  /** Server address (an IP address: resolve names first). */
  readonly host: string;
  readonly port: number;
  /** RFC 4279 §2 identity and key. */
  readonly pskIdentity: string;
  readonly pskKey: Buffer;
  /** The handshake fails after this long (default 10 s). */
  readonly handshakeTimeoutMs?: number | undefined;
  /** OpenSSL cipher list; default CLIENT_PSK_CIPHERS. */
  readonly ciphers?: string | undefined;
}

/**
 * A DTLS 1.2 PSK client (RFC 6347) over one connected UDP socket, on the
 * same OpenSSL engine as the gateway's listeners (native/dtls.c in client
 * mode). `connect` resolves once the handshake is complete; afterwards each
 * `send` is one record and each application record received is handed to
 * `onDatagram`.
 */
export class DtlsClient {
  readonly #native: DtlsNative;
  readonly #socket: Socket;
  readonly #session: NativeSession;
  readonly #options: DtlsClientOptions;
  #retransmit: NodeJS.Timeout | undefined;
  #established = false;
  #closed = false;
  #handshakeDone: ((error: DtlsClientError | undefined) => void) | undefined;
  /** Decrypted application data from the server. */
  onDatagram: (data: Buffer) => void = () => undefined;
  /** The server ended the session (close_notify or a fatal alert). */
  onClose: (reason: string) => void = () => undefined;

  private constructor(socket: Socket, options: DtlsClientOptions) {
    this.#native = dtlsNative();
    this.#socket = socket;
    this.#options = options;
    const context = this.#native.createContext({
      client: true,
      ciphers: options.ciphers ?? CLIENT_PSK_CIPHERS,
      pskIdentity: options.pskIdentity,
      pskKey: options.pskKey,
    });
    this.#session = this.#native.newSession(context, DATAGRAM_MTU);
    // A connected socket only receives from the server (others are dropped by the kernel).
    socket.on('message', (msg) => this.#feed(msg));
    socket.on('error', () => undefined);
  }

  /** Binds an ephemeral port and runs the handshake; rejects with a one-line DtlsClientError. */
  static async connect(options: DtlsClientOptions): Promise<DtlsClient> {
    if (isIP(options.host) === 0) throw new DtlsClientError(`not an IP address: ${options.host}`);
    const socket = createSocket(isIP(options.host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    let client: DtlsClient;
    try {
      client = new DtlsClient(socket, options);
    } catch (err) {
      socket.close();
      throw new DtlsClientError(`DTLS setup failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
    const error = await new Promise<DtlsClientError | undefined>((resolve) => {
      const timer = setTimeout(() => {
        resolve(
          new DtlsClientError(
            `DTLS handshake with ${peer(options)} not complete within ${(timeoutMs / 1000).toFixed(0)} s (no DTLS listener there, or a wrong PSK key)`,
          ),
        );
      }, timeoutMs);
      client.#handshakeDone = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
      client.#feed(undefined);
    });
    client.#handshakeDone = undefined;
    if (error !== undefined) {
      await client.close(false);
      throw error;
    }
    return client;
  }

  get localPort(): number {
    return this.#socket.address().port;
  }

  get established(): boolean {
    return this.#established && !this.#closed;
  }

  /** Encrypts one datagram as one record; `sent` is called once the socket has sent it. */
  send(data: Buffer, sent?: () => void): void {
    if (!this.established || data.length > MAX_PLAINTEXT) {
      sent?.();
      return;
    }
    this.#transmit(this.#native.write(this.#session, data), sent);
  }

  /** Sends close_notify (RFC 5246 §7.2.1) unless `notify` is false, then closes the socket. */
  async close(notify = true): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearRetransmit();
    const out = this.#native.close(this.#session, notify && this.#established);
    if (out !== undefined) await new Promise<void>((resolve) => this.#transmit(out, resolve));
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #feed(msg: Buffer | undefined): void {
    if (this.#closed) return;
    const [state, out, records, error] = this.#native.handshake(this.#session, msg);
    this.#transmit(out);
    if (state === -1) {
      const reason = describeFailure(error);
      this.#clearRetransmit();
      if (this.#handshakeDone !== undefined) this.#handshakeDone(new DtlsClientError(`DTLS handshake with ${peer(this.#options)} failed: ${reason}`));
      else if (this.#established) this.onClose(reason);
      void this.close(false);
      return;
    }
    if (state === 1 && !this.#established) {
      this.#established = true;
      this.#clearRetransmit();
      this.#handshakeDone?.(undefined);
    }
    if (!this.#established) this.#armRetransmit();
    for (const record of records) {
      if (this.#closed) return;
      this.onDatagram(record);
    }
  }

  /** RFC 6347 §4.2.4: retransmit the last flight when the engine's timer fires. */
  #armRetransmit(): void {
    this.#clearRetransmit();
    const ms = this.#native.timeout(this.#session);
    if (ms < 0) return;
    this.#retransmit = setTimeout(
      () => {
        this.#retransmit = undefined;
        if (this.#closed || this.#established) return;
        const [ok, out] = this.#native.handleTimeout(this.#session);
        this.#transmit(out);
        if (ok) this.#armRetransmit();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  #clearRetransmit(): void {
    if (this.#retransmit !== undefined) clearTimeout(this.#retransmit);
    this.#retransmit = undefined;
  }

  #transmit(out: Buffer | undefined, sent?: () => void): void {
    const datagrams = out === undefined ? [] : packRecords(out, DATAGRAM_MTU);
    if (datagrams.length === 0) {
      sent?.();
      return;
    }
    let left = datagrams.length;
    for (const datagram of datagrams) {
      this.#socket.send(datagram, () => {
        left -= 1;
        if (left === 0) sent?.();
      });
    }
  }
}

function peer(options: DtlsClientOptions): string {
  return isIP(options.host) === 6 ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
}

/** OpenSSL's "error:0A000412:SSL routines::ssl/tls alert bad certificate" -> "ssl/tls alert bad certificate". */
function describeFailure(error: string | undefined): string {
  if (error === undefined) return 'handshake failed';
  const parts = error.split(':');
  return parts[parts.length - 1]?.trim() || error;
}
