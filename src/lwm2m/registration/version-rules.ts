/**
 * Register / Update rules that depend on the LwM2M version the device
 * registered with (LwM2M 1.2 TS §6.2.1, Transport §6.2.1).
 *
 * 1.0 and 1.1 keep the lenient checks EMQX users' devices pass today (EMQX
 * accepts any binding; 1.1 devices in the field still send `b=UQ`, which
 * stays queue mode). 1.2, which EMQX never accepted, gets the rules of its
 * specification, as Leshan applies them from 1.1 on.
 */

/** 1.2: U (UDP), T (TCP), S (SMS), N (Non-IP), M (MQTT), H (HTTP). */
const BINDING_LETTERS: Readonly<Record<string, string>> = { '1.2': 'UTSNMH' };

/** 1.0 bindings with queue mode (LwM2M 1.0 TS §5.3.1.1) and the 1.1 letters: any of U, T, S, N, Q. */
const LEGACY_BINDING = /^[UTSNQ]+$/;

/**
 * Why the binding (`b`) and queue-mode (`Q`) parameters are invalid for this
 * version, or undefined. In 1.2 queue mode is the valueless `Q` parameter
 * and not a binding letter, and each binding letter appears at most once.
 */
export function bindingRefusal(lwm2m: string, binding: string | undefined, q: string | undefined): string | undefined {
  const letters = BINDING_LETTERS[lwm2m];
  if (letters === undefined) {
    if (binding !== undefined && !LEGACY_BINDING.test(binding)) return `invalid binding "${binding}"`;
    return undefined;
  }
  if (q !== undefined && q !== '') return `Q takes no value in LwM2M ${lwm2m} (got "Q=${q}")`;
  if (binding === undefined) return undefined;
  if (binding.includes('Q')) return `LwM2M ${lwm2m} signals queue mode with the Q parameter, not the binding letter Q (b=${binding})`;
  if (binding === '' || [...binding].some((c) => !letters.includes(c)))
    return `invalid binding "${binding}" for LwM2M ${lwm2m} (letters ${letters.split('').join(', ')})`;
  if (new Set(binding).size !== binding.length) return `binding "${binding}" repeats a letter`;
  return undefined;
}

/**
 * LwM2M 1.2 TS §6.2.1.1: an object version (`ver=`) is Major.Minor. Earlier
 * versions' malformed values are only ignored (EMQX ignores ver= entirely).
 */
export function objectVersionRefusal(lwm2m: string, versionProblem: string | undefined): string | undefined {
  return lwm2m === '1.2' ? versionProblem : undefined;
}
