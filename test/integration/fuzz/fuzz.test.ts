import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFuzz, type FuzzResult } from '../../fuzz/driver.js';
import { startInProcessTarget, type InProcessTarget } from '../../fuzz/in-process-target.js';
import { SN_CLIENT_POOL } from '../../fuzz/mqttsn-datagrams.js';

/** CI size: a few seconds. `npm run fuzz -- --count 300000` runs the large one against a spawned gateway. */
const COUNT = Number(process.env['FUZZ_COUNT'] ?? 10_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const MiB = 1024 * 1024;

describe('seeded mutation fuzzing of both protocols over real UDP', () => {
  let target: InProcessTarget;
  let result: FuzzResult;

  beforeAll(async () => {
    target = await startInProcessTarget();
    result = await runFuzz(target, { seed: SEED, count: COUNT, drainMs: 15_000 });
  }, 60_000);

  afterAll(async () => {
    await target.close();
  });

  it('the gateway neither crashes nor throws, and every datagram was sent', () => {
    expect(result.crash).toBeUndefined();
    expect(target.errors).toEqual([]);
    expect(result.errorsLogged).toEqual([]);
    expect(result.datagrams).toMatchObject({ mqttsn: COUNT, lwm2m: COUNT });
    expect(result.datagrams.bootstrap).toBeGreaterThan(COUNT / 10); // the bootstrap server gets its share
  });

  it("reaches the gateway's parsers and handlers, not only the framing checks", () => {
    const stats = target.mqttsnGateway.stats;
    expect(stats.malformed).toBeGreaterThan(COUNT / 20);
    expect(stats.refusedNames).toBeGreaterThan(0);
    expect(stats.inByType.reduce((a, b) => a + b, 0)).toBeGreaterThan(COUNT / 3);
    expect(result.answers.mqttsn).toBeGreaterThan(COUNT / 10);
    expect(result.answers.lwm2m).toBeGreaterThan(COUNT / 10);
  });

  it('the well-behaved MQTT-SN client and LwM2M device lose nothing', () => {
    const wb = result.wellBehaved;
    expect(wb.snUplinkSent).toBeGreaterThan(5);
    expect(wb.snDownlinkSent).toBeGreaterThan(5);
    expect(wb.lwm2mReadsSent).toBeGreaterThan(2);
    expect({ up: wb.snUplinkLost, down: wb.snDownlinkLost, reads: wb.lwm2mReadsLost, disconnects: wb.snDisconnects, refusals: wb.snRefusals }).toEqual({
      up: 0,
      down: 0,
      reads: 0,
      disconnects: 0,
      refusals: [],
    });
  });

  it('memory stays bounded: heap growth after GC and the size of the session tables', () => {
    const growth = (result.memoryAfter ?? 0) - (result.memoryBefore ?? 0);
    expect(growth).toBeLessThan(64 * MiB);
    // Fuzz peers use a fixed pool of client ids; generated ids (empty CONNECT) and forwarded
    // peers (random node ids) are bounded by max_connections (500 here) and idle_timeout.
    const table = target.mqttsnGateway.table;
    expect(target.mqttsnGateway.sessionCount).toBeLessThanOrEqual(500);
    expect(table.peerCount).toBeLessThanOrEqual(500 + 64);
    expect(table.connections(0)).toBeLessThanOrEqual(500);
    expect(target.mqttsnGateway.sessionCount).toBeGreaterThanOrEqual(2); // the well-behaved client and some fuzz peers
    expect(SN_CLIENT_POOL.length).toBeLessThan(500);
  });
});
