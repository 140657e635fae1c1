import { MsgType } from './constants.js';
import type { Encapsulated, MqttSnPacket } from './types.js';
import type { PacketCodec } from './packets/packet-codec.js';
import { advertiseCodec, gwInfoCodec, searchGwCodec } from './packets/gateway-discovery.js';
import { connAckCodec, connectCodec, disconnectCodec, pingReqCodec, pingRespCodec } from './packets/connection.js';
import {
  willMsgCodec,
  willMsgReqCodec,
  willMsgRespCodec,
  willMsgUpdCodec,
  willTopicCodec,
  willTopicReqCodec,
  willTopicRespCodec,
  willTopicUpdCodec,
} from './packets/will.js';
import { regAckCodec, registerCodec } from './packets/register.js';
import { pubAckCodec, pubCompCodec, pubRecCodec, pubRelCodec, publishCodec } from './packets/publish.js';
import { subAckCodec, subscribeCodec, unsubAckCodec, unsubscribeCodec } from './packets/subscribe.js';

/** Every MQTT-SN message except the forwarder encapsulation (handled by parse/generate themselves). */
export type PlainPacket = Exclude<MqttSnPacket, Encapsulated>;

type CodecTable = { readonly [K in PlainPacket['type']]: PacketCodec<Extract<PlainPacket, { readonly type: K }>> };

/** MQTT-SN v1.2 §5.2.2: one reader/writer per MsgType. */
const CODECS: CodecTable = {
  [MsgType.ADVERTISE]: advertiseCodec,
  [MsgType.SEARCHGW]: searchGwCodec,
  [MsgType.GWINFO]: gwInfoCodec,
  [MsgType.CONNECT]: connectCodec,
  [MsgType.CONNACK]: connAckCodec,
  [MsgType.WILLTOPICREQ]: willTopicReqCodec,
  [MsgType.WILLTOPIC]: willTopicCodec,
  [MsgType.WILLMSGREQ]: willMsgReqCodec,
  [MsgType.WILLMSG]: willMsgCodec,
  [MsgType.REGISTER]: registerCodec,
  [MsgType.REGACK]: regAckCodec,
  [MsgType.PUBLISH]: publishCodec,
  [MsgType.PUBACK]: pubAckCodec,
  [MsgType.PUBCOMP]: pubCompCodec,
  [MsgType.PUBREC]: pubRecCodec,
  [MsgType.PUBREL]: pubRelCodec,
  [MsgType.SUBSCRIBE]: subscribeCodec,
  [MsgType.SUBACK]: subAckCodec,
  [MsgType.UNSUBSCRIBE]: unsubscribeCodec,
  [MsgType.UNSUBACK]: unsubAckCodec,
  [MsgType.PINGREQ]: pingReqCodec,
  [MsgType.PINGRESP]: pingRespCodec,
  [MsgType.DISCONNECT]: disconnectCodec,
  [MsgType.WILLTOPICUPD]: willTopicUpdCodec,
  [MsgType.WILLTOPICRESP]: willTopicRespCodec,
  [MsgType.WILLMSGUPD]: willMsgUpdCodec,
  [MsgType.WILLMSGRESP]: willMsgRespCodec,
};

/**
 * Dense 256-entry dispatch array indexed by MsgType; `undefined` for reserved types and 0xFE.
 * The per-type codecs are typed precisely in CODECS; the array erases that correlation, which
 * is sound because entry `t` only ever sees packets (or datagrams) of type `t`.
 */
export const codecByType: readonly (PacketCodec<PlainPacket> | undefined)[] = (() => {
  const table = new Array<PacketCodec<PlainPacket> | undefined>(256).fill(undefined);
  for (const [type, codec] of Object.entries(CODECS)) table[Number(type)] = codec;
  return table;
})();
