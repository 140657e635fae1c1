import { describe, expect, it } from 'vitest';
import { writeFormatFor } from '../../../src/lwm2m/downlink/write-format.js';
import { parsePath } from '../../../src/lwm2m/path.js';

const single = [{ path: parsePath('/3/0/14'), type: 'String' as const, value: '+02' }];
const opaque = [{ path: parsePath('/3/0/14'), type: 'Opaque' as const, value: 'AQI=' }];
const two = [...single, { path: parsePath('/3/0/15'), type: 'String' as const, value: 'UTC' }];

describe('writeFormatFor', () => {
  it('1.0 devices always get TLV', () => {
    expect(writeFormatFor({ lwm2m: '1.0', announced: [110] }, parsePath('/3/0/14'), single)).toBe(11542);
    expect(writeFormatFor({ lwm2m: '1', announced: [] }, parsePath('/3/0'), two)).toBe(11542);
  });
  it('1.1 devices: announced SenML JSON, then SenML CBOR, then TLV', () => {
    expect(writeFormatFor({ lwm2m: '1.1', announced: [60, 110, 11542] }, parsePath('/3/0'), two)).toBe(110);
    expect(writeFormatFor({ lwm2m: '1.1', announced: [112] }, parsePath('/3/0'), two)).toBe(112);
    expect(writeFormatFor({ lwm2m: '1.1', announced: [] }, parsePath('/3/0'), two)).toBe(11542);
    expect(writeFormatFor({ lwm2m: '1.2', announced: [11542, 0] }, parsePath('/3/0/14'), single)).toBe(11542);
  });
  it('1.1 devices announcing only plain formats get text / opaque for one value', () => {
    expect(writeFormatFor({ lwm2m: '1.1', announced: [0, 42] }, parsePath('/3/0/14'), single)).toBe(0);
    expect(writeFormatFor({ lwm2m: '1.1', announced: [0, 42] }, parsePath('/3/0/14'), opaque)).toBe(42);
    expect(writeFormatFor({ lwm2m: '1.1', announced: [0, 42] }, parsePath('/3/0'), two)).toBe(11542);
  });
});
