import type { Lwm2mCommand } from './command.js';

/** `major.minor` of a registration's `lwm2m` parameter ("1" = 1.0, as EMQX accepts it). */
function versionNumber(lwm2m: string): number {
  const [major = '1', minor = '0'] = lwm2m.split('.');
  return Number(major) * 100 + Number(minor);
}

const V1_1 = 101;
const V1_2 = 102;

/**
 * Write-Attributes a device version understands: LwM2M 1.1 TS §5.1.2 adds
 * epmin / epmax to 1.0's pmin, pmax, gt, lt, st; LwM2M 1.2 TS §5.1.2 adds
 * edge, con and hqmax.
 */
const ATTRIBUTE_SINCE: Readonly<Record<string, number>> = { epmin: V1_1, epmax: V1_1, edge: V1_2, con: V1_2, hqmax: V1_2 };

function label(version: number): string {
  return `${Math.floor(version / 100)}.${version % 100}`;
}

/**
 * Why a command cannot go to a device of this LwM2M version, or undefined:
 * the Composite operations exist since 1.1 (TS §6.3.8, §6.3.9, §6.4.4), and
 * some notification attributes since 1.1 or 1.2. The command is then
 * answered with 4.00 and this reason; nothing reaches the device.
 */
export function versionRefusal(command: Lwm2mCommand, lwm2m: string): string | undefined {
  const version = versionNumber(lwm2m);
  const op = command.operation;
  if ((op.kind === 'composite-read' || op.kind === 'composite-write') && version < V1_1) {
    return `${command.msgType} needs LwM2M 1.1 or later; the device registered with lwm2m=${lwm2m}`;
  }
  if (op.kind === 'write-attr') {
    for (const attribute of op.attributes) {
      const name = attribute.slice(0, attribute.indexOf('='));
      const since = ATTRIBUTE_SINCE[name];
      if (since !== undefined && version < since) {
        return `attribute ${name} needs LwM2M ${label(since)} or later; the device registered with lwm2m=${lwm2m}`;
      }
    }
  }
  return undefined;
}
