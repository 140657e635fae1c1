/**
 * Command-line options of `npm run bench -- <scenario> [--name value ...]`.
 * Every scenario declares its options (type, default, help); common options
 * (target, gateway process, time limit) are declared once in common-options.ts.
 */

export type OptionValue = number | string | boolean;

export interface OptionSpec {
  readonly type: 'number' | 'string' | 'boolean';
  readonly default: OptionValue;
  readonly help: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export class OptionError extends Error {}

/** Parsed options: every declared name has a value (given or default). */
export class Options {
  readonly #values: Map<string, OptionValue>;
  readonly #given: Set<string>;

  constructor(values: Map<string, OptionValue>, given: Set<string>) {
    this.#values = values;
    this.#given = given;
  }

  num(name: string): number {
    const v = this.#values.get(name);
    if (typeof v !== 'number') throw new OptionError(`option --${name} is not a number option`);
    return v;
  }

  str(name: string): string {
    const v = this.#values.get(name);
    if (typeof v !== 'string') throw new OptionError(`option --${name} is not a string option`);
    return v;
  }

  bool(name: string): boolean {
    const v = this.#values.get(name);
    if (typeof v !== 'boolean') throw new OptionError(`option --${name} is not a boolean option`);
    return v;
  }

  given(name: string): boolean {
    return this.#given.has(name);
  }

  /** All values, for the result file's `parameters`. */
  toJSON(): Record<string, OptionValue> {
    return Object.fromEntries(this.#values);
  }
}

export function parseOptions(argv: readonly string[], specs: OptionSpecs): Options {
  const values = new Map<string, OptionValue>();
  for (const [name, spec] of Object.entries(specs)) values.set(name, spec.default);
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new OptionError(`unexpected argument "${arg}"`);
    let name = arg.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let negated = false;
    if (!(name in specs) && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const spec = specs[name];
    if (!spec) throw new OptionError(`unknown option --${name} (see --help)`);
    given.add(name);
    if (spec.type === 'boolean') {
      values.set(name, inline === undefined ? !negated : inline !== 'false' && inline !== '0');
      continue;
    }
    const text = inline ?? argv[++i];
    if (text === undefined) throw new OptionError(`option --${name} needs a value`);
    if (spec.type === 'number') {
      const n = Number(text.replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new OptionError(`option --${name}: "${text}" is not a number`);
      values.set(name, n);
    } else {
      values.set(name, text);
    }
  }
  return new Options(values, given);
}

export function formatHelp(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const def = s.type === 'boolean' ? (s.default ? ' (default on)' : '') : ` (default ${JSON.stringify(s.default)})`;
      return `  --${name}${s.type === 'boolean' ? '' : ' <' + s.type + '>'}  ${s.help}${def}`;
    })
    .join('\n');
}
