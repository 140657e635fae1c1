import { describe, expect, it } from 'vitest';
import { Options, parseArgs, UsageError, type OptionSpec } from '../../../src/cli/args.js';
import { defaultBrokerUrl, fromBind } from '../../../src/cli/endpoints.js';

const SPECS: readonly OptionSpec[] = [
  { name: 'topic', short: 't', value: true, repeat: true, help: '' },
  { name: 'qos', short: 'q', value: true, help: '' },
  { name: 'verbose', short: 'v', value: false, help: '' },
  { name: 'debug', short: 'd', value: false, help: '' },
  { name: 'will-topic', value: true, help: '' },
];

describe('snlw argument parsing (mosquitto habits)', () => {
  it('short, attached, long and --long=value forms; repeatable options; bundled switches; negative numbers as values', () => {
    const parsed = parseArgs(['-t', 'a/b', '-tc/d', '--will-topic=w', '-vd', '-q', '-1', 'extra'], SPECS);
    const opts = new Options(parsed);
    expect(opts.strings('topic')).toEqual(['a/b', 'c/d']);
    expect(opts.string('will-topic')).toBe('w');
    expect(opts.has('verbose') && opts.has('debug')).toBe(true);
    expect(opts.integer('qos', -1, 2)).toBe(-1);
    expect(parsed.positionals).toEqual(['extra']);
  });

  it('refuses unknown options, missing values, repeats of single options and out-of-range numbers', () => {
    expect(() => parseArgs(['-x'], SPECS)).toThrow(new UsageError('unknown option -x; see --help'));
    expect(() => parseArgs(['--nope'], SPECS)).toThrow('unknown option --nope');
    expect(() => parseArgs(['-q'], SPECS)).toThrow('-q needs a value');
    expect(() => parseArgs(['-q', '1', '-q', '2'], SPECS)).toThrow('-q given more than once');
    expect(() => new Options(parseArgs(['-q', '3'], SPECS)).integer('qos', -1, 2)).toThrow('--qos must be from -1 to 2, got 3');
    expect(() => new Options(parseArgs(['-q', 'one'], SPECS)).integer('qos', -1, 2)).toThrow('--qos must be a whole number, got "one"');
  });
});

describe('snlw default addresses follow the gateway environment variables', () => {
  it('reads the first bind of a list; wildcard hosts become loopback', () => {
    expect(fromBind(undefined, 1884)).toEqual({ host: '127.0.0.1', port: 1884 });
    expect(fromBind('21884', 1884)).toEqual({ host: '127.0.0.1', port: 21884 });
    expect(fromBind('0.0.0.0:21884,[::]:21884', 1884)).toEqual({ host: '127.0.0.1', port: 21884 });
    expect(fromBind('[::]:5683', 5683)).toEqual({ host: '::1', port: 5683 });
    expect(fromBind('10.0.0.5:abc', 5683)).toEqual({ host: '10.0.0.5', port: 5683 });
  });

  it('the broker: GATEWAY_UPSTREAM_SERVER, else the embedded bind', () => {
    expect(defaultBrokerUrl({ GATEWAY_UPSTREAM_SERVER: 'mqtts://b:8883' })).toBe('mqtts://b:8883');
    expect(defaultBrokerUrl({ GATEWAY_UPSTREAM_SERVER: '', GATEWAY_EMBEDDED_BIND: '0.0.0.0:21883' })).toBe('mqtt://127.0.0.1:21883');
    expect(defaultBrokerUrl({})).toBe('mqtt://127.0.0.1:1883');
  });
});
