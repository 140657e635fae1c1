import type { DtlsOptionsConfig, ListenersConfig, UdpListenerConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatPeer } from '../log.js';
import { parseBind, type BindAddress } from './bind.js';
import { DtlsEndpoint } from './dtls/dtls-endpoint.js';
import { openSslCipherList } from './dtls/cipher-names.js';
import type { DatagramHandler, DatagramTransport } from './types.js';
import { openUdpEndpoint } from './open-udp.js';

/** One configured listener, checked and ready to open. */
export interface ListenerSpec {
  /** Config key, e.g. `lwm2m.listeners.dtls.default`. */
  readonly key: string;
  readonly kind: 'udp' | 'dtls';
  readonly bind: BindAddress;
  readonly udp: UdpListenerConfig;
  readonly dtls: DtlsOptionsConfig | undefined;
}

/** Opens one listener; the in-memory transport of the tests replaces the default one. */
export type OpenTransport = (spec: ListenerSpec, onDatagram: DatagramHandler) => Promise<DatagramTransport>;

export interface ListenerDeps {
  readonly logger: Logger;
  /** PSK key by identity for DTLS listeners (the credential store). */
  readonly pskLookup?: ((identity: string) => Buffer | undefined) | undefined;
  readonly open?: OpenTransport | undefined;
  /** Log message for each opened listener (default "listening"). */
  readonly listeningMessage?: string | undefined;
}

/** An open listener and the key it was configured under. */
export interface OpenListener {
  readonly key: string;
  readonly transport: DatagramTransport;
}

/**
 * Plain listeners first, then DTLS ones; a bad bind is a ConfigError naming
 * the key. `section` is the config path above `listeners` (`mqttsn`, `lwm2m`,
 * `lwm2m.bootstrap`).
 */
export function listenerSpecs(section: string, listeners: ListenersConfig): ListenerSpec[] {
  const specs: ListenerSpec[] = [];
  const problems: { key: string; value: unknown; reason: string }[] = [];
  const add = (kind: 'udp' | 'dtls', name: string, udp: UdpListenerConfig, dtls: DtlsOptionsConfig | undefined): void => {
    const key = `${section}.listeners.${kind}.${name}`;
    const bind = parseBind(udp.bind);
    if (bind === undefined) problems.push({ key: `${key}.bind`, value: udp.bind, reason: 'host:port expected' });
    else specs.push({ key, kind, bind, udp, dtls });
  };
  for (const [name, udp] of Object.entries(listeners.udp)) add('udp', name, udp, undefined);
  for (const [name, dtls] of Object.entries(listeners.dtls)) add('dtls', name, dtls, dtls.dtls_options);
  if (problems.length > 0) throw new ConfigError(problems);
  return specs;
}

/**
 * Opens every listener of a gateway in order; `onDatagram` gets the index of
 * the listener (its position in the result). If one fails, those already
 * open are closed again before the error is thrown.
 */
export async function openListeners(
  specs: readonly ListenerSpec[],
  deps: ListenerDeps,
  onDatagram: (listener: number, msg: Buffer, address: string, port: number) => void,
): Promise<OpenListener[]> {
  const open = deps.open ?? defaultOpener(deps);
  const opened: OpenListener[] = [];
  try {
    for (const spec of specs) {
      const index = opened.length;
      const transport = await open(spec, (msg, address, port) => onDatagram(index, msg, address, port));
      opened.push({ key: spec.key, transport });
      deps.logger.info({ listener: spec.key, address: formatPeer(transport.address.host, transport.address.port) }, deps.listeningMessage ?? 'listening');
    }
  } catch (err) {
    await Promise.allSettled(opened.map((l) => l.transport.close()));
    throw err;
  }
  return opened;
}

/** Real sockets: batched or node:dgram UDP for `udp` listeners (`io`), DtlsEndpoint over either for `dtls` ones. */
export function defaultOpener(deps: ListenerDeps): OpenTransport {
  return async (spec, onDatagram) => {
    const socket = { bind: spec.bind, recvBufferSize: spec.udp.recbuf, sendBufferSize: spec.udp.sndbuf, logger: deps.logger, name: spec.key };
    if (spec.kind === 'udp' || spec.dtls === undefined) return openUdpEndpoint(socket, onDatagram, spec.udp.io);
    const o = spec.dtls;
    try {
      return await DtlsEndpoint.open(
        {
          ...socket,
          io: spec.udp.io,
          maxConnections: spec.udp.max_connections,
          maxHandshakes: o.max_handshakes,
          handshakeTimeoutMs: o.handshake_timeout,
          handshakeRatePerSource: o.handshake_rate_per_source,
          staleSessionMs: o.stale_session_timeout,
          credentials: {
            ciphers: openSslCipherList(o.ciphers),
            certfile: o.certfile,
            keyfile: o.keyfile,
            cacertfile: o.cacertfile,
            verifyPeer: o.verify === 'verify_peer',
            failIfNoPeerCert: o.fail_if_no_peer_cert,
            pskLookup: deps.pskLookup,
          },
        },
        onDatagram,
      );
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_DTLS_CONFIG') {
        throw new ConfigError([{ key: `${spec.key}.dtls_options`, value: undefined, reason: (err as Error).message }]);
      }
      throw err;
    }
  };
}
