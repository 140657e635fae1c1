import type { Scenario } from '../../common/scenario.js';
import { publishOptions, runUplink } from './publish.js';

/**
 * The publish scenario against the bare reference responder (reference-responder.ts)
 * instead of a gateway: the ceiling a Node.js process reaches on this machine.
 * Nothing reaches a broker, so only acknowledged messages are counted.
 */
export const baselineScenario: Scenario = {
  name: 'baseline',
  summary: 'publish (QoS 1 by default) against the bare Node.js UDP reference responder: the Node.js ceiling on this machine',
  target: 'responder',
  options: publishOptions,
  run: (ctx) => runUplink(ctx, { countAtBroker: false }),
};
