import type { MqttSnConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { UpstreamConnector, UpstreamSession, UpstreamSessionOptions } from '../upstream/types.js';
import type { Session } from './session.js';
import { isTerminal } from './session-state.js';
import { fillClientIdTemplate } from './topic-names.js';
import { qosMinusOneClientId } from './parameters.js';

/** The broker identity of a device after `clientinfo_override` and the mountpoint template. */
export interface UpstreamIdentity {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  readonly mountpoint: string;
}

/**
 * EMQX `clientinfo_override`: username/password/clientid templates filled
 * with the device's client id; then the mountpoint template is filled with
 * the resulting (upstream) client id, as EMQX does.
 */
export function upstreamIdentity(config: MqttSnConfig, deviceClientId: string): UpstreamIdentity {
  const override = config.clientinfo_override;
  const clientId = override.clientid === '' ? deviceClientId : fillClientIdTemplate(override.clientid, deviceClientId);
  return {
    clientId,
    username: override.username === '' ? undefined : fillClientIdTemplate(override.username, deviceClientId),
    password: override.password === '' ? undefined : Buffer.from(fillClientIdTemplate(override.password, deviceClientId)),
    mountpoint: fillClientIdTemplate(config.mountpoint, clientId),
  };
}

/** Broker-side cleanup of one session that newer sessions under its client id wait for. */
interface SettlingWork {
  readonly owner: Session;
  readonly done: Promise<void>;
}

export interface LinkEvents {
  onMessage(session: Session, message: import('../upstream/types.js').UpstreamMessage): void;
  /** The broker ended the session on its own. */
  onClosed(session: Session, reason: Error | undefined): void;
}

/** Opens and ends the broker sessions of MQTT-SN clients, and the shared QoS -1 session. */
export class UpstreamLinks {
  readonly #config: MqttSnConfig;
  readonly #connector: UpstreamConnector;
  readonly #logger: Logger;
  readonly #events: LinkEvents;
  #qosMinusOne: Promise<{ session: UpstreamSession; mountpoint: string }> | undefined;
  /**
   * Per broker client id: broker-side work of an older session that must be
   * over before a new session under that id opens (its end, its will, the
   * purge of an expired kept session). Otherwise the new connection could be
   * kicked by the old one's cleanup, or take over the old one before its will
   * is out. Entries never reject and are removed when settled. A session never
   * waits for its own entries (its own queue orders those), which keeps a
   * session's queue from waiting on work queued behind itself.
   */
  readonly #settling = new Map<string, Set<SettlingWork>>();

  constructor(config: MqttSnConfig, connector: UpstreamConnector, logger: Logger, events: LinkEvents) {
    this.#config = config;
    this.#connector = connector;
    this.#logger = logger;
    this.#events = events;
  }

  /** Opens the device's own broker session (clean session and will as the device asked). */
  async open(session: Session): Promise<UpstreamSession> {
    // A device reconnecting just as its old session is lost, ended or purged
    // under the same broker client id opens only after that has settled.
    const others = this.#pendingWork(session.upstreamClientId, session);
    if (others.length > 0) await Promise.all(others);
    const will = session.will;
    const options: UpstreamSessionOptions = {
      clientId: session.upstreamClientId,
      cleanSession: session.cleanSession,
      keepAliveSeconds: Math.ceil(session.keepAliveMs / 1000),
      will: will === undefined ? undefined : { topic: session.mountpoint + will.topic, payload: will.payload, qos: will.qos, retain: will.retain },
      ...this.#credentials(session),
    };
    let opened: UpstreamSession | undefined;
    const upstream = await this.#connector.open(options, {
      onMessage: (message) => {
        if (!isTerminal(session.state)) this.#events.onMessage(session, message);
      },
      onClose: (reason) => {
        if (opened !== undefined && session.upstream === opened) this.#events.onClosed(session, reason);
      },
    });
    opened = upstream;
    return upstream;
  }

  /** Ends the device's broker session normally (the broker discards its will). */
  async end(session: Session): Promise<void> {
    const upstream = session.upstream;
    session.upstream = undefined;
    if (upstream === undefined) return;
    const ending = upstream.end().catch((err: unknown) => {
      this.#logger.debug({ err, clientId: session.clientId }, 'ending the broker session failed');
    });
    this.#track(session, ending);
    await ending;
  }

  /**
   * Holds back new sessions under this session's broker client id until the
   * returned release is called (a lost client's will is still to be published).
   */
  reserve(session: Session): () => void {
    let release = (): void => undefined;
    this.#track(session, new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  /**
   * A kept session expired: a clean-session connect and normal end makes the
   * broker drop its persistent session (and the messages it queued) too.
   */
  purge(session: Session): Promise<void> {
    const running = Promise.all(this.#pendingWork(session.upstreamClientId, undefined)).then(() => this.#purge(session));
    this.#track(session, running);
    return running;
  }

  /** Settling work under `clientId` of sessions other than `except`. */
  #pendingWork(clientId: string, except: Session | undefined): Promise<void>[] {
    const entries = this.#settling.get(clientId);
    if (entries === undefined) return [];
    const work: Promise<void>[] = [];
    for (const entry of entries) if (entry.owner !== except) work.push(entry.done);
    return work;
  }

  /** Adds never-rejecting `done` to what other sessions under the owner's broker client id wait for. */
  #track(owner: Session, done: Promise<void>): void {
    const clientId = owner.upstreamClientId;
    let entries = this.#settling.get(clientId);
    if (entries === undefined) {
      entries = new Set();
      this.#settling.set(clientId, entries);
    }
    const entry: SettlingWork = { owner, done };
    entries.add(entry);
    void done.then(() => {
      entries.delete(entry);
      if (entries.size === 0 && this.#settling.get(clientId) === entries) this.#settling.delete(clientId);
    });
  }

  async #purge(session: Session): Promise<void> {
    const { username, password } = this.#credentials(session);
    try {
      const upstream = await this.#connector.open(
        { clientId: session.upstreamClientId, username, password, cleanSession: true, keepAliveSeconds: 0 },
        { onMessage: () => undefined },
      );
      await upstream.end();
    } catch (err) {
      this.#logger.debug({ err, clientId: session.clientId }, 'purging the expired broker session failed');
    }
  }

  /** §6.3: publishes the CURRENT will (it may have been updated) on the device's broker session. */
  async publishWill(session: Session): Promise<boolean> {
    const will = session.will;
    const upstream = session.upstream;
    if (will === undefined || upstream === undefined) return false;
    try {
      await upstream.publish({ topic: session.mountpoint + will.topic, payload: will.payload, qos: will.qos, retain: will.retain });
      return true;
    } catch (err) {
      this.#logger.warn({ err, clientId: session.clientId }, 'publishing the will failed');
      return false;
    }
  }

  /**
   * §6.8 QoS -1: published as QoS 0 under one fixed identity shared by all
   * connectionless senders (`mqttsn-qos-1-<gateway_id>`, then clientinfo_override).
   */
  async publishConnectionless(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    this.#qosMinusOne ??= this.#openQosMinusOne();
    let link: { session: UpstreamSession; mountpoint: string };
    try {
      link = await this.#qosMinusOne;
    } catch (err) {
      this.#qosMinusOne = undefined;
      throw err;
    }
    await link.session.publish({ topic: link.mountpoint + topic, payload, qos: 0, retain });
  }

  async close(): Promise<void> {
    const pending = this.#qosMinusOne;
    this.#qosMinusOne = undefined;
    if (pending === undefined) return;
    try {
      await (await pending).session.end();
    } catch {
      // Never opened: nothing to end.
    }
  }

  async #openQosMinusOne(): Promise<{ session: UpstreamSession; mountpoint: string }> {
    const identity = upstreamIdentity(this.#config, qosMinusOneClientId(this.#config.gateway_id));
    const session = await this.#connector.open(
      { clientId: identity.clientId, username: identity.username, password: identity.password, cleanSession: true, keepAliveSeconds: 0 },
      {
        onMessage: () => undefined,
        onClose: () => {
          this.#qosMinusOne = undefined;
        },
      },
    );
    return { session, mountpoint: identity.mountpoint };
  }

  #credentials(session: Session): { username: string | undefined; password: Buffer | undefined } {
    const identity = upstreamIdentity(this.#config, session.clientId ?? '');
    return { username: identity.username, password: identity.password };
  }
}
