import type { Lwm2mCommand } from '../bridge/command.js';
import type { Registration } from '../registration/registration.js';

export interface SchedulerOptions {
  /** Requests in flight per device (EMQX: 1). */
  readonly maxInflight: number;
  readonly queueMaxSize: number;
  readonly queueMaxAge: number;
  /** Queue mode awake window after the device's last message, ms. */
  readonly qmodeTimeWindow: number;
  readonly now?: () => number;
  /** Send a command now; call `release` once when its exchange ends (response, reset, timeout or failure). */
  transmit(reg: Registration, command: Lwm2mCommand, release: () => void): void;
  /** A queued command was dropped (too old, queue overflow, device gone): answer coap_timeout. */
  drop(reg: Registration, command: Lwm2mCommand): void;
}

/**
 * Per-device downlink order (lwm2m.md 2.4 / 2.9): at most maxInflight
 * requests in flight, the rest waiting in a bounded FIFO. A queue-mode
 * device outside its awake window (LwM2M 1.1 TS §6.5) gets nothing until
 * it talks again. Queue age is checked at dequeue and by the gateway's
 * sweep; no timer per device.
 */
export class DownlinkScheduler {
  readonly #opts: SchedulerOptions;
  readonly #now: () => number;
  /** Devices with a non-empty queue, for the age sweep. */
  readonly #waiting = new Set<Registration>();

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  get waitingDevices(): number {
    return this.#waiting.size;
  }

  isAwake(reg: Registration): boolean {
    return !reg.queueMode || this.#now() - reg.lastSeen < this.#opts.qmodeTimeWindow;
  }

  submit(reg: Registration, command: Lwm2mCommand): void {
    if (command.immediate && this.isAwake(reg)) {
      // mheaders.ttl 0: sent without taking the in-flight slot (EMQX).
      this.#opts.transmit(reg, command, () => undefined);
      return;
    }
    if ((reg.queue === undefined || reg.queue.length === 0) && reg.inflight < this.#opts.maxInflight && this.isAwake(reg)) {
      this.#send(reg, command);
      return;
    }
    // The queue array exists only while commands wait (no array per idle device).
    const queue = (reg.queue ??= []);
    if (queue.length >= this.#opts.queueMaxSize) {
      // Bounded queue: the oldest command gives way.
      const oldest = queue.shift();
      if (oldest !== undefined) this.#opts.drop(reg, oldest.command);
      if (this.#opts.queueMaxSize === 0) {
        this.#opts.drop(reg, command);
        this.#release(reg);
        return;
      }
    }
    queue.push({ command, queuedAt: this.#now() });
    this.#waiting.add(reg);
  }

  /** The device sent something: it is awake, send what waits. */
  pump(reg: Registration): void {
    const queue = reg.queue;
    if (queue === undefined) return;
    const now = this.#now();
    while (queue.length > 0 && reg.inflight < this.#opts.maxInflight && this.isAwake(reg)) {
      const next = queue.shift();
      if (next === undefined) break;
      if (now - next.queuedAt > this.#opts.queueMaxAge) {
        this.#opts.drop(reg, next.command);
        continue;
      }
      this.#send(reg, next.command);
    }
    this.#release(reg);
  }

  /** Drops queued commands older than queue_max_age. */
  sweep(): void {
    const now = this.#now();
    for (const reg of this.#waiting) {
      const queue = reg.queue ?? [];
      while (queue.length > 0 && now - (queue[0]?.queuedAt ?? now) > this.#opts.queueMaxAge) {
        const old = queue.shift();
        if (old !== undefined) this.#opts.drop(reg, old.command);
      }
      this.#release(reg);
    }
  }

  /** The device is gone: every queued command is answered with coap_timeout. */
  discard(reg: Registration): void {
    const queued = reg.queue ?? [];
    reg.queue = undefined;
    this.#waiting.delete(reg);
    for (const q of queued) this.#opts.drop(reg, q.command);
  }

  /** An emptied queue is dropped (a later pump or sweep may find it gone). */
  #release(reg: Registration): void {
    if (reg.queue !== undefined && reg.queue.length > 0) return;
    reg.queue = undefined;
    this.#waiting.delete(reg);
  }

  #send(reg: Registration, command: Lwm2mCommand): void {
    reg.inflight += 1;
    let released = false;
    this.#opts.transmit(reg, command, () => {
      if (released) return;
      released = true;
      reg.inflight -= 1;
      this.pump(reg);
    });
  }
}
