import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { createLogger } from '../../../src/log.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { startTestUpstream } from '../../helpers/upstream.js';

/** Burst loss at a capped socket buffer must not be silent (datagram loss counts as failure). */
describe('LwM2M listener receive buffer', () => {
  it('warns with the requested and granted sizes when the kernel caps the configured recbuf', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((l) => l !== ''),
        );
        done();
      },
    });
    const logger = createLogger('warn', sink);
    const upstream = await startTestUpstream();
    const huge = 1024 * 1024 * 1024;
    const config = resolveConfig({ lwm2m: { listeners: { udp: { default: { bind: '127.0.0.1:0', recbuf: huge } } } } }).lwm2m;
    const gateway = await Lwm2mGateway.start({ config, upstream: upstream.connector, models: createModelRegistry([]), logger });
    try {
      const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l['msg']).includes('receive buffer'));
      // No kernel here grants 1 GiB by default (net.core.rmem_max); the warning must name both sizes.
      expect(warning).toBeDefined();
      expect(warning?.['requested']).toBe(huge);
      expect(Number(warning?.['granted'])).toBeLessThan(huge);
      expect(String(warning?.['hint'])).toContain('net.core.rmem_max');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
