/**
 * Heap cost of one CoAP duplicate-detection entry, measured:
 *   node --expose-gc --import tsx bench/lwm2m/dedup-footprint.ts [entries]
 * Prints measured bytes per entry next to what DedupCache accounts against
 * lwm2m.coap.dedup_memory (DEDUP_ENTRY_OVERHEAD + key + reply characters).
 */
import { DEDUP_ENTRY_OVERHEAD, DedupCache } from '../../src/lwm2m/coap/dedup-cache.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}
const count = Number(process.argv[2] ?? 500_000);

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

// A flood request's entry: key "<IPv4>|<port>|<MID>", reply a 4.04 ACK echoing a 4-byte token (8 bytes).
const reply = Buffer.from([0x64, 0x84, 0x12, 0x34, 1, 2, 3, 4]);
const cache = new DedupCache(247_000, 1024 ** 3);
const before = heapAfterGc();
for (let i = 0; i < count; i++) {
  cache.remember(`127.0.0.1|${10_000 + (i % 50_000)}|${Math.floor(i / 50_000)}`, reply, 0);
}
const after = heapAfterGc();
const sampleKey = '127.0.0.1|54321|123';
const measured = (after - before) / count;
const accounted = cache.bytes / count;
process.stdout.write(
  `${count} entries: measured ${measured.toFixed(1)} heap bytes per entry, accounted ${accounted.toFixed(1)} ` +
    `(DEDUP_ENTRY_OVERHEAD ${DEDUP_ENTRY_OVERHEAD} + key ~${sampleKey.length} + reply ${reply.length}); entries kept ${cache.size}\n`,
);
