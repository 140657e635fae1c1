import type { Qos } from '../config/types.js';

/** A broker message on its way to one client; `topic` is the device-side name (mountpoint stripped). */
export interface DownlinkMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
}
