/**
 * Byte sizes: an integer number of bytes, or a string with a binary unit
 * (`"4MB"`, `"64KB"`, `"512B"`; KB = 1024 bytes, MB = 1024 KB, GB = 1024 MB,
 * as in EMQX). `KiB`/`MiB`/`GiB` spellings are accepted too.
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

export const BYTE_SIZE_SYNTAX = 'a number of bytes or a size such as "64KB", "4MB"';

export type ByteSizeResult = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly reason: string };

export function parseByteSize(value: unknown): ByteSizeResult {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return { ok: false, reason: `expected ${BYTE_SIZE_SYNTAX}` };
    if (value < 0) return { ok: false, reason: 'must not be negative' };
    return { ok: true, bytes: value };
  }
  if (typeof value !== 'string') return { ok: false, reason: `expected ${BYTE_SIZE_SYNTAX}` };
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  if (match === null) {
    return value.trim().startsWith('-') ? { ok: false, reason: 'must not be negative' } : { ok: false, reason: `expected ${BYTE_SIZE_SYNTAX}` };
  }
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : UNIT_BYTES[unit];
  if (factor === undefined) return { ok: false, reason: `unknown unit "${match[2] ?? ''}"; use B, KB, MB or GB` };
  const bytes = Number(match[1]) * factor;
  if (!Number.isSafeInteger(bytes)) return { ok: false, reason: 'too large' };
  return { ok: true, bytes };
}
