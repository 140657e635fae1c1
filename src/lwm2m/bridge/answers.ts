import { codeName } from '../coap/codes.js';
import type { ContentEntry } from '../content/types.js';
import type { JsonObject, Lwm2mCommand, RejectedCommand } from './command.js';

/** `data` of a result answer (EMQX: code, codeMsg, reqPath, content only on success of read-like commands). */
export interface ResultData {
  readonly code: string;
  readonly codeMsg: string;
  readonly reqPath: string;
  readonly content?: readonly ContentEntry[] | readonly string[];
  /** Not in EMQX: why the gateway answered 4.00 itself. */
  readonly reason?: string;
}

export function resultData(code: string, reqPath: string, extra?: { content?: readonly ContentEntry[] | readonly string[]; reason?: string }): ResultData {
  const data: { code: string; codeMsg: string; reqPath: string; content?: readonly ContentEntry[] | readonly string[]; reason?: string } = {
    code,
    codeMsg: codeName(code),
    reqPath,
  };
  if (extra?.content !== undefined) data.content = extra.content;
  if (extra?.reason !== undefined) data.reason = extra.reason;
  return data;
}

/** The answer to a command: the command's echoed keys with msgType and data (lwm2m.md 2.5). */
export function resultAnswer(command: Lwm2mCommand, data: ResultData, seqNum?: number): JsonObject {
  const out: JsonObject = { ...command.echo, msgType: command.msgType, data };
  if (seqNum !== undefined) out.seqNum = seqNum;
  return out;
}

/** A notification for an observation (lwm2m.md 2.6): msgType notify, top-level seqNum. */
export function notifyAnswer(echo: JsonObject, seqNum: number, data: ResultData): JsonObject {
  return { ...echo, msgType: 'notify', seqNum, data };
}

/**
 * The serialised notifyAnswer's text up to `"msgType"` for one observation's
 * echoed keys (computed once per observation, not per notification); undefined
 * when the echo holds a `seqNum` key (its position in the answer is the echo's,
 * so the object path is taken).
 */
export function notifyPrefix(echo: JsonObject): string | undefined {
  if (Object.hasOwn(echo, 'seqNum') || Object.hasOwn(echo, 'msgType') || Object.hasOwn(echo, 'data')) return undefined;
  const text = JSON.stringify(echo);
  return text === '{}' ? '{' : `${text.slice(0, -1)},`;
}

/**
 * JSON.stringify(notifyAnswer(echo, seqNum, data)), built from the
 * observation's prefix: the echoed keys are serialised once per observation
 * and the notification builds no answer object (20,000 notifications/s).
 */
export function notifyAnswerJson(prefix: string, seqNum: number, data: ResultData): string {
  return `${prefix}"msgType":"notify","seqNum":${seqNum},"data":${JSON.stringify(data)}}`;
}

/** `ack`, `coap_timeout`, `coap_reset`: the original command with msgType replaced. */
export function eventAnswer(command: Lwm2mCommand, msgType: 'ack' | 'coap_timeout' | 'coap_reset'): JsonObject {
  return { ...command.echo, msgType, data: command.data };
}

/** A command the gateway cannot carry out: 4.00 bad_request with a reason. */
export function rejectedAnswer(rejected: RejectedCommand): JsonObject {
  const data: JsonObject = { code: '4.00', codeMsg: 'bad_request', reason: rejected.reason };
  if (rejected.reqPath !== undefined) data.reqPath = rejected.reqPath;
  return { ...rejected.echo, msgType: rejected.msgType, data };
}
