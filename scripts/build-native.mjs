#!/usr/bin/env node
/**
 * Builds the native addons (binding.gyp: the DTLS engine native/dtls.c and the
 * batched UDP socket I/O native/udp.c) with node-gyp against
 * the headers of the Node.js that runs this script, so nothing is
 * downloaded: Node's install ships them under <prefix>/include/node
 * (OpenSSL's included). Run by `npm ci` / `npm install` (the package's own
 * install script) and by `npm run build:native`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const prefix = resolve(dirname(process.execPath), '..');
const args = ['rebuild'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

// npm tells its scripts where its bundled node-gyp is; else the one on PATH.
const bundled = process.env.npm_config_node_gyp;
const command = bundled ? process.execPath : 'node-gyp';
const argv = bundled ? [bundled, ...args] : args;
const result = spawnSync(command, argv, { stdio: 'inherit' });
if (result.error) {
  console.error(`build-native: cannot run node-gyp (${result.error.message}); install the build tools: g++ make python3`);
  process.exit(1);
}
process.exit(result.status ?? 1);
