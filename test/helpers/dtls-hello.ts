import { randomBytes } from 'node:crypto';

/**
 * A hand-built DTLS 1.2 ClientHello (RFC 6347 §4.2.2, RFC 5246 §7.4.1.2)
 * offering TLS_PSK_WITH_AES_128_CCM_8, for tests that must misbehave in
 * ways real clients do not: flood, stop after the cookie, forge cookies.
 */
export function clientHello(opts: { cookie?: Buffer; random?: Buffer; messageSeq?: number; recordSeq?: number } = {}): Buffer {
  const cookie = opts.cookie ?? Buffer.alloc(0);
  const body = Buffer.concat([
    Buffer.from([0xfe, 0xfd]),
    opts.random ?? randomBytes(32),
    Buffer.from([0]), // session id
    Buffer.from([cookie.length]),
    cookie,
    Buffer.from([0x00, 0x02, 0xc0, 0xa8]), // cipher suites: PSK_WITH_AES_128_CCM_8
    Buffer.from([0x01, 0x00]), // compression: null
  ]);
  const handshake = Buffer.alloc(12);
  handshake[0] = 1; // client_hello
  handshake.writeUIntBE(body.length, 1, 3);
  handshake.writeUInt16BE(opts.messageSeq ?? 0, 4);
  handshake.writeUIntBE(0, 6, 3); // fragment offset
  handshake.writeUIntBE(body.length, 9, 3); // fragment length
  const record = Buffer.alloc(13);
  record[0] = 22;
  record[1] = 0xfe;
  record[2] = 0xfd;
  record.writeUInt16BE(0, 3); // epoch
  record.writeUIntBE(opts.recordSeq ?? 0, 5, 6);
  record.writeUInt16BE(handshake.length + body.length, 11);
  return Buffer.concat([record, handshake, body]);
}

/** The cookie of a HelloVerifyRequest datagram, or undefined if it is not one. */
export function helloVerifyCookie(datagram: Buffer): Buffer | undefined {
  if (datagram.length < 13 + 12 + 3 || datagram[0] !== 22 || datagram[13] !== 3) return undefined; // hello_verify_request
  const length = datagram[13 + 12 + 2] ?? 0;
  return datagram.subarray(13 + 12 + 3, 13 + 12 + 3 + length);
}
