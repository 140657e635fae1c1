/** Gateway counters. Plain numbers: reading them costs nothing and they never allocate per datagram. */
export class MqttSnStats {
  datagramsIn = 0;
  datagramsOut = 0;
  /** Datagrams the codec refused. */
  malformed = 0;
  /** Datagrams larger than max_message_size. */
  oversize = 0;
  /** Well-formed packets not valid in the sender's state (answered or ignored). */
  unexpected = 0;
  /** Client ids, topic names and filters refused by the topic rules (answered with a return code). */
  refusedNames = 0;
  /** Datagrams or messages dropped for lack of room (session queue, sleep buffer, registry). */
  dropped = 0;
  /** Downlink messages dropped because a sleeping client's buffer overflowed. */
  sleepBufferOverflow = 0;
  /** Downlink retransmissions (PUBLISH with DUP, PUBREL, REGISTER). */
  retransmissions = 0;
  /** Clients declared lost (keepalive, sleep or retry exhaustion). */
  lost = 0;
  /** Wills published by the gateway. */
  willsPublished = 0;
  /** Inbound packets per MsgType. */
  readonly inByType = new Uint32Array(256);
  /** Outbound packets per MsgType. */
  readonly outByType = new Uint32Array(256);

  snapshot(): Record<string, number> {
    return {
      datagramsIn: this.datagramsIn,
      datagramsOut: this.datagramsOut,
      malformed: this.malformed,
      oversize: this.oversize,
      unexpected: this.unexpected,
      refusedNames: this.refusedNames,
      dropped: this.dropped,
      sleepBufferOverflow: this.sleepBufferOverflow,
      retransmissions: this.retransmissions,
      lost: this.lost,
      willsPublished: this.willsPublished,
    };
  }
}
