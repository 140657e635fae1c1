/**
 * A small command-line parser with mosquitto's habits: short flags (`-t x`,
 * `-tx`), long flags (`--topic x`, `--topic=x`), repeatable options and
 * switches. Unknown or incomplete options are a UsageError.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** Long name without dashes; the key in the result. */
  readonly name: string;
  /** One-letter alias (`t` for `-t`). */
  readonly short?: string;
  /** true = takes a value; false = a switch. */
  readonly value: boolean;
  /** May be given several times (values collected in order). */
  readonly repeat?: boolean;
  /** Shown in --help: `-t, --topic TOPIC  text`. */
  readonly help: string;
  /** Placeholder in --help, e.g. TOPIC. */
  readonly arg?: string;
}

export interface ParsedArgs {
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  const take = (spec: OptionSpec, value: string | undefined, shown: string): void => {
    if (!spec.value) {
      if (value !== undefined) throw new UsageError(`${shown} takes no value`);
      switches.add(spec.name);
      return;
    }
    if (value === undefined) throw new UsageError(`${shown} needs a value${spec.arg === undefined ? '' : ` (${spec.arg})`}`);
    const list = values.get(spec.name) ?? [];
    if (list.length > 0 && spec.repeat !== true) throw new UsageError(`${shown} given more than once`);
    list.push(value);
    values.set(spec.name, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`unknown option ${arg.slice(0, eq < 0 ? undefined : eq)}; see --help`);
      if (eq >= 0) take(spec, arg.slice(eq + 1), `--${name}`);
      else if (spec.value) take(spec, argv[++i], `--${name}`);
      else take(spec, undefined, `--${name}`);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      const spec = byShort.get(arg.charAt(1));
      if (spec === undefined) throw new UsageError(`unknown option ${arg.slice(0, 2)}; see --help`);
      if (spec.value) take(spec, arg.length > 2 ? arg.slice(2) : argv[++i], `-${spec.short}`);
      else if (arg.length > 2) {
        // Bundled switches: -vd
        for (const letter of arg.slice(1)) {
          const bundled = byShort.get(letter);
          if (bundled === undefined || bundled.value) throw new UsageError(`unknown or value-taking option -${letter} in ${arg}`);
          take(bundled, undefined, `-${letter}`);
        }
      } else take(spec, undefined, `-${spec.short}`);
    } else positionals.push(arg);
  }
  return { values, switches, positionals };
}

export function formatOptions(specs: readonly OptionSpec[]): string {
  const heads = specs.map((s) => `${s.short === undefined ? '    ' : `-${s.short}, `}--${s.name}${s.value ? ` ${s.arg ?? 'VALUE'}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return specs.map((s, i) => `  ${heads[i].padEnd(width)}${s.help}`).join('\n');
}

/** Typed access to parsed options. */
export class Options {
  constructor(readonly parsed: ParsedArgs) {}

  has(name: string): boolean {
    return this.parsed.switches.has(name) || this.parsed.values.has(name);
  }
  string(name: string): string | undefined {
    return this.parsed.values.get(name)?.[0];
  }
  strings(name: string): readonly string[] {
    return this.parsed.values.get(name) ?? [];
  }
  integer(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a whole number, got "${text}"`);
    const n = Number(text);
    if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got ${n}`);
    return n;
  }
  seconds(name: string, min = 0): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number of seconds >= ${min}, got "${text}"`);
    return n;
  }
}
