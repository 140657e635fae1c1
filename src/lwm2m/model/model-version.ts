/**
 * Object versions ("1.0", "1.2", "1.10") as used in DDF `ObjectVersion` and
 * the registration link attribute `ver=` (LwM2M 1.1 Core TS, Register
 * operation and object versioning). Compared numerically part by part, so
 * "1.10" > "1.2" and "1" equals "1.0".
 */

const VERSION_PATTERN = /^\d{1,5}(?:\.\d{1,5}){0,3}$/;

export function isValidVersion(text: string): boolean {
  return VERSION_PATTERN.test(text);
}

function parts(version: string): number[] {
  const out = version.split('.').map((p) => Number(p));
  while (out.length > 1 && out[out.length - 1] === 0) out.pop();
  return out;
}

/** Canonical key for a version: trailing ".0" parts dropped ("1.0" and "1" -> "1"). */
export function versionKey(version: string): string {
  return parts(version.trim()).join('.');
}

/** Negative when a < b, zero when equal, positive when a > b. Both must be valid versions. */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
