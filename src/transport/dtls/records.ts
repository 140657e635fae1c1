/** RFC 6347 §4.1: a DTLS record header is 13 bytes; the length is its last two. */
const HEADER = 13;

export const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;

/**
 * Splits a run of DTLS records (what OpenSSL wrote to its memory BIO) into
 * datagrams of whole records, each at most `mtu` bytes (a single larger
 * record still goes alone). RFC 6347 §4.1.1: several records may share a
 * datagram; a record never spans two.
 */
export function packRecords(data: Buffer, mtu: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let offset = 0;
  while (offset + HEADER <= data.length) {
    const end = offset + HEADER + data.readUInt16BE(offset + 11);
    if (end > data.length) break;
    if (end - start > mtu && offset > start) {
      out.push(data.subarray(start, offset));
      start = offset;
    }
    offset = end;
  }
  if (offset > start) out.push(data.subarray(start, offset));
  return out;
}

/**
 * A record that may open a handshake: content type handshake, epoch 0
 * (RFC 6347 §4.1), and a ClientHello message (§4.2.2). Anything else from a
 * peer without a session is dropped before any state is made.
 */
export function isClientHello(datagram: Buffer): boolean {
  return (
    datagram.length >= HEADER + 12 &&
    datagram[0] === CONTENT_HANDSHAKE &&
    datagram[1] === 0xfe && // DTLS major version byte (0xfeff 1.0, 0xfefd 1.2)
    datagram.readUInt16BE(3) === 0 &&
    datagram[HEADER] === HANDSHAKE_CLIENT_HELLO
  );
}
