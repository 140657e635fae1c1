import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helpText, parseCliArgs } from '../../../src/config/cli.js';
import { loadConfig } from '../../../src/config/load.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { problemsOf, problemsOfAsync } from './problems.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeJson(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  return file;
}

describe('parseCliArgs', () => {
  it('reads --config, -c, --config=, --print-config and --help', () => {
    expect(parseCliArgs([])).toEqual({ configPath: undefined, help: false, printConfig: false });
    expect(parseCliArgs(['--config', 'a.json'])).toMatchObject({ configPath: 'a.json' });
    expect(parseCliArgs(['-c', 'b.json', '--print-config'])).toEqual({ configPath: 'b.json', help: false, printConfig: true });
    expect(parseCliArgs(['--config=c.json', '-h'])).toEqual({ configPath: 'c.json', help: true, printConfig: false });
  });

  it('reports unknown arguments and a missing file name together', () => {
    const problems = problemsOf(() => parseCliArgs(['--verbose', 'extra', '--config']));
    expect(problems.map((p) => p.key)).toEqual(['--verbose', 'extra', '--config']);
    expect(problems[2]?.reason).toMatch(/needs a file name/);
  });

  it('has help text naming every option', () => {
    const text = helpText();
    for (const option of ['--config', '-c', '--print-config', '--help']) expect(text).toContain(option);
  });
});

describe('loadConfig files', () => {
  it('uses defaults when there is no --config and no config/gateway.json', async () => {
    expect(await loadConfig({ argv: [], env: {}, cwd: dir })).toEqual(resolveConfig({}));
  });

  it('reads config/gateway.json relative to the working directory when present', async () => {
    await writeJson('config/gateway.json', JSON.stringify({ mqttsn: { gateway_id: 42 } }));
    const config = await loadConfig({ argv: [], env: {}, cwd: dir });
    expect(config.mqttsn.gateway_id).toBe(42);
  });

  it('reads --config FILE (relative to the working directory) in preference to config/gateway.json', async () => {
    await writeJson('config/gateway.json', JSON.stringify({ mqttsn: { gateway_id: 42 } }));
    await writeJson('other.json', JSON.stringify({ mqttsn: { gateway_id: 7 }, log: { level: 'debug' } }));
    const config = await loadConfig({ argv: ['--config', 'other.json'], env: {}, cwd: dir });
    expect(config.mqttsn.gateway_id).toBe(7);
    expect(config.log.level).toBe('debug');
    const viaShort = await loadConfig({ argv: ['-c', join(dir, 'other.json')], env: {}, cwd: '/' });
    expect(viaShort.mqttsn.gateway_id).toBe(7);
    expect(Object.isFrozen(viaShort.mqttsn)).toBe(true);
  });

  it('reports a missing --config file', async () => {
    const { error, problems } = await problemsOfAsync(() => loadConfig({ argv: ['-c', 'nope.json'], env: {}, cwd: dir }));
    expect(problems).toEqual([{ key: '--config', value: 'nope.json', reason: 'file not found' }]);
    expect(error.message).toContain(join(dir, 'nope.json'));
  });

  it('reports an unreadable file', async () => {
    await mkdir(join(dir, 'adir.json'));
    const { problems } = await problemsOfAsync(() => loadConfig({ argv: ['-c', 'adir.json'], env: {}, cwd: dir }));
    expect(problems[0]?.reason).toMatch(/cannot read the file \(EISDIR\)/);
  });

  it('names the file, line and column of invalid JSON', async () => {
    const file = await writeJson('bad.json', '{\n  "mqttsn": {\n    "gateway_id": 1\n    "broadcast": true\n  }\n}\n');
    const { error, problems } = await problemsOfAsync(() => loadConfig({ argv: ['--config', 'bad.json'], env: {}, cwd: dir }));
    expect(error.message).toContain(`${file}:4:5`);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('line 4, column 5');
    expect(problems[0]?.value).toBe('    "broadcast": true');
    expect(problems[0]?.reason).toMatch(/^invalid JSON: expected "," or "}" after property value/);
  });

  it('reports trailing commas and truncated files with a position', async () => {
    await writeJson('comma.json', '{ "log": { "level": "info", } }');
    const comma = await problemsOfAsync(() => loadConfig({ argv: ['-c', 'comma.json'], env: {}, cwd: dir }));
    expect(comma.problems[0]?.key).toBe('line 1, column 29');
    expect(comma.problems[0]?.reason).toMatch(/trailing comma/);
    await writeJson('short.json', '{ "log": ');
    const short = await problemsOfAsync(() => loadConfig({ argv: ['-c', 'short.json'], env: {}, cwd: dir }));
    expect(short.problems[0]?.reason).toMatch(/end of file/);
  });

  it('names the file when its content is invalid', async () => {
    const file = await writeJson('gw.json', JSON.stringify({ mqttsn: { gatway_id: 1, max_retries: -1 } }));
    const { error, problems } = await problemsOfAsync(() => loadConfig({ argv: ['-c', file], env: {}, cwd: dir }));
    expect(error.message.split('\n')[0]).toBe(`invalid configuration in ${file}`);
    expect(problems.map((p) => p.key)).toEqual(['mqttsn.gatway_id', 'mqttsn.max_retries']);
  });

  it('accepts a UTF-8 byte order mark', async () => {
    await writeJson('bom.json', '\uFEFF{ "log": { "level": "warn" } }');
    expect((await loadConfig({ argv: ['-c', 'bom.json'], env: {}, cwd: dir })).log.level).toBe('warn');
  });
});

describe('loadConfig environment overrides', () => {
  it('applies every documented variable on top of the file', async () => {
    await writeJson('gw.json', JSON.stringify({ log: { level: 'warn' }, mqttsn: { gateway_id: 3 } }));
    const config = await loadConfig({
      argv: ['-c', 'gw.json'],
      cwd: dir,
      env: {
        GATEWAY_LOG_LEVEL: 'debug',
        GATEWAY_UPSTREAM_MODE: 'aggregating',
        GATEWAY_UPSTREAM_SERVER: 'mqtts://broker.example:8883',
        GATEWAY_UPSTREAM_USERNAME: 'gw',
        GATEWAY_UPSTREAM_PASSWORD: 's3cret',
        GATEWAY_EMBEDDED_BIND: '',
        GATEWAY_MQTTSN_ENABLE: 'off',
        GATEWAY_MQTTSN_BIND: '127.0.0.1:11884, [::1]:11884',
        GATEWAY_MQTTSN_GATEWAY_ID: '9',
        GATEWAY_LWM2M_ENABLE: '1',
        GATEWAY_LWM2M_BIND: '[::]:5683',
        GATEWAY_XML_DIR: '/srv/xml',
        GATEWAY_BOOTSTRAP_CONFIG_FILE: '/etc/gw/bootstrap.json',
        GATEWAY_BOOTSTRAP_BIND: '127.0.0.1:15685',
      },
    });
    expect(config.log.level).toBe('debug');
    expect(config.upstream.mode).toBe('aggregating');
    expect(config.upstream.client.server).toBe('mqtts://broker.example:8883');
    expect(config.upstream.client.basicAuth).toEqual({ username: 'gw', password: 's3cret' });
    expect(config.upstream.embedded.bind).toBe('');
    expect(config.mqttsn.enable).toBe(false);
    expect(Object.entries(config.mqttsn.listeners.udp).map(([name, l]) => [name, l.bind])).toEqual([
      ['default', '127.0.0.1:11884'],
      ['default_2', '[::1]:11884'],
    ]);
    expect(config.mqttsn.gateway_id).toBe(9);
    expect(config.lwm2m.enable).toBe(true);
    expect(Object.keys(config.lwm2m.listeners.udp)).toEqual(['default']);
    expect(config.lwm2m.listeners.udp['default']?.bind).toBe('[::]:5683');
    expect(config.lwm2m.xml_dir).toBe('/srv/xml');
    expect(config.lwm2m.bootstrap?.config_file).toBe('/etc/gw/bootstrap.json');
    expect(config.lwm2m.bootstrap?.listeners.udp['default']?.bind).toBe('127.0.0.1:15685');
  });

  it('ignores empty non-string variables and unrelated variables', async () => {
    const config = await loadConfig({ argv: [], cwd: dir, env: { GATEWAY_MQTTSN_ENABLE: '', GATEWAY_LWM2M_BIND: ' ', PATH: '/bin' } });
    expect(config).toEqual(resolveConfig({}));
  });

  it('validates variables like the file and names the variable in each problem', async () => {
    const { error, problems } = await problemsOfAsync(() =>
      loadConfig({
        argv: [],
        cwd: dir,
        env: {
          GATEWAY_LOG_LEVEL: 'chatty',
          GATEWAY_MQTTSN_ENABLE: 'perhaps',
          GATEWAY_MQTTSN_GATEWAY_ID: '300',
          GATEWAY_LWM2M_BIND: 'localhost',
          GATEWAY_UPSTREAM_SERVER: 'http://x',
        },
      }),
    );
    const byKey = new Map(problems.map((p) => [p.key, p.reason]));
    expect(byKey.get('log.level')).toMatch(/\(from environment variable GATEWAY_LOG_LEVEL\)$/);
    expect(byKey.get('mqttsn.enable')).toMatch(/true or false \(from environment variable GATEWAY_MQTTSN_ENABLE\)$/);
    expect(byKey.get('mqttsn.gateway_id')).toMatch(/from 0 to 255 \(from environment variable GATEWAY_MQTTSN_GATEWAY_ID\)$/);
    expect(byKey.get('lwm2m.listeners.udp.default.bind')).toMatch(/GATEWAY_LWM2M_BIND/);
    expect(byKey.get('upstream.client.server')).toMatch(/GATEWAY_UPSTREAM_SERVER/);
    expect(problems).toHaveLength(5);
    expect(error.message.split('\n')[0]).toBe('invalid configuration in environment');
  });

  it('does not blame a variable for a file problem', async () => {
    await writeJson('gw.json', JSON.stringify({ mqttsn: { gateway_id: 300 } }));
    const { problems } = await problemsOfAsync(() => loadConfig({ argv: ['-c', 'gw.json'], cwd: dir, env: { GATEWAY_LOG_LEVEL: 'info' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.reason).not.toMatch(/environment/);
  });
});

describe('empty environment variables for fixed-choice keys', () => {
  it('treats GATEWAY_LOG_LEVEL="" as not set, and still rejects a wrong word', async () => {
    const config = await loadConfig({ argv: [], env: { GATEWAY_LOG_LEVEL: '' }, cwd: tmpdir() });
    expect(config.log.level).toBe('info');
    await expect(loadConfig({ argv: [], env: { GATEWAY_LOG_LEVEL: 'loud' }, cwd: tmpdir() })).rejects.toThrow(/GATEWAY_LOG_LEVEL/);
  });
});
