import { MsgType } from './codec/constants.js';

/**
 * The one state of a client session (MQTT-SN v1.2 §6.14 Fig. 4 client states,
 * seen from the gateway, plus the CONNECT handshake steps).
 */
export const SessionState = {
  /** Created by a CONNECT that is not processed yet. */
  Idle: 'idle',
  /** §6.3 will handshake: WILLTOPICREQ sent. */
  AwaitWillTopic: 'await-willtopic',
  /** §6.3 will handshake: WILLMSGREQ sent. */
  AwaitWillMsg: 'await-willmsg',
  /** Opening the broker session. */
  Connecting: 'connecting',
  Active: 'active',
  Asleep: 'asleep',
  Awake: 'awake',
  /** Clean session off: kept without a peer until it reconnects or expires. */
  Disconnected: 'disconnected',
  /** Terminal: supervision expired or retries exhausted; the will was published. */
  Lost: 'lost',
  /** Terminal: ended normally, refused or taken over. */
  Closed: 'closed',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** States in which the client holds a live connection (counted against max_connections). */
export function isConnected(state: SessionState): boolean {
  return state === SessionState.Active || state === SessionState.Asleep || state === SessionState.Awake;
}

export function isHandshake(state: SessionState): boolean {
  return state === SessionState.Idle || state === SessionState.AwaitWillTopic || state === SessionState.AwaitWillMsg || state === SessionState.Connecting;
}

export function isTerminal(state: SessionState): boolean {
  return state === SessionState.Lost || state === SessionState.Closed;
}

/** Downlink flows only to active clients and to sleepers that woke up (§6.14). */
export function canDeliver(state: SessionState): boolean {
  return state === SessionState.Active || state === SessionState.Awake;
}

const CONNECTED_TYPES: readonly number[] = [
  MsgType.CONNECT,
  MsgType.REGISTER,
  MsgType.REGACK,
  MsgType.PUBLISH,
  MsgType.PUBACK,
  MsgType.PUBREC,
  MsgType.PUBREL,
  MsgType.PUBCOMP,
  MsgType.SUBSCRIBE,
  MsgType.UNSUBSCRIBE,
  MsgType.PINGREQ,
  MsgType.DISCONNECT,
  MsgType.WILLTOPICUPD,
  MsgType.WILLMSGUPD,
];

/**
 * The state guard: which inbound MsgTypes each state accepts. During the will
 * handshake only the expected answer (or a retransmitted CONNECT, which
 * restarts it) is accepted; anything else is refused with DISCONNECT and the
 * half-open session dropped (§6.3).
 */
export const ACCEPTED_TYPES: Readonly<Record<SessionState, ReadonlySet<number>>> = {
  [SessionState.Idle]: new Set([MsgType.CONNECT]),
  [SessionState.AwaitWillTopic]: new Set([MsgType.CONNECT, MsgType.WILLTOPIC]),
  [SessionState.AwaitWillMsg]: new Set([MsgType.CONNECT, MsgType.WILLTOPIC, MsgType.WILLMSG]),
  [SessionState.Connecting]: new Set([MsgType.CONNECT]),
  [SessionState.Active]: new Set(CONNECTED_TYPES),
  [SessionState.Asleep]: new Set(CONNECTED_TYPES),
  [SessionState.Awake]: new Set(CONNECTED_TYPES),
  [SessionState.Disconnected]: new Set([MsgType.CONNECT]),
  [SessionState.Lost]: new Set(),
  [SessionState.Closed]: new Set(),
};
