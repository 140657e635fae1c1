import { setTimeout as delay } from 'node:timers/promises';

export { delay };

/** Resolves when `check()` is true (polled every `everyMs`), or false once `deadline` (performance.now() ms) passes. */
export async function waitUntil(check: () => boolean, deadline: number, everyMs = 5): Promise<boolean> {
  while (!check()) {
    if (performance.now() >= deadline) return false;
    await delay(everyMs);
  }
  return true;
}

/**
 * Waits for a counter to reach `target`; stops early when it has not moved for `quietMs`
 * (what is still missing is then counted as lost) or at `deadline`.
 */
export async function waitForCount(read: () => number, target: number, quietMs: number, deadline: number): Promise<void> {
  let last = read();
  let lastChange = performance.now();
  while (read() < target) {
    const now = performance.now();
    if (now >= deadline) return;
    const v = read();
    if (v !== last) {
      last = v;
      lastChange = now;
    } else if (now - lastChange >= quietMs) {
      return;
    }
    await delay(5);
  }
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}
