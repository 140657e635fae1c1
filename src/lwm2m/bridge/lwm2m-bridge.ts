import type { Lwm2mConfig, Qos } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { UpstreamMessage, UpstreamSession } from '../../upstream/types.js';
import type { CoapEndpoint } from '../coap/coap-endpoint.js';
import type { CoapMessage } from '../coap/message.js';
import { autoObservePaths } from '../downlink/auto-observe.js';
import { CommandExecutor, internalObserve } from '../downlink/executor.js';
import { ObservationStore } from '../downlink/observations.js';
import { DownlinkScheduler } from '../downlink/scheduler.js';
import type { ModelRegistry } from '../model/types.js';
import type { RegistrarEvents } from '../registration/registrar.js';
import type { Registration } from '../registration/registration.js';
import { deregisterEvent, registerEvent, updateEvent } from '../registration/report.js';
import type { RegistrationStore } from '../registration/store.js';
import { checkTopicName } from '../../topics/topic-rules.js';
import { rejectedAnswer } from './answers.js';
import { parseCommand, type JsonObject, type Lwm2mCommand } from './command.js';
import type { ObserverSlot } from '../observer.js';
import { TopicRouter } from './topic-router.js';
import { versionRefusal } from './version-gate.js';
import {
  commandSubscriptionQos,
  deviceTopic,
  endpointFromTopic,
  renderMountpoint,
  sharedCommandFilter,
  translatorOf,
  type SharedCommandFilter,
} from './topics.js';
import { sendEvent } from '../reporting/send-event.js';
import type { ContentEntry } from '../content/types.js';
import type { Peer } from '../../transport/bind.js';
import type { BootstrapEventSink } from '../bootstrap/bootstrap-events.js';

/** Messages the bridge could not hand to the broker; each is logged at debug. */
export interface Lwm2mBridgeStats {
  /** Refused before publishing: the topic is not a valid MQTT topic name. */
  invalidTopics: number;
  /** The broker session failed the publish. */
  publishErrors: number;
}

/**
 * The MQTT side of the LwM2M gateway: one shared upstream session, the
 * command subscription (one wildcard filter for all devices when the
 * mountpoint allows it, else one filter per device), registration events,
 * command routing into the per-device scheduler.
 */
export class Lwm2mBridge implements RegistrarEvents, BootstrapEventSink {
  readonly #config: Lwm2mConfig;
  readonly #session: UpstreamSession;
  readonly #store: RegistrationStore;
  readonly #models: ModelRegistry;
  readonly #logger: Logger;
  /** Per-device command filters (only when no shared filter fits the mountpoint). */
  readonly #router = new TopicRouter<string>();
  #shared: SharedCommandFilter | undefined;
  readonly #observations = new ObservationStore();
  readonly #executor: CommandExecutor;
  readonly #scheduler: DownlinkScheduler;
  /** Registrations whose command subscription and register event are still under way. */
  readonly #registering = new Map<Registration, Promise<void>>();
  readonly stats: Lwm2mBridgeStats = { invalidTopics: 0, publishErrors: 0 };
  readonly #observer: ObserverSlot | undefined;

  constructor(opts: {
    config: Lwm2mConfig;
    session: UpstreamSession;
    store: RegistrationStore;
    models: ModelRegistry;
    endpointFor: (reg: Registration) => CoapEndpoint;
    logger: Logger;
    observer?: ObserverSlot | undefined;
  }) {
    this.#observer = opts.observer;
    this.#config = opts.config;
    this.#session = opts.session;
    this.#store = opts.store;
    this.#models = opts.models;
    this.#logger = opts.logger;
    const t = opts.config.translators;
    this.#shared = sharedCommandFilter(opts.config.mountpoint, t);
    this.#executor = new CommandExecutor({
      translators: t,
      endpointFor: opts.endpointFor,
      models: opts.models,
      observations: this.#observations,
      logger: opts.logger,
      responseQos: t.response.qos,
      notifyQos: t.notify.qos,
      publish: (topic, qos, message) => this.#publish(topic, qos, message),
      lookup: (ep) => this.#store.get(ep),
      observer: opts.observer,
    });
    this.#scheduler = new DownlinkScheduler({
      maxInflight: opts.config.max_inflight,
      queueMaxSize: opts.config.queue_max_size,
      queueMaxAge: opts.config.queue_max_age,
      qmodeTimeWindow: opts.config.qmode_time_window,
      transmit: (reg, command, release) => this.#executor.transmit(reg, command, release),
      drop: (reg, command) => this.#executor.drop(reg, command),
    });
  }

  get observationCount(): number {
    return this.#observations.size;
  }

  /** Paths the device is observed on. */
  observedPaths(endpoint: string): string[] {
    return this.#observations.pathsOf(endpoint);
  }

  /** Publishes to the broker that failed. */
  get publishErrors(): number {
    return this.stats.publishErrors;
  }

  /** Devices with commands waiting in their queue. */
  get waitingDevices(): number {
    return this.#scheduler.waitingDevices;
  }

  /** A command from another source than MQTT (the HTTP API): same queue, same answers. */
  submit(reg: Registration, command: Lwm2mCommand): void {
    this.#scheduler.submit(reg, command);
  }

  /** The command filter shared by all devices, if the mountpoint allows one. */
  get sharedCommandFilter(): string | undefined {
    return this.#shared?.filter;
  }

  /** Subscribes the shared command filter (before any device can register). */
  async start(): Promise<void> {
    const shared = this.#shared;
    if (shared === undefined) return;
    let refused: unknown;
    try {
      const [granted] = await this.#session.subscribe([{ topic: shared.filter, qos: commandSubscriptionQos(this.#config.translators.command.qos) }]);
      if (granted === 0x80) refused = 'SUBACK 0x80';
    } catch (err) {
      refused = err;
    }
    if (refused !== undefined) {
      // E.g. a broker ACL that allows per-device topics only: subscribe per device as before.
      this.#logger.warn({ filter: shared.filter, err: refused }, 'shared command subscription refused; subscribing per device');
      this.#shared = undefined;
    }
  }

  // ------------------------------------------------------------ registrar events

  registered(reg: Registration, previousMountpoint: string | undefined): void {
    // The device forgot its observations when it registered again (leshan#848: we re-observe below).
    this.#observations.removeEndpoint(reg.endpoint);
    // The register event is built now: a De-register arriving before the subscription completes must not change it.
    const event = registerEvent(reg);
    this.#observer?.current?.registration('register', reg);
    const done = this.#afterRegister(reg, previousMountpoint, event)
      .catch((err: unknown) => this.#logger.warn({ endpoint: reg.endpoint, err }, 'after-register steps failed'))
      .finally(() => {
        if (this.#registering.get(reg) === done) this.#registering.delete(reg);
      });
    this.#registering.set(reg, done);
  }

  async #afterRegister(reg: Registration, previousMountpoint: string | undefined, event: JsonObject): Promise<void> {
    const mountpoint = reg.mountpoint;
    if (previousMountpoint !== undefined && previousMountpoint !== mountpoint) await this.#unsubscribe(previousMountpoint);
    // Subscribe before announcing, so a command sent on the register event is not lost.
    await this.#subscribe(reg);
    if (this.#logger.isLevelEnabled('info')) {
      this.#logger.info({ endpoint: reg.endpoint, peer: `${reg.peer.address}:${reg.peer.port}`, lwm2m: reg.lwm2m, lt: reg.lifetime }, 'registered');
    }
    this.#publish(deviceTopic(mountpoint, this.#config.translators, 'register'), this.#config.translators.register.qos, event);
    // De-registered (or expired) while subscribing: its deregister event follows this one; nothing to send.
    if (this.#store.get(reg.endpoint) !== reg) return;
    for (const path of autoObservePaths(this.#config.auto_observe, reg.objects?.objectList ?? [], this.#models)) {
      this.#scheduler.submit(reg, internalObserve(path));
    }
    this.#scheduler.pump(reg);
  }

  updated(reg: Registration, hadLinks: boolean, previousMountpoint: string | undefined): void {
    this.#observer?.current?.registration('update', reg);
    // The update event is built now, as the register event is (a later Update must not change it).
    const event = updateEvent(reg);
    const registering = this.#registering.get(reg);
    void (async () => {
      // An Update right behind the Register follows its register event.
      if (registering !== undefined) await registering;
      if (previousMountpoint !== undefined) {
        await this.#unsubscribe(previousMountpoint);
        await this.#subscribe(reg);
      }
      if (this.#config.update_msg_publish_condition === 'always' || hadLinks) {
        this.#publish(deviceTopic(reg.mountpoint, this.#config.translators, 'update'), this.#config.translators.update.qos, event);
      }
      // Queue mode: the Update wakes the device; send what waited (lwm2m.md 2.9), once the
      // Update's 2.04 has left (the endpoint replies after this handler returns).
      queueMicrotask(() => this.#scheduler.pump(reg));
    })();
  }

  deregistered(reg: Registration, reason: 'deregister' | 'expired'): void {
    if (this.#logger.isLevelEnabled('info')) this.#logger.info({ endpoint: reg.endpoint, reason }, 'deregistered');
    this.#observations.removeEndpoint(reg.endpoint);
    this.#scheduler.discard(reg);
    this.#executor.abandon(reg);
    const event = deregisterEvent(reg, reason);
    this.#observer?.current?.registration(reason === 'expired' ? 'expired' : 'deregister', reg);
    const finish = (): void => {
      this.#publish(deviceTopic(reg.mountpoint, this.#config.translators, 'deregister'), this.#config.translators.deregister.qos, event);
      if (this.#store.get(reg.endpoint) === undefined) void this.#unsubscribe(reg.mountpoint);
    };
    // A De-register right after Register: announce (and unsubscribe) only once the register event is out.
    const registering = this.#registering.get(reg);
    if (registering === undefined) finish();
    else void registering.then(finish);
  }

  /**
   * A bootstrap server event, on the topic the device's register events
   * would use (no registration exists yet: the mountpoint is rendered with
   * the endpoint name for ${endpoint_name}, ${clientid} and ${username}).
   */
  publishBootstrapEvent(endpoint: string, peer: Peer, event: JsonObject): void {
    const template = this.#config.mountpoint;
    const mountpoint = template.includes('${')
      ? renderMountpoint(template, { endpoint_name: endpoint, clientid: endpoint, username: endpoint, peerhost: peer.address })
      : template;
    this.#publish(deviceTopic(mountpoint, this.#config.translators, 'bootstrap'), translatorOf(this.#config.translators, 'bootstrap').qos, event);
  }

  // ------------------------------------------------------------ traffic

  /** Any message from a registered device: it is awake; send what waits once this datagram is answered. */
  deviceActive(reg: Registration): void {
    if (reg.queue !== undefined && reg.queue.length > 0) queueMicrotask(() => this.#scheduler.pump(reg));
  }

  /** LwM2M 1.1 Send (POST /dp): the values on the send topic, in the notification value shape. */
  sent(reg: Registration, content: readonly ContentEntry[]): void {
    const t = this.#config.translators;
    const event = sendEvent(content);
    this.#observer?.current?.sent(reg, event);
    const publish = (): void => this.#publish(deviceTopic(reg.mountpoint, t, 'send'), translatorOf(t, 'send').qos, event);
    // A Send right behind the Register (1.1 clients often send on registering) follows its register event,
    // which waits for the device's command subscription; later Sends keep their order behind it.
    const registering = this.#registering.get(reg);
    if (registering === undefined) publish();
    else void registering.then(publish);
  }

  /** A CoAP response no request waited for: an observe notification, or false (the endpoint RSTs it). */
  notification(response: CoapMessage): boolean {
    return this.#executor.notification(response);
  }

  /** A message from the broker on a device's command filter. */
  onUpstreamMessage(message: UpstreamMessage): void {
    const endpoint = this.#shared === undefined ? this.#router.match(message.topic) : endpointFromTopic(this.#shared, message.topic);
    const reg = endpoint === undefined ? undefined : this.#store.get(endpoint);
    if (reg === undefined) {
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ topic: message.topic }, 'command for no registered device dropped');
      return;
    }
    const parsed = parseCommand(message.payload);
    if (!parsed.ok) {
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ endpoint: reg.endpoint, reason: parsed.rejected.reason }, 'command rejected');
      this.#publish(deviceTopic(reg.mountpoint, this.#config.translators, 'response'), this.#config.translators.response.qos, rejectedAnswer(parsed.rejected));
      return;
    }
    const refusal = versionRefusal(parsed.command, reg.lwm2m);
    if (refusal !== undefined) {
      const { msgType, echo, reqPath } = parsed.command;
      this.#publish(
        deviceTopic(reg.mountpoint, this.#config.translators, 'response'),
        this.#config.translators.response.qos,
        rejectedAnswer({ msgType, echo, reqPath, reason: refusal }),
      );
      return;
    }
    this.#scheduler.submit(reg, parsed.command);
  }

  /** Part of the gateway's periodic sweep. */
  sweep(): void {
    this.#scheduler.sweep();
  }

  // ------------------------------------------------------------ broker

  /** Per-device command filter (nothing to do under a shared filter). */
  async #subscribe(reg: Registration): Promise<void> {
    if (this.#shared !== undefined) return;
    const filter = deviceTopic(reg.mountpoint, this.#config.translators, 'command');
    this.#router.add(filter, reg.endpoint);
    try {
      await this.#session.subscribe([{ topic: filter, qos: commandSubscriptionQos(this.#config.translators.command.qos) }]);
    } catch (err) {
      this.#logger.warn({ endpoint: reg.endpoint, err }, 'command subscription failed');
    }
  }

  async #unsubscribe(mountpoint: string): Promise<void> {
    if (this.#shared !== undefined) return;
    const filter = deviceTopic(mountpoint, this.#config.translators, 'command');
    this.#router.delete(filter);
    try {
      await this.#session.unsubscribe([filter]);
    } catch (err) {
      this.#logger.debug({ filter, err }, 'unsubscribe failed');
    }
  }

  #publish(topic: string, qos: Qos, message: JsonObject | string): void {
    // Defence in depth: a topic the broker would refuse (wildcards, NUL, bad UTF-8) could cost the
    // shared session (MQTT 3.1.1 §3.3.2-2 lets the broker close it); such a message is dropped here.
    const invalid = checkTopicName(topic);
    if (invalid !== undefined) {
      this.stats.invalidTopics += 1;
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ topic, reason: invalid }, 'publish to an invalid topic refused');
      return;
    }
    const json = typeof message === 'string' ? message : JSON.stringify(message);
    this.#session.publish({ topic, qos, retain: false, payload: Buffer.from(json) }).catch((err: unknown) => {
      this.stats.publishErrors += 1;
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ topic, err }, 'publish failed');
    });
  }
}
