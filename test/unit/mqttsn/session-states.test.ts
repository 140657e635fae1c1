import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NO_AUTH } from '../../../src/security/admission.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { MsgType, msgTypeName, type MqttSnPacket } from '../../../src/mqttsn/codec/index.js';
import type { GatewayContext } from '../../../src/mqttsn/context.js';
import { createSessionProcessor } from '../../../src/mqttsn/handlers/index.js';
import { Delivery } from '../../../src/mqttsn/outbound.js';
import { makeSnPeer, type SnPeer } from '../../../src/mqttsn/peer.js';
import { Session } from '../../../src/mqttsn/session.js';
import { SessionState } from '../../../src/mqttsn/session-state.js';
import { SessionTable } from '../../../src/mqttsn/session-table.js';
import { MqttSnStats } from '../../../src/mqttsn/stats.js';
import { nextDeadline, onSessionDeadline } from '../../../src/mqttsn/supervision.js';
import { TimerWheel } from '../../../src/mqttsn/timers.js';
import { PredefinedTopics } from '../../../src/mqttsn/topic-registry.js';
import { UpstreamLinks } from '../../../src/mqttsn/upstream-link.js';
import type { UpstreamConnector, UpstreamMessage, UpstreamSessionEvents } from '../../../src/upstream/types.js';

/**
 * The session state machine with fake timers: the real processor, handlers,
 * delivery pipeline, supervision and timer wheel; only the network (packets
 * recorded) and the broker (an in-memory connector) are replaced.
 */
function setup(mqttsn: Record<string, unknown> = {}, brokerRefuses = false) {
  const config = resolveConfig({
    mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } }, retry_interval: '1s', max_retries: 2, idle_timeout: '5s', ...mqttsn },
  }).mqttsn;
  const sent: MqttSnPacket[] = [];
  const published: UpstreamMessage[] = [];
  const brokerEvents: UpstreamSessionEvents[] = [];
  const connector: UpstreamConnector = {
    description: 'memory',
    open: async (_options, events) => {
      brokerEvents.push(events);
      return {
        sessionPresent: false,
        publish: async (message) => {
          if (brokerRefuses) throw new Error('broker unavailable');
          published.push(message);
        },
        subscribe: async (filters) => filters.map((f) => f.qos),
        unsubscribe: async () => undefined,
        end: async () => undefined,
      };
    },
    close: async () => undefined,
  };
  const logger = silentLogger();
  let wheel: TimerWheel<Session> | undefined;
  const table = new SessionTable(1);
  const partial = {
    config,
    logger,
    stats: new MqttSnStats(),
    table,
    predefined: new PredefinedTopics(config.predefined),
    upstream: connector,
    debug: false,
    now: () => Date.now(),
    listenerConfigs: Object.values(config.listeners.udp),
    admit: () => ({ ok: true, auth: NO_AUTH }),
    provesIdentity: () => true,
    send: (_peer: SnPeer, packet: MqttSnPacket) => {
      sent.push(packet);
      return true;
    },
    reschedule: (session: Session) => {
      const at = nextDeadline(ctx, session);
      if (at !== undefined) wheel?.schedule(session, at);
    },
    unschedule: (session: Session) => wheel?.cancel(session),
    redispatch: () => undefined,
  };
  const ctx = partial as unknown as GatewayContext & { delivery: Delivery; links: UpstreamLinks };
  (ctx as { delivery: Delivery }).delivery = new Delivery(ctx);
  (ctx as { links: UpstreamLinks }).links = new UpstreamLinks(config, connector, logger, {
    onMessage: (session, message) => ctx.delivery.accept(session, message),
    onClosed: () => undefined,
  });
  wheel = new TimerWheel<Session>(50, (session, now) => onSessionDeadline(ctx, session, now));
  wheel.start();
  const peer = makeSnPeer(0, '10.0.0.1', 5000, undefined);
  const session = new Session(peer, { maxInflight: config.max_inflight, bufferSize: config.sleep_buffer_size }, createSessionProcessor(ctx), Date.now());
  table.attach(session, peer);
  ctx.reschedule(session);
  const types = (): string[] => sent.map((p) => msgTypeName(p.type));
  return { ctx, session, sent, types, published, brokerEvents, stop: () => wheel?.stop() };
}

const connect = (duration: number, will = false): MqttSnPacket => ({
  type: MsgType.CONNECT,
  will,
  cleanSession: true,
  protocolId: 1,
  duration,
  clientId: 'unit-1',
});

describe('session state machine (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('connecting -> active; keepalive x 1.5 without traffic -> lost, DISCONNECT and will published', async () => {
    const t = setup();
    t.session.enqueue(connect(10, true));
    await vi.advanceTimersByTimeAsync(1);
    expect(t.session.state).toBe(SessionState.AwaitWillTopic);
    t.session.enqueue({ type: MsgType.WILLTOPIC, qos: 1, retain: false, topic: 'will/t' });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.session.state).toBe(SessionState.AwaitWillMsg);
    t.session.enqueue({ type: MsgType.WILLMSG, message: Buffer.from('bye') });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.session.state).toBe(SessionState.Active);
    expect(t.types()).toEqual(['WILLTOPICREQ', 'WILLMSGREQ', 'CONNACK']);
    await vi.advanceTimersByTimeAsync(14_800);
    expect(t.session.state).toBe(SessionState.Active);
    await vi.advanceTimersByTimeAsync(400);
    expect(t.session.state).toBe(SessionState.Lost);
    expect(t.types().at(-1)).toBe('DISCONNECT');
    expect(t.published).toEqual([{ topic: 'will/t', payload: Buffer.from('bye'), qos: 1, retain: false }]);
    expect(t.ctx.table.size).toBe(0);
    t.stop();
  });

  it('traffic refreshes keepalive supervision', async () => {
    const t = setup();
    t.session.enqueue(connect(2));
    await vi.advanceTimersByTimeAsync(1);
    for (let i = 0; i < 5; i += 1) {
      await vi.advanceTimersByTimeAsync(2500);
      t.session.lastHeard = Date.now(); // what the dispatcher does on every datagram
      t.session.enqueue({ type: MsgType.PINGREQ });
    }
    expect(t.session.state).toBe(SessionState.Active);
    t.stop();
  });

  it('asleep: supervised with duration + 10 % above a minute, + 50 % below; PINGREQ wakes and sleeps again', async () => {
    const t = setup();
    t.session.enqueue(connect(5));
    t.session.enqueue({ type: MsgType.DISCONNECT, duration: 100 });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.session.state).toBe(SessionState.Asleep);
    await vi.advanceTimersByTimeAsync(109_000); // keepalive (7.5 s) does not apply while asleep
    expect(t.session.state).toBe(SessionState.Asleep);
    t.session.enqueue({ type: MsgType.PINGREQ, clientId: 'unit-1' });
    await vi.advanceTimersByTimeAsync(1);
    // Nothing buffered: PINGRESP at once, asleep again, sleep timer restarted.
    expect(t.types().slice(-1)).toEqual(['PINGRESP']);
    expect(t.session.state).toBe(SessionState.Asleep);
    t.session.enqueue({ type: MsgType.DISCONNECT, duration: 10 });
    await vi.advanceTimersByTimeAsync(14_500);
    expect(t.session.state).toBe(SessionState.Asleep);
    await vi.advanceTimersByTimeAsync(700);
    expect(t.session.state).toBe(SessionState.Lost);
    t.stop();
  });

  it('buffers while asleep and delivers on wake before PINGRESP', async () => {
    const t = setup();
    t.session.enqueue(connect(5));
    t.session.enqueue({ type: MsgType.SUBSCRIBE, dup: false, qos: 1, msgId: 1, topic: { kind: 'name', name: 'a/b' } });
    t.session.enqueue({ type: MsgType.DISCONNECT, duration: 60 });
    await vi.advanceTimersByTimeAsync(1);
    t.brokerEvents[0]?.onMessage({ topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: false });
    expect(t.session.pendingCount).toBe(1);
    t.session.enqueue({ type: MsgType.PINGREQ, clientId: 'unit-1' });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.session.state).toBe(SessionState.Awake);
    const publish = t.sent.at(-1);
    expect(publish?.type).toBe(MsgType.PUBLISH);
    t.session.enqueue({ type: MsgType.PUBACK, topicId: 1025, msgId: (publish as { msgId: number }).msgId, returnCode: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.types().slice(-1)).toEqual(['PINGRESP']);
    expect(t.session.state).toBe(SessionState.Asleep);
    t.stop();
  });

  it('downlink retransmission: DUP every T_RETRY, N_RETRY times, then lost', async () => {
    const t = setup();
    t.session.enqueue(connect(600));
    t.session.enqueue({ type: MsgType.SUBSCRIBE, dup: false, qos: 1, msgId: 1, topic: { kind: 'name', name: 'r/t' } });
    await vi.advanceTimersByTimeAsync(1);
    t.brokerEvents[0]?.onMessage({ topic: 'r/t', payload: Buffer.from('x'), qos: 1, retain: false });
    const publishes = () => t.sent.filter((p) => p.type === MsgType.PUBLISH) as { dup: boolean }[];
    expect(publishes().map((p) => p.dup)).toEqual([false]);
    await vi.advanceTimersByTimeAsync(1100);
    expect(publishes().map((p) => p.dup)).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(publishes().map((p) => p.dup)).toEqual([false, true, true]);
    expect(t.session.state).toBe(SessionState.Active);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.session.state).toBe(SessionState.Lost);
    expect(t.ctx.stats.retransmissions).toBe(2);
    t.stop();
  });

  it('QoS 2 downlink: an unanswered PUBREL is retransmitted every T_RETRY, N_RETRY times, then the client is lost and its will published', async () => {
    const t = setup();
    t.session.enqueue(connect(600, true));
    t.session.enqueue({ type: MsgType.WILLTOPIC, qos: 0, retain: false, topic: 'will/t' });
    t.session.enqueue({ type: MsgType.WILLMSG, message: Buffer.from('bye') });
    t.session.enqueue({ type: MsgType.SUBSCRIBE, dup: false, qos: 2, msgId: 1, topic: { kind: 'name', name: 'r/q2' } });
    await vi.advanceTimersByTimeAsync(1);
    t.brokerEvents[0]?.onMessage({ topic: 'r/q2', payload: Buffer.from('x'), qos: 2, retain: false });
    const publish = t.sent.at(-1) as { type: number; msgId: number };
    expect(publish.type).toBe(MsgType.PUBLISH);
    t.session.enqueue({ type: MsgType.PUBREC, msgId: publish.msgId });
    await vi.advanceTimersByTimeAsync(1);
    const pubrels = () => t.sent.filter((p) => p.type === MsgType.PUBREL).length;
    expect(pubrels()).toBe(1);
    await vi.advanceTimersByTimeAsync(1100);
    expect(pubrels()).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(pubrels()).toBe(3);
    expect(t.sent.filter((p) => p.type === MsgType.PUBLISH)).toHaveLength(1); // the PUBLISH itself is not resent
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.session.state).toBe(SessionState.Lost);
    expect(t.types().slice(-1)).toEqual(['DISCONNECT']);
    expect(t.published).toEqual([{ topic: 'will/t', payload: Buffer.from('bye'), qos: 0, retain: false }]);
    t.stop();
  });

  it('a handshake that never completes is dropped after idle_timeout', async () => {
    const t = setup();
    t.session.enqueue(connect(10, true));
    await vi.advanceTimersByTimeAsync(4000);
    expect(t.session.state).toBe(SessionState.AwaitWillTopic);
    await vi.advanceTimersByTimeAsync(1200);
    expect(t.session.state).toBe(SessionState.Closed);
    expect(t.ctx.table.atPeer(t.session.peer.listener, t.session.peer.address, t.session.peer.port, t.session.peer.nodeId)).toBeUndefined();
    t.stop();
  });

  it('clean session off: DISCONNECT keeps the session as disconnected until session_expiry', async () => {
    const t = setup({ session_expiry: '30s' });
    t.session.enqueue({ ...connect(10), cleanSession: false } as MqttSnPacket);
    t.session.enqueue({ type: MsgType.DISCONNECT });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.session.state).toBe(SessionState.Disconnected);
    expect(t.ctx.table.byClientId('unit-1')).toBe(t.session);
    await vi.advanceTimersByTimeAsync(30_100);
    expect(t.session.state).toBe(SessionState.Closed);
    expect(t.ctx.table.byClientId('unit-1')).toBeUndefined();
    t.stop();
  });

  it('a CONNECT queued for a kept session when its session_expiry passes resumes it instead of being dropped', async () => {
    const t = setup({ session_expiry: '30s' });
    t.session.enqueue({ ...connect(10), cleanSession: false } as MqttSnPacket);
    t.session.enqueue({ type: MsgType.SUBSCRIBE, dup: false, qos: 1, msgId: 1, topic: { kind: 'name', name: 'keep/me' } });
    t.session.enqueue({ type: MsgType.DISCONNECT });
    await vi.advanceTimersByTimeAsync(29_900);
    expect(t.session.state).toBe(SessionState.Disconnected);
    // What the dispatcher does for a CONNECT with this client id; the CONNECT waits behind slower work.
    t.ctx.table.attach(t.session, t.session.peer);
    t.session.lastHeard = Date.now();
    t.session.enqueue({ type: 'signal', name: 'slow', run: () => new Promise((resolve) => setTimeout(resolve, 500)) });
    t.session.enqueue({ ...connect(10), cleanSession: false } as MqttSnPacket);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.session.state).toBe(SessionState.Active);
    expect(t.types().slice(-1)).toEqual(['CONNACK']);
    expect(t.ctx.table.byClientId('unit-1')).toBe(t.session);
    expect([...t.session.subscriptions.keys()]).toEqual(['keep/me']);
    t.stop();
  });

  it('UNSUBSCRIBE by name assigns no topic id (the registry does not grow)', async () => {
    const t = setup();
    t.session.enqueue(connect(10));
    t.session.enqueue({ type: MsgType.UNSUBSCRIBE, msgId: 7, topic: { kind: 'name', name: 'never/subscribed' } });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sent.at(-1)).toEqual({ type: MsgType.UNSUBACK, msgId: 7 });
    expect(t.session.registry.size).toBe(0);
    t.stop();
  });

  it('QoS 1 uplink the broker does not accept is answered PUBACK 0x01 (congestion)', async () => {
    const t = setup({}, true);
    t.session.enqueue(connect(10));
    t.session.enqueue({ type: MsgType.REGISTER, topicId: 0, msgId: 1, topicName: 'u/p' });
    t.session.enqueue({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: 1025 }, msgId: 2, data: Buffer.from('x') });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sent.at(-1)).toEqual({ type: MsgType.PUBACK, topicId: 1025, msgId: 2, returnCode: 0x01 });
    t.stop();
  });

  it('a kept session that reconnects long after its keepalive starts supervision afresh', async () => {
    const t = setup();
    t.session.enqueue({ ...connect(2), cleanSession: false } as MqttSnPacket);
    t.session.enqueue({ type: MsgType.DISCONNECT });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.session.state).toBe(SessionState.Disconnected);
    t.ctx.table.attach(t.session, t.session.peer); // what the dispatcher does for a CONNECT with this client id
    t.session.enqueue({ ...connect(2), cleanSession: false } as MqttSnPacket);
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.session.state).toBe(SessionState.Active);
    await vi.advanceTimersByTimeAsync(1500);
    expect(t.session.state).toBe(SessionState.Disconnected); // lost again: kept because clean session is off
    t.stop();
  });
});
