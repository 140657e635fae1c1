import { type OptionSpec, type Options, UsageError } from './args.js';

/** A DTLS pre-shared key (RFC 4279): the identity sent to the gateway and the key bytes. */
export interface PskCredentials {
  readonly identity: string;
  readonly key: Buffer;
}

/** mosquitto's client flag names; the key is read as the gateway's psk file reads a secret. */
export const PSK_OPTIONS: readonly OptionSpec[] = [
  { name: 'psk-identity', value: true, arg: 'ID', help: "DTLS with this pre-shared key identity (needs --psk; use the gateway's DTLS port)" },
  { name: 'psk', value: true, arg: 'KEY', help: 'the pre-shared key: 0x<hex> = those bytes, anything else = its UTF-8 bytes' },
];

/** RFC 4279 §5.3 lets identities and keys reach 2^16-1 octets; the engine takes up to these. */
const MAX_IDENTITY_OCTETS = 128;
const MAX_KEY_OCTETS = 64;

export function pskOf(opts: Options): PskCredentials | undefined {
  const identity = opts.string('psk-identity');
  const keyText = opts.string('psk');
  if (identity === undefined && keyText === undefined) return undefined;
  if (identity === undefined) throw new UsageError('--psk needs --psk-identity');
  if (keyText === undefined) throw new UsageError('--psk-identity needs --psk');
  if (identity === '' || Buffer.byteLength(identity) > MAX_IDENTITY_OCTETS) throw new UsageError(`--psk-identity must be 1 to ${MAX_IDENTITY_OCTETS} octets`);
  let key: Buffer;
  if (/^0x/i.test(keyText)) {
    const hex = keyText.slice(2);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) throw new UsageError('--psk 0x... must be an even number of hex digits');
    key = Buffer.from(hex, 'hex');
  } else key = Buffer.from(keyText, 'utf8');
  if (key.length === 0 || key.length > MAX_KEY_OCTETS) throw new UsageError(`--psk must be 1 to ${MAX_KEY_OCTETS} octets`);
  return { identity, key };
}
