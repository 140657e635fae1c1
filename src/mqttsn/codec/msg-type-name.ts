import { MsgType } from './constants.js';

const NAMES: readonly (string | undefined)[] = (() => {
  const names: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);
  for (const [name, value] of Object.entries(MsgType)) names[value] = name;
  return names;
})();

/** `PUBLISH`, `CONNACK`, ... or `0x1F` for a reserved/unknown MsgType. For logs and test messages. */
export function msgTypeName(type: number): string {
  return NAMES[type & 0xff] ?? `0x${type.toString(16).padStart(2, '0').toUpperCase()}`;
}
