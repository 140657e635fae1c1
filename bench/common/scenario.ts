import type { LatencySummary } from './histogram.js';
import type { OptionSpecs, Options } from './options.js';

/** What a scenario measures against. */
export type TargetKind = 'mqttsn' | 'lwm2m' | 'responder';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface ScenarioContext {
  readonly options: Options;
  /** MQTT-SN or LwM2M (CoAP) endpoint of the gateway under test. */
  readonly target: Endpoint;
  /** The LwM2M (CoAP) endpoint as well, for scenarios that drive both protocols. */
  readonly lwm2mTarget: Endpoint;
  /** MQTT broker the gateway publishes to (embedded broker of a spawned gateway, or --broker). */
  readonly brokerUrl: string;
  /** The gateway's HTTP listener (`http://host:port`), when known (spawned gateway). */
  readonly httpUrl: string | undefined;
  /** Unique per run: client ids and topics carry it, so runs never see each other's traffic. */
  readonly runTag: string;
  /** performance.now() ms at which the scenario must have stopped (hard time limit). */
  readonly deadline: number;
  /** Gateway RSS in bytes now, if known (spawned gateway or --pid). */
  readonly sampleRss: () => number | undefined;
  /** Gateway CPU seconds (user + system) used so far, if known (spawned gateway or --pid). */
  readonly sampleCpuSeconds: () => number | undefined;
  readonly log: (line: string) => void;
}

export interface ScenarioMetrics {
  durationMs: number;
  sent?: number;
  received?: number;
  lost?: number;
  messagesPerSecond?: number;
  connectsPerSecond?: number;
  registrationsPerSecond?: number;
  accepted?: number;
  rejected?: number;
  failed?: number;
  latencyMs?: LatencySummary;
  /** Anything scenario-specific (named in the scenario file). */
  extra?: Record<string, number | string | boolean | LatencySummary | undefined>;
  /** Clients / devices the RSS delta is divided by (idle scenarios). */
  rssPerUnitOf?: number;
  /** RSS sample taken by the scenario at its measuring point (e.g. after all idle clients connected). */
  rssLoadedBytes?: number;
  /** True when the hard time limit cut the run short. */
  timedOut?: boolean;
  notes?: string[];
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly target: TargetKind;
  readonly options: OptionSpecs;
  run(ctx: ScenarioContext): Promise<ScenarioMetrics>;
}
