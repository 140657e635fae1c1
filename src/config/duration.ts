/**
 * Durations as users write them: `"500ms"`, `"30s"`, `"10m"`, `"2h"`, `"1d"`,
 * combinations in descending unit order (`"1h30m"`, `"1m30s500ms"`), or a
 * plain number (or numeric string) of SECONDS. Fractions are allowed
 * (`"1.5s"`, `0.2`); the result is rounded to whole milliseconds.
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;
const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/;

/** Milliseconds, or a reason why the value is not a duration. */
export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

export const DURATION_SYNTAX = 'a duration such as "500ms", "30s", "10m", "2h", "1d", "1h30m", or a number of seconds';

export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: `expected ${DURATION_SYNTAX}` };
    if (value < 0) return { ok: false, reason: 'must not be negative' };
    return { ok: true, ms: Math.round(value * 1000) };
  }
  if (typeof value !== 'string') return { ok: false, reason: `expected ${DURATION_SYNTAX}` };
  const text = value.trim();
  if (text.startsWith('-')) return { ok: false, reason: 'must not be negative' };
  if (PLAIN_NUMBER.test(text)) return { ok: true, ms: Math.round(Number(text) * 1000) };
  if (text === '') return { ok: false, reason: `expected ${DURATION_SYNTAX}` };
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return { ok: false, reason: `expected ${DURATION_SYNTAX}` };
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) return { ok: false, reason: 'units must appear once each, largest first (e.g. "1h30m")' };
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return { ok: true, ms: Math.round(total) };
}

/** Inverse for display: 90_000 -> "1m30s", 0 -> "0s", 1500 -> "1s500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
