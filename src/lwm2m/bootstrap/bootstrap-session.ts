import type { OutboundRequest, RequestCallbacks } from '../coap/coap-endpoint.js';
import type { CoapMessage } from '../coap/message.js';
import { codeName } from '../coap/codes.js';
import { formatLink, parseLinkFormat } from '../content/link-format.js';
import type { Peer } from '../../transport/bind.js';
import type { BootstrapStep } from './bootstrap-steps.js';
import type { ServerAccount } from './server-account.js';

/** Why a bootstrap sequence ended without success (the `reason` of bootstrap-failed). */
export type BootstrapFailureReason =
  /** No entry for the endpoint and no `*` entry. */
  | 'unknown_endpoint'
  /** A request was retransmitted MAX_RETRANSMIT times without an answer (RFC 7252 §4.2). */
  | 'timeout'
  /** The device answered a request with RST. */
  | 'reset'
  /** The device answered Discover, Delete or Write with an error code. */
  | 'rejected'
  /** The device answered Bootstrap-Finish with an error (4.06: configuration unusable). */
  | 'finish_rejected'
  /** lwm2m.bootstrap.session_timeout passed before the sequence finished. */
  | 'session_timeout'
  /** The device sent a new Bootstrap-Request; a new sequence replaced this one. */
  | 'superseded'
  /** The listener was full and this sequence's peer had never answered: it made room for a new request. */
  | 'evicted';

export interface BootstrapFailure {
  readonly reason: BootstrapFailureReason;
  /** The step under way (`write /0/1`, `finish`...). */
  readonly operation?: string | undefined;
  /** The device's response code and its diagnostic payload, if it answered. */
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

export interface BootstrapOutcome {
  readonly ok: boolean;
  readonly failure?: BootstrapFailure | undefined;
  /** Links of the Bootstrap-Discover answer, when one was sent and answered. */
  readonly discovered?: readonly string[] | undefined;
}

/** Sends one request to the device (the project's CoAP exchange layer); returns a handle to cancel it. */
export type BootstrapRequestSender = (peer: Peer, request: OutboundRequest, callbacks: RequestCallbacks) => Buffer;

/**
 * One client-initiated bootstrap sequence (LwM2M 1.0/1.1 TS Core §5.2):
 * runs the steps one at a time, each waiting for the device's answer;
 * retransmission and per-request timeouts come from the CoAP endpoint, the
 * whole sequence is bounded by `timeoutMs`. Ends exactly once, through `done`.
 */
export class BootstrapSession {
  readonly endpoint: string;
  readonly peer: Peer;
  readonly account: ServerAccount;
  /** Index of the listener the Bootstrap-Request came through. */
  readonly listener: number;
  readonly #steps: readonly BootstrapStep[];
  readonly #send: BootstrapRequestSender;
  readonly #cancel: (token: Buffer) => void;
  readonly #done: (session: BootstrapSession, outcome: BootstrapOutcome) => void;
  readonly #timeoutMs: number;
  #index = 0;
  #token: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #discovered: string[] | undefined;
  #answered = false;

  constructor(opts: {
    endpoint: string;
    peer: Peer;
    account: ServerAccount;
    listener: number;
    steps: readonly BootstrapStep[];
    send: BootstrapRequestSender;
    cancel: (token: Buffer) => void;
    timeoutMs: number;
    done: (session: BootstrapSession, outcome: BootstrapOutcome) => void;
  }) {
    this.endpoint = opts.endpoint;
    this.peer = opts.peer;
    this.account = opts.account;
    this.listener = opts.listener;
    this.#steps = opts.steps;
    this.#send = opts.send;
    this.#cancel = opts.cancel;
    this.#timeoutMs = opts.timeoutMs;
    this.#done = opts.done;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The peer answered at least one request (so it exists at that address; a forged source never answers). */
  get answered(): boolean {
    return this.#answered;
  }

  start(): void {
    this.#timer = setTimeout(() => this.#fail({ reason: 'session_timeout', operation: this.#current()?.operation }), this.#timeoutMs);
    this.#timer.unref();
    this.#next();
  }

  /** Ends the sequence from outside (a new Bootstrap-Request, shutdown); `done` is called unless `silent`. */
  abort(failure: BootstrapFailure, silent = false): void {
    if (this.#ended) return;
    if (silent) {
      this.#end();
      return;
    }
    this.#fail({ ...failure, operation: failure.operation ?? this.#current()?.operation });
  }

  #current(): BootstrapStep | undefined {
    return this.#steps[this.#index];
  }

  #next(): void {
    if (this.#ended) return;
    const step = this.#current();
    if (step === undefined) {
      this.#end();
      this.#done(this, { ok: true, discovered: this.#discovered });
      return;
    }
    try {
      this.#token = this.#send(this.peer, step.request, {
        onResponse: (response) => this.#onResponse(step, response),
        onReset: () => this.#fail({ reason: 'reset', operation: step.operation }),
        onTimeout: () => this.#fail({ reason: 'timeout', operation: step.operation }),
      });
    } catch (err) {
      // The request could not be encoded or sent at all (e.g. a write above the block-wise limit).
      this.#fail({ reason: 'rejected', operation: step.operation, message: (err as Error).message });
    }
  }

  #onResponse(step: BootstrapStep, response: CoapMessage): void {
    if (this.#ended) return;
    this.#token = undefined;
    this.#answered = true;
    if (!step.success.includes(response.code)) {
      this.#fail({
        reason: step.kind === 'finish' ? 'finish_rejected' : 'rejected',
        operation: step.operation,
        code: response.code,
        message: diagnostic(response.payload),
      });
      return;
    }
    if (step.kind === 'discover') this.#discovered = discoveredLinks(response.payload);
    this.#index += 1;
    this.#next();
  }

  #fail(failure: BootstrapFailure): void {
    if (this.#ended) return;
    this.#end();
    this.#done(this, { ok: false, failure, discovered: this.#discovered });
  }

  #end(): void {
    this.#ended = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#token !== undefined) this.#cancel(this.#token);
    this.#token = undefined;
  }
}

/** RFC 7252 §5.5.2 diagnostic payload: short UTF-8 text, kept to 200 characters. */
function diagnostic(payload: Buffer): string | undefined {
  if (payload.length === 0) return undefined;
  return payload.subarray(0, 200).toString('utf8');
}

/** The Discover answer as link strings; an unparsable answer is kept as one string. */
function discoveredLinks(payload: Buffer): string[] {
  const text = payload.toString('utf8');
  try {
    return parseLinkFormat(text).map(formatLink);
  } catch {
    return [text];
  }
}

/** `code` with its EMQX name, for events: `{ code: "4.06", codeMsg: "not_acceptable" }`. */
export function describeCode(code: string): { code: string; codeMsg: string } {
  return { code, codeMsg: codeName(code) };
}
