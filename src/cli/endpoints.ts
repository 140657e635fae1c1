/**
 * Default addresses of the command-line tools. They follow the gateway's own
 * environment variables, so one shell that sets GATEWAY_MQTTSN_BIND,
 * GATEWAY_LWM2M_BIND or GATEWAY_EMBEDDED_BIND / GATEWAY_UPSTREAM_SERVER for
 * the gateway points the tools at it too. Without them: the gateway's default
 * ports on 127.0.0.1.
 */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const DEFAULT_MQTTSN_PORT = 1884;
const DEFAULT_LWM2M_PORT = 5683;
const DEFAULT_MQTT_PORT = 1883;

export function defaultMqttSnAddress(env: NodeJS.ProcessEnv = process.env): HostPort {
  return fromBind(env.GATEWAY_MQTTSN_BIND, DEFAULT_MQTTSN_PORT);
}

export function defaultLwm2mAddress(env: NodeJS.ProcessEnv = process.env): HostPort {
  return fromBind(env.GATEWAY_LWM2M_BIND, DEFAULT_LWM2M_PORT);
}

/** The broker the gateway publishes to: GATEWAY_UPSTREAM_SERVER, else the embedded broker's bind. */
export function defaultBrokerUrl(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.GATEWAY_UPSTREAM_SERVER;
  if (server !== undefined && server.trim() !== '') return server.trim();
  const { host, port } = fromBind(env.GATEWAY_EMBEDDED_BIND, DEFAULT_MQTT_PORT);
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** First entry of a comma-separated bind list ("port", "host:port", "[v6]:port"); wildcard hosts become loopback. */
export function fromBind(bind: string | undefined, defaultPort: number): HostPort {
  const first = bind?.split(',')[0]?.trim() ?? '';
  if (first === '') return { host: '127.0.0.1', port: defaultPort };
  let host = '127.0.0.1';
  let portText = first;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(first);
  if (v6 !== null) {
    host = v6[1];
    portText = v6[2];
  } else if (first.includes(':')) {
    const colon = first.lastIndexOf(':');
    host = first.slice(0, colon);
    portText = first.slice(colon + 1);
  }
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const port = Number(portText);
  return { host, port: Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultPort };
}
