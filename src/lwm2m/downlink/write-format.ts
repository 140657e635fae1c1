import { ContentFormat, type WriteEntry } from '../content/types.js';
import { pathDepth, type Lwm2mPath } from '../path.js';

/** What the device told us about itself at registration. */
export interface DeviceFormats {
  readonly lwm2m: string;
  /** `ct=` of the registration root link (LwM2M 1.1 Transport §6.2.1). */
  readonly announced: readonly number[];
}

/**
 * Content format of a Write / Create payload (LwM2M 1.1 TS §7.3): TLV for
 * 1.0 devices (the only mandatory 1.0 format for multiple values); for 1.1+
 * the announced SenML JSON, then SenML CBOR, then TLV when announced or when
 * nothing is announced; a 1.1 device announcing none of these gets a single
 * value as text/plain (or opaque for Opaque), which every 1.1 device supports.
 */
export function writeFormatFor(device: DeviceFormats, basePath: Lwm2mPath, entries: readonly WriteEntry[]): number {
  if (device.lwm2m === '1' || device.lwm2m === '1.0') return ContentFormat.TLV;
  const announced = device.announced;
  if (announced.includes(ContentFormat.SENML_JSON)) return ContentFormat.SENML_JSON;
  if (announced.includes(ContentFormat.SENML_CBOR)) return ContentFormat.SENML_CBOR;
  if (announced.length === 0 || announced.includes(ContentFormat.TLV)) return ContentFormat.TLV;
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only !== undefined && pathDepth(basePath) >= 3 && pathDepth(only.path) === pathDepth(basePath)) {
    return only.type === 'Opaque' ? ContentFormat.OPAQUE : ContentFormat.TEXT;
  }
  return ContentFormat.TLV;
}
