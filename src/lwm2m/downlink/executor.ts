import type { Logger } from '../../log.js';
import type { Lwm2mTranslators, Qos } from '../../config/types.js';
import { deviceTopic, firmwareNotifyTopic } from '../bridge/topics.js';
import type { CoapEndpoint, OutboundRequest } from '../coap/coap-endpoint.js';
import { isSuccessCode } from '../coap/codes.js';
import { CoapOption, decodeBlock, encodeBlock, firstOption, uintOptionOf, type CoapMessage } from '../coap/message.js';
import { eventAnswer, notifyAnswer, notifyAnswerJson, notifyPrefix, rejectedAnswer, resultAnswer } from '../bridge/answers.js';
import type { DownlinkOperation, JsonObject, Lwm2mCommand } from '../bridge/command.js';
import { compositeObservationKey } from '../bridge/composite-command.js';
import type { ModelRegistry } from '../model/types.js';
import { formatPath, type Lwm2mPath } from '../path.js';
import { rootSegments } from '../registration/object-links.js';
import type { Registration } from '../registration/registration.js';
import { buildRequest, type RequestTarget } from './request-builder.js';
import { commandResult, compositeContentResult, contentResult } from './result.js';
import { compositeFormatFor } from './composite-request.js';
import { isFresh, type Observation, type ObservationStore } from './observations.js';
import type { ObserverSlot } from '../observer.js';

/** A JSON answer to publish: an object, or its JSON text already serialised. */
export type Publish = (topic: string, qos: Qos, message: JsonObject | string) => void;

export interface ExecutorDeps {
  readonly endpointFor: (reg: Registration) => CoapEndpoint;
  readonly models: ModelRegistry;
  readonly observations: ObservationStore;
  readonly logger: Logger;
  readonly translators: Lwm2mTranslators;
  readonly responseQos: Qos;
  readonly notifyQos: Qos;
  readonly publish: Publish;
  readonly lookup: (endpoint: string) => Registration | undefined;
  /** The HTTP layer's view of answers and notifications, if any. */
  readonly observer?: ObserverSlot | undefined;
}

/**
 * Carries one command to the device and its outcome back to MQTT:
 * response / ack / coap_timeout / coap_reset answers, observation
 * bookkeeping, and notifications (lwm2m.md 2.5 / 2.6).
 */
export class CommandExecutor {
  readonly #d: ExecutorDeps;
  /** Exchanges in flight per registration (commands, Block2 fetches): token -> how to end it. */
  readonly #inFlight = new Map<Registration, Map<string, () => void>>();

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
  }

  /**
   * The registration is gone (De-register, expiry): its requests in flight are
   * no longer retransmitted (the address may soon belong to another device, and
   * a late answer could re-create an observation for an endpoint that left, as
   * Leshan cancels ongoing requests on de-registration). Commands among them are
   * answered coap_timeout, as queued ones are (drop).
   */
  abandon(reg: Registration): void {
    const exchanges = this.#inFlight.get(reg);
    if (exchanges === undefined) return;
    this.#inFlight.delete(reg);
    for (const end of exchanges.values()) end();
  }

  #track(reg: Registration, token: Buffer, end: () => void): void {
    let exchanges = this.#inFlight.get(reg);
    if (exchanges === undefined) {
      exchanges = new Map();
      this.#inFlight.set(reg, exchanges);
    }
    exchanges.set(token.toString('hex'), end);
  }

  #untrack(reg: Registration, token: Buffer): void {
    const exchanges = this.#inFlight.get(reg);
    if (exchanges === undefined) return;
    exchanges.delete(token.toString('hex'));
    if (exchanges.size === 0) this.#inFlight.delete(reg);
  }

  transmit(reg: Registration, command: Lwm2mCommand, release: () => void): void {
    const started = performance.now();
    const answer = (message: JsonObject): void => {
      this.#d.publish(deviceTopic(reg.mountpoint, this.#d.translators, 'response'), this.#d.responseQos, message);
      this.#d.observer?.current?.answered(reg, command, message, performance.now() - started);
    };
    let request;
    try {
      request = buildRequest(command.operation, command.query, this.#target(reg));
    } catch (err) {
      answer(rejectedAnswer({ msgType: command.msgType, echo: command.echo, reqPath: command.reqPath, reason: (err as Error).message }));
      release();
      return;
    }
    if (this.#d.logger.isLevelEnabled('debug')) {
      this.#d.logger.debug({ endpoint: reg.endpoint, msgType: command.msgType, path: operationTarget(command.operation) }, 'downlink request');
    }
    const op = command.operation;
    // RFC 7641 §3.6: a deregistration carries the token of the observation it ends (Californium/Leshan
    // clients match the relation by token; a fresh token would leave the device notifying).
    const cancelKey =
      op.kind === 'observe' && op.cancel
        ? formatPath(op.path)
        : op.kind === 'composite-read' && op.observe === 'cancel'
          ? compositeObservationKey(op.paths)
          : undefined;
    const observedToken = cancelKey === undefined ? undefined : this.#d.observations.tokenFor(reg.endpoint, cancelKey);
    try {
      this.#send(reg, command, request, answer, release, observedToken);
    } catch (err) {
      // Nothing reached the device (e.g. the request exceeds one datagram): answer it, free the slot.
      answer(rejectedAnswer({ msgType: command.msgType, echo: command.echo, reqPath: command.reqPath, reason: (err as Error).message }));
      release();
    }
  }

  #send(
    reg: Registration,
    command: Lwm2mCommand,
    request: OutboundRequest,
    answer: (m: JsonObject) => void,
    release: () => void,
    observedToken: string | undefined,
  ): void {
    const endpoint = this.#d.endpointFor(reg);
    const token: Buffer = endpoint.request(
      reg.peer,
      request,
      {
        onEmptyAck: () => answer(eventAnswer(command, 'ack')),
        onResponse: (response) => {
          this.#untrack(reg, token);
          release();
          answer(this.#onResponse(reg, command, response, token.toString('hex')));
        },
        onReset: () => {
          this.#untrack(reg, token);
          release();
          answer(eventAnswer(command, 'coap_reset'));
        },
        onTimeout: () => {
          this.#untrack(reg, token);
          release();
          answer(eventAnswer(command, 'coap_timeout'));
        },
      },
      observedToken === undefined ? undefined : Buffer.from(observedToken, 'hex'),
    );
    this.#track(reg, token, () => {
      endpoint.cancel(token);
      release();
      answer(eventAnswer(command, 'coap_timeout'));
    });
  }

  /** Answer to a command that never reached the device. */
  drop(reg: Registration, command: Lwm2mCommand): void {
    const message = eventAnswer(command, 'coap_timeout');
    this.#d.publish(deviceTopic(reg.mountpoint, this.#d.translators, 'response'), this.#d.responseQos, message);
    this.#d.observer?.current?.answered(reg, command, message, undefined);
  }

  #onResponse(reg: Registration, command: Lwm2mCommand, response: CoapMessage, tokenKey: string): JsonObject {
    const data = commandResult(command, response, this.#d.models, reg.objects?.versions);
    const watch = this.#observed(reg, command.operation);
    let seqNum: number | undefined;
    if (watch !== undefined && isSuccessCode(response.code)) {
      // A new observation of a path (or path set) replaces the old one; the old token is then answered with RST.
      this.#d.observations.removePath(reg.endpoint, watch.pathKey);
      if (!watch.cancel) {
        // Kept even when the device omits the Observe option (emqx/emqx#4199).
        const observe = uintOptionOf(response, CoapOption.OBSERVE);
        this.#d.observations.add({
          tokenKey,
          endpoint: reg.endpoint,
          path: watch.path,
          composite: watch.composite,
          pathKey: watch.pathKey,
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

  /** What an observe / cancel (single path or composite) watches; undefined for other operations. */
  #observed(reg: Registration, op: DownlinkOperation): (Pick<Observation, 'path' | 'composite' | 'pathKey'> & { cancel: boolean }) | undefined {
    if (op.kind === 'observe') return { path: op.path, composite: undefined, pathKey: formatPath(op.path), cancel: op.cancel };
    if (op.kind !== 'composite-read' || op.observe === undefined) return undefined;
    const composite = { paths: op.paths, format: op.format ?? compositeFormatFor(this.#target(reg).formats) };
    return { path: undefined, composite, pathKey: compositeObservationKey(op.paths), cancel: op.observe === 'cancel' };
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
    // RFC 7959 §2.6: a newer notification makes a body still being fetched for an older one obsolete.
    if (obs.fetching !== undefined) {
      this.#d.endpointFor(reg).cancel(obs.fetching);
      this.#untrack(reg, obs.fetching);
      obs.fetching = undefined;
    }
    const block2 = firstOption(response, CoapOption.BLOCK2);
    if (block2 !== undefined && isSuccessCode(response.code)) {
      const block = decodeBlock(block2);
      if (block.num !== 0) {
        if (this.#d.logger.isLevelEnabled('debug'))
          this.#d.logger.debug({ endpoint: reg.endpoint, block: block.num }, 'notification block other than the first ignored');
        return true;
      }
      if (block.more) {
        this.#fetchRest(reg, obs, response, block.szx);
        return true;
      }
    }
    this.#publishNotification(reg, obs, response, observe);
    return true;
  }

  /**
   * RFC 7959 §2.6 (Block2 with Observe): a notification carries only the
   * first block; the rest is fetched with GET + Block2 (NUM 1, the device's
   * block size, a new token, no Observe) and published once, complete.
   */
  #fetchRest(reg: Registration, obs: Observation, first: CoapMessage, szx: number): void {
    const observe = uintOptionOf(first, CoapOption.OBSERVE);
    // A composite notification's rest is fetched with the same FETCH, without Observe (RFC 8132 §2.3.2).
    const get = buildRequest(refetchOperation(obs), [], this.#target(reg));
    const request = { ...get, options: [...get.options, { number: CoapOption.BLOCK2, value: encodeBlock({ num: 1, more: false, szx }) }] };
    const done = (): boolean => {
      const current = this.#d.observations.get(obs.tokenKey) === obs && obs.fetching === token;
      if (obs.fetching === token) obs.fetching = undefined;
      return current;
    };
    const endpoint = this.#d.endpointFor(reg);
    const token = endpoint.request(reg.peer, request, {
      onResponse: (rest, fromBlock) => {
        this.#untrack(reg, token);
        if (!done()) return;
        if (!isSuccessCode(rest.code)) {
          this.#d.logger.debug({ endpoint: reg.endpoint, code: rest.code }, 'rest of a Block2 notification not delivered');
          return;
        }
        const options = first.options.filter((o) => o.number !== CoapOption.BLOCK2 && o.number !== CoapOption.SIZE2);
        // fromBlock 0: the device answered the GET with the whole representation (RFC 7959 §2.2).
        const payload = fromBlock === 0 ? rest.payload : Buffer.concat([first.payload, rest.payload]);
        this.#publishNotification(reg, obs, { ...first, options, payload }, observe);
      },
      onReset: () => {
        this.#untrack(reg, token);
        if (done()) this.#d.logger.debug({ endpoint: reg.endpoint }, 'Block2 notification fetch reset');
      },
      onTimeout: () => {
        this.#untrack(reg, token);
        if (done()) this.#d.logger.debug({ endpoint: reg.endpoint }, 'Block2 notification fetch timed out');
      },
    });
    obs.fetching = token;
    this.#track(reg, token, () => endpoint.cancel(token));
  }

  #publishNotification(reg: Registration, obs: Observation, response: CoapMessage, observe: number | undefined): void {
    // EMQX invents a seqNum when the Observe option is missing.
    const seqNum = observe ?? Math.floor(Math.random() * 0xffffff);
    const data =
      obs.path === undefined
        ? compositeContentResult(response.code, obs.reqPath, response, this.#d.models, reg.objects?.versions)
        : contentResult(response.code, obs.reqPath, obs.path, response, this.#d.models, reg.objects?.versions);
    // RFC 7641 §3.2: a non-2.xx notification ends the observation.
    if (!isSuccessCode(response.code)) this.#d.observations.remove(obs.tokenKey);
    if (obs.notifyPrefix === undefined) obs.notifyPrefix = notifyPrefix(obs.echo) ?? null;
    const message = obs.notifyPrefix === null ? notifyAnswer(obs.echo, seqNum, data) : notifyAnswerJson(obs.notifyPrefix, seqNum, data);
    if (obs.path?.objectId === 5) this.#d.publish(firmwareNotifyTopic(reg.mountpoint), 0, message);
    else this.#d.publish(deviceTopic(reg.mountpoint, this.#d.translators, 'notify'), this.#d.notifyQos, message);
    this.#d.observer?.current?.notified(reg, obs.pathKey, message);
  }

  #target(reg: Registration): RequestTarget {
    return { root: rootSegments(reg.objects), formats: { lwm2m: reg.lwm2m, announced: reg.objects?.contentFormats ?? [] } };
  }
}

/** An observe command the gateway issues itself (auto_observe). */
export function internalObserve(path: Lwm2mPath): Lwm2mCommand {
  const text = formatPath(path);
  return {
    msgType: 'observe',
    data: { path: text },
    echo: {},
    reqPath: text,
    operation: { kind: 'observe', path, cancel: false },
    query: [],
    immediate: false,
  };
}

/** What a request addresses, for logs: its path, or the composite's paths. */
function operationTarget(op: DownlinkOperation): string {
  if (op.kind === 'composite-read') return op.paths.map(formatPath).join(',');
  if (op.kind === 'composite-write') return op.entries.map((e) => formatPath(e.path)).join(',');
  return formatPath(op.path);
}

/** The plain read (no Observe) of what an observation watches: GET its path, or FETCH its composite paths. */
function refetchOperation(obs: Observation): DownlinkOperation {
  if (obs.composite !== undefined) return { kind: 'composite-read', paths: obs.composite.paths, format: obs.composite.format, observe: undefined };
  if (obs.path !== undefined) return { kind: 'read', path: obs.path };
  throw new Error('observation without a path');
}
