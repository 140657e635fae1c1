import { decodeContent } from '../content/index.js';
import { decodeCompositeContent } from '../content/composite.js';
import type { ModelRegistry } from '../model/types.js';
import { isSuccessCode } from '../coap/codes.js';
import { CoapOption, uintOptionOf, type CoapMessage } from '../coap/message.js';
import { resultData, type ResultData } from '../bridge/answers.js';
import type { Lwm2mCommand } from '../bridge/command.js';
import type { Lwm2mPath } from '../path.js';

/**
 * Device response -> `data` of the MQTT answer, shaped as EMQX does
 * (lwm2m.md 2.5): content only for successful read-like commands; decode
 * failures become 4.00 bad_request (with a reason, which EMQX lacks).
 */
export function commandResult(command: Lwm2mCommand, response: CoapMessage, models: ModelRegistry, versions?: ReadonlyMap<number, string>): ResultData {
  const code = response.code;
  const reqPath = command.reqPath;
  if (command.msgType === 'write') {
    // EMQX: a 2.05 with payload counts as 2.04 changed, without payload as 4.05.
    if (code === '2.05') return resultData(response.payload.length > 0 ? '2.04' : '4.05', reqPath);
    return resultData(code, reqPath);
  }
  if (!isSuccessCode(code)) return resultData(code, reqPath);
  const op = command.operation;
  switch (op.kind) {
    case 'discover':
      return resultData(code, reqPath, { content: splitLinks(response.payload) });
    case 'read':
    case 'observe':
      return contentResult(code, reqPath, op.path, response, models, versions);
    case 'composite-read':
      return compositeContentResult(code, reqPath, response, models, versions);
    default:
      return resultData(code, reqPath);
  }
}

/**
 * A Read-Composite / Observe-Composite answer or composite notification
 * (LwM2M 1.1 TS §6.3.8, §6.4.4): every value of the SenML pack, one entry
 * per resource (instance), absolute paths.
 */
export function compositeContentResult(
  code: string,
  reqPath: string,
  response: CoapMessage,
  models: ModelRegistry,
  versions?: ReadonlyMap<number, string>,
): ResultData {
  if (!isSuccessCode(code)) return resultData(code, reqPath);
  try {
    const format = uintOptionOf(response, CoapOption.CONTENT_FORMAT);
    const content = decodeCompositeContent(format, response.payload, (oid, rid) => models.resource(oid, rid, versions?.get(oid)));
    return resultData(code, reqPath, { content });
  } catch (err) {
    return resultData('4.00', reqPath, { reason: (err as Error).message });
  }
}

/** A read-like answer or an observe notification; `versions` = `ver=` per object from the registration. */
export function contentResult(
  code: string,
  reqPath: string,
  path: Lwm2mPath,
  response: CoapMessage,
  models: ModelRegistry,
  versions?: ReadonlyMap<number, string>,
): ResultData {
  if (!isSuccessCode(code)) return resultData(code, reqPath);
  try {
    const format = uintOptionOf(response, CoapOption.CONTENT_FORMAT);
    const content = decodeContent(format, response.payload, path, models, versions);
    return resultData(code, reqPath, { content });
  } catch (err) {
    return resultData('4.00', reqPath, { reason: (err as Error).message });
  }
}

/** EMQX: the discover payload split on `,`, attributes intact. */
function splitLinks(payload: Buffer): string[] {
  const text = payload.toString('utf8').trim();
  if (text === '') return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
