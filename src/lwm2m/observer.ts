import type { JsonObject, Lwm2mCommand } from './bridge/command.js';
import type { Registration } from './registration/registration.js';

export type RegistrationEventKind = 'register' | 'update' | 'deregister' | 'expired';

/**
 * Read-only view of the LwM2M gateway's activity for the HTTP API, the
 * dashboard and the metrics. Called per command, notification and
 * registration event, never per datagram; must not throw.
 */
export interface Lwm2mObserver {
  registration(kind: RegistrationEventKind, reg: Registration): void;
  /**
   * An answer to a command was published (ack, response, coap_timeout,
   * coap_reset, rejection). `elapsedMs`: since the request left, when it did.
   */
  answered(reg: Registration, command: Lwm2mCommand, answer: JsonObject, elapsedMs: number | undefined): void;
  /** An observe notification was published (`message`: its JSON, object or text). */
  notified(reg: Registration, pathKey: string, message: JsonObject | string): void;
  /** A Send (LwM2M 1.1 TS §6.4.1, POST /dp) was published. */
  sent(reg: Registration, message: JsonObject): void;
}

/** Holds the one observer; the gateway's parts call through it. */
export class ObserverSlot {
  current: Lwm2mObserver | undefined = undefined;
}
