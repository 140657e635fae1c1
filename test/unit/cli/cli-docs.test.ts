import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_USAGE } from '../../../src/cli/lwm2m/command.js';
import { DEVICE_USAGE } from '../../../src/cli/lwm2m/device.js';
import { IMPORT_USAGE } from '../../../src/cli/import-emqx/command.js';
import { PUB_USAGE } from '../../../src/cli/mqttsn/pub.js';
import { SUB_USAGE } from '../../../src/cli/mqttsn/sub.js';

describe('docs/cli.md', () => {
  it('carries the --help text of every snlw command as it is', async () => {
    const doc = await readFile(join(import.meta.dirname, '../../../docs/cli.md'), 'utf8');
    for (const usage of [PUB_USAGE, SUB_USAGE, DEVICE_USAGE, COMMAND_USAGE, IMPORT_USAGE]) {
      expect(doc).toContain(usage.trimEnd());
    }
  });
});
