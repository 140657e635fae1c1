import type { Logger } from '../../log.js';
import type { Qos } from '../../config/types.js';
import type { CoapEndpoint } from '../coap/coap-endpoint.js';
import { isSuccessCode } from '../coap/codes.js';
import { CoapOption, uintOptionOf, type CoapMessage } from '../coap/message.js';
import { eventAnswer, notifyAnswer, rejectedAnswer, resultAnswer } from '../bridge/answers.js';
import type { JsonObject, Lwm2mCommand } from '../bridge/command.js';
import type { ModelRegistry } from '../model/types.js';
import { formatPath, type Lwm2mPath } from '../path.js';
import { rootSegments } from '../registration/object-links.js';
import type { Registration } from '../registration/registration.js';
import { buildRequest } from './request-builder.js';
import { commandResult, contentResult } from './result.js';
import { isFresh, type ObservationStore } from './observations.js';

export type Publish = (topic: string, qos: Qos, message: JsonObject) => void;

export interface ExecutorDeps {
  readonly endpointFor: (reg: Registration) => CoapEndpoint;
  readonly models: ModelRegistry;
  readonly observations: ObservationStore;
  readonly logger: Logger;
  readonly responseQos: Qos;
  readonly notifyQos: Qos;
  readonly publish: Publish;
  readonly lookup: (endpoint: string) => Registration | undefined;
}

/**
 * Carries one command to the device and its outcome back to MQTT:
 * response / ack / coap_timeout / coap_reset answers, observation
 * bookkeeping, and notifications (lwm2m.md 2.5 / 2.6).
 */
export class CommandExecutor {
  readonly #d: ExecutorDeps;

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
  }

  transmit(reg: Registration, command: Lwm2mCommand, release: () => void): void {
    const answer = (message: JsonObject): void => this.#d.publish(reg.topics.response, this.#d.responseQos, message);
    let request;
    try {
      request = buildRequest(command.operation, command.query, {
        root: rootSegments(reg.objects),
        formats: { lwm2m: reg.lwm2m, announced: reg.objects?.contentFormats ?? [] },
      });
    } catch (err) {
      answer(rejectedAnswer({ msgType: command.msgType, echo: command.echo, reqPath: command.reqPath, reason: (err as Error).message }));
      release();
      return;
    }
    this.#d.logger.debug({ endpoint: reg.endpoint, msgType: command.msgType, path: formatPath(command.operation.path) }, 'downlink request');
    const token = this.#d.endpointFor(reg).request(reg.peer, request, {
      onEmptyAck: () => answer(eventAnswer(command, 'ack')),
      onResponse: (response) => {
        release();
        answer(this.#onResponse(reg, command, response, token.toString('hex')));
      },
      onReset: () => {
        release();
        answer(eventAnswer(command, 'coap_reset'));
      },
      onTimeout: () => {
        release();
        answer(eventAnswer(command, 'coap_timeout'));
      },
    });
  }

  /** Answer to a command that never reached the device. */
  drop(reg: Registration, command: Lwm2mCommand): void {
    this.#d.publish(reg.topics.response, this.#d.responseQos, eventAnswer(command, 'coap_timeout'));
  }

  #onResponse(reg: Registration, command: Lwm2mCommand, response: CoapMessage, tokenKey: string): JsonObject {
    const data = commandResult(command, response, this.#d.models);
    const op = command.operation;
    let seqNum: number | undefined;
    if (op.kind === 'observe' && isSuccessCode(response.code)) {
      if (op.cancel) {
        this.#d.observations.removePath(reg.endpoint, formatPath(op.path));
      } else {
        // Kept even when the device omits the Observe option (emqx/emqx#4199).
        const observe = uintOptionOf(response, CoapOption.OBSERVE);
        this.#d.observations.add({
          tokenKey,
          endpoint: reg.endpoint,
          path: op.path,
          pathKey: formatPath(op.path),
          reqPath: command.reqPath,
          echo: command.echo,
          lastSeq: observe,
          lastAt: Date.now(),
        });
        if (observe !== undefined && observe !== 0) seqNum = observe;
      }
    }
    return resultAnswer(command, data, seqNum);
  }

  /** A response matching no pending request: a notification if the token is observed. */
  notification(response: CoapMessage): boolean {
    const tokenKey = response.token.toString('hex');
    const obs = this.#d.observations.get(tokenKey);
    if (obs === undefined) return false;
    const reg = this.#d.lookup(obs.endpoint);
    if (reg === undefined) {
      this.#d.observations.remove(tokenKey);
      return false; // RFC 7641 §3.6: RST tells the device to stop
    }
    const observe = uintOptionOf(response, CoapOption.OBSERVE);
    if (observe !== undefined) {
      const now = Date.now();
      // RFC 7641 §3.4: a notification older than the last one is not published (it is still ACKed).
      if (!isFresh(obs, observe, now)) return true;
      obs.lastSeq = observe;
      obs.lastAt = now;
    }
    // EMQX invents a seqNum when the Observe option is missing.
    const seqNum = observe ?? Math.floor(Math.random() * 0xffffff);
    const data = contentResult(response.code, obs.reqPath, obs.path, response, this.#d.models);
    // RFC 7641 §3.2: a non-2.xx notification ends the observation.
    if (!isSuccessCode(response.code)) this.#d.observations.remove(tokenKey);
    const message = notifyAnswer(obs.echo, seqNum, data);
    if (obs.path.objectId === 5) this.#d.publish(reg.topics.firmwareNotify, 0, message);
    else this.#d.publish(reg.topics.notify, this.#d.notifyQos, message);
    return true;
  }
}

/** An observe command the gateway issues itself (auto_observe). */
export function internalObserve(path: Lwm2mPath): Lwm2mCommand {
  const text = formatPath(path);
  return { msgType: 'observe', data: { path: text }, echo: {}, reqPath: text, operation: { kind: 'observe', path, cancel: false }, query: [], immediate: false };
}
