import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { makeSnPeer } from '../../../src/mqttsn/peer.js';
import { Session } from '../../../src/mqttsn/session.js';
import { UpstreamLinks } from '../../../src/mqttsn/upstream-link.js';
import type { UpstreamConnector, UpstreamSessionOptions } from '../../../src/upstream/types.js';

/**
 * A kept session expires (its broker session is purged with a clean connect),
 * or a lost session still has to publish its will and end, while the device
 * reconnects under the same client id: the old session's cleanup must not
 * kick the new broker session, nor the new one take over before the will. The broker is an in-memory connector whose
 * connects we release by hand, to force the interleaving.
 */
describe('UpstreamLinks: a new broker session waits for the old one under the same client id', () => {
  it("a broker session for a client id opens only after that id's purge has ended", async () => {
    const { links, log, releases, peer, limits } = fixture();
    const expired = new Session(peer, limits, () => undefined, 0);
    expired.upstreamClientId = 'dev-1';
    const fresh = new Session(peer, limits, () => undefined, 0);
    fresh.upstreamClientId = 'dev-1';
    fresh.cleanSession = false;
    const purging = links.purge(expired);
    const opening = links.open(fresh);
    await tick();
    expect(log).toEqual(['open purge dev-1']); // the reconnect waits
    releases.shift()?.();
    await purging;
    await tick();
    expect(log).toEqual(['open purge dev-1', 'end purge dev-1', 'open session dev-1']);
    releases.shift()?.();
    await opening;
    // Other client ids never wait for it.
    const other = new Session(peer, limits, () => undefined, 0);
    other.upstreamClientId = 'dev-2';
    other.cleanSession = false;
    void links.purge(expired);
    const otherOpening = links.open(other);
    await tick();
    expect(log.slice(-2).sort()).toEqual(['open purge dev-1', 'open session dev-2']);
    releases.splice(0).forEach((release) => release());
    await otherOpening;
  });

  it("a reconnect waits for a lost session's will (reserve) and for the old broker session's end", async () => {
    const { links, log, releases, peer, limits } = fixture();
    const lost = new Session(peer, limits, () => undefined, 0);
    lost.upstreamClientId = 'dev-3';
    lost.cleanSession = false;
    const opening = links.open(lost);
    releases.shift()?.();
    lost.upstream = await opening;
    const release = links.reserve(lost); // declareLost: the will is still to be published
    const next = new Session(peer, limits, () => undefined, 0);
    next.upstreamClientId = 'dev-3';
    next.cleanSession = false;
    const reopening = links.open(next);
    await tick();
    expect(log).toEqual(['open session dev-3']);
    const ending = links.end(lost);
    release();
    await ending;
    await tick();
    expect(log).toEqual(['open session dev-3', 'end session dev-3', 'open session dev-3']);
    releases.shift()?.();
    await reopening;
  });

  it('a session never waits for its own pending cleanup (its queue may be what runs that cleanup)', async () => {
    const { links, log, releases, peer, limits } = fixture();
    const s = new Session(peer, limits, () => undefined, 0);
    s.upstreamClientId = 'dev-4';
    s.cleanSession = false;
    const release = links.reserve(s); // e.g. lost while its fresh CONNECT is being handled
    const opening = links.open(s);
    await tick();
    expect(log).toEqual(['open session dev-4']);
    releases.shift()?.();
    await opening;
    release();
  });
});

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function fixture() {
  const config = resolveConfig({ mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } } } }).mqttsn;
  const log: string[] = [];
  const releases: (() => void)[] = [];
  const connector: UpstreamConnector = {
    description: 'memory',
    open: (options: UpstreamSessionOptions) => {
      const what = options.cleanSession ? 'purge' : 'session';
      log.push(`open ${what} ${options.clientId}`);
      return new Promise((resolve) => {
        releases.push(() =>
          resolve({
            sessionPresent: false,
            publish: async () => undefined,
            subscribe: async (filters) => filters.map((f) => f.qos),
            unsubscribe: async () => undefined,
            end: async () => {
              log.push(`end ${what} ${options.clientId}`);
            },
          }),
        );
      });
    },
    close: async () => undefined,
  };
  const links = new UpstreamLinks(config, connector, silentLogger(), { onMessage: () => undefined, onClosed: () => undefined });
  const limits = { maxInflight: 1, bufferSize: 10 };
  const peer = makeSnPeer(0, '10.0.0.1', 5000, undefined);
  return { links, log, releases, peer, limits };
}
