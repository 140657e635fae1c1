import { delay } from '../common/time.js';

/**
 * Sends `total` items at `rate` per second (0 = as fast as the event loop allows, in
 * batches), calling `emit(i)` for i = 0..total-1; stops at `deadline`. Returns how many were emitted.
 */
export async function pace(total: number, rate: number, deadline: number, emit: (i: number) => void): Promise<number> {
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    if (now >= deadline) break;
    const due = rate > 0 ? Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1) : Math.min(total, i + 500);
    while (i < due) emit(i++);
    if (rate > 0) await delay(2);
    else await new Promise((r) => setImmediate(r));
  }
  return i;
}
