import type { Scenario } from './common/scenario.js';
import { httpApiScenario } from './http/http-api.js';
import { lwm2mFloodScenario } from './lwm2m/scenarios/lwm2m-flood.js';
import { lwm2mIdleScenario } from './lwm2m/scenarios/lwm2m-idle.js';
import { lwm2mNotifyScenario } from './lwm2m/scenarios/lwm2m-notify.js';
import { lwm2mReadScenario } from './lwm2m/scenarios/lwm2m-read.js';
import { lwm2mRegisterScenario } from './lwm2m/scenarios/lwm2m-register.js';
import { baselineScenario } from './mqttsn/scenarios/baseline.js';
import { connectStormScenario } from './mqttsn/scenarios/connect-storm.js';
import { fanoutScenario } from './mqttsn/scenarios/fanout.js';
import { idleScenario } from './mqttsn/scenarios/idle.js';
import { publishScenario } from './mqttsn/scenarios/publish.js';
import { sleepWakeScenario } from './mqttsn/scenarios/sleep-wake.js';
import { soakScenario } from './soak-scenario.js';

/** Every scenario `npm run bench -- <name>` knows. */
export const scenarios: readonly Scenario[] = [
  httpApiScenario,
  connectStormScenario,
  publishScenario,
  fanoutScenario,
  sleepWakeScenario,
  idleScenario,
  baselineScenario,
  lwm2mRegisterScenario,
  lwm2mReadScenario,
  lwm2mNotifyScenario,
  lwm2mIdleScenario,
  lwm2mFloodScenario,
  soakScenario,
];

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
