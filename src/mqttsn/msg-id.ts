import { MSG_ID_MAX } from './parameters.js';

/**
 * 16-bit MsgId allocator (MQTT-SN v1.2 §5.3.x MsgId; 0 is reserved for QoS 0
 * and -1). Sequential with wrap-around, skipping ids still in use.
 */
export class MsgIdAllocator {
  #last = 0;

  /** Next id in 1..65535 for which `inUse` is false; undefined if all are in use. */
  next(inUse?: (id: number) => boolean): number | undefined {
    for (let i = 0; i < MSG_ID_MAX; i += 1) {
      this.#last = this.#last >= MSG_ID_MAX ? 1 : this.#last + 1;
      if (inUse === undefined || !inUse(this.#last)) return this.#last;
    }
    return undefined;
  }

  reset(): void {
    this.#last = 0;
  }
}
