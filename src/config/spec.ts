/**
 * The vocabulary of our declarative config schema. A schema is a tree of
 * these nodes; `validate.ts` walks it against the user's value, and `docs.ts`
 * walks it to render docs/configuration.md. Defaults are written the way a user
 * would write them in JSON (durations as `"30s"`), so the same text feeds the
 * docs, the example file and the resolver.
 */

/** Collects problems; `key` is the dotted path (`mqttsn.predefined[0].id`). */
export interface ProblemSink {
  add(key: string, value: unknown, reason: string): void;
  /** A full key elsewhere in the schema that `name` probably meant (a key put in the wrong section). */
  suggestElsewhere?(name: string): string | undefined;
}

interface SpecBase {
  /** One line; rendered into docs/configuration.md. */
  readonly description: string;
  /** Missing value is a problem instead of taking the default. */
  readonly required?: boolean;
  /** Masked by `--print-config`. */
  readonly secret?: boolean;
}

export interface BooleanSpec extends SpecBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

export interface IntegerSpec extends SpecBase {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export interface NumberSpec extends SpecBase {
  readonly kind: 'number';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export interface StringSpec extends SpecBase {
  readonly kind: 'string';
  /** `undefined`: the key is optional and absent unless given. */
  readonly default: string | undefined;
  readonly oneOf?: readonly string[];
  /** Also accept a JSON number, taken as its decimal text (EMQX allows `"bind": 1884`). */
  readonly fromNumber?: boolean;
  /** Returns a reason when the value is not allowed. */
  readonly check?: (value: string) => string | undefined;
  /** Applied after a successful check (e.g. resolve a relative directory). */
  readonly convert?: (value: string) => string;
}

/** A closed set of numbers or strings, optionally mapped (protocolVersion 0 -> 4). */
export interface ChoiceSpec extends SpecBase {
  readonly kind: 'choice';
  readonly default: number | string;
  readonly values: readonly (number | string)[];
  readonly normalize?: (value: number | string) => number | string;
}

/** Parsed to MILLISECONDS. `min`/`max` are milliseconds. */
export interface DurationSpec extends SpecBase {
  readonly kind: 'duration';
  readonly default: string;
  readonly min: number;
  readonly max: number;
}

/** Parsed to bytes. */
export interface ByteSizeSpec extends SpecBase {
  readonly kind: 'bytes';
  readonly default: number | string;
  readonly min: number;
  readonly max: number;
}

export interface ObjectSpec extends SpecBase {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Spec>>;
  /** Accepted alternative spellings: alias -> canonical field name. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Absent (or null) means `undefined` instead of an object of defaults. */
  readonly optional?: boolean;
}

/**
 * A map of user-named entries (EMQX `listeners.udp.<name>`). A map given by
 * the user REPLACES the default entries; it is not merged with them.
 */
export interface MapSpec extends SpecBase {
  readonly kind: 'map';
  readonly entry: ObjectSpec;
  readonly default: Readonly<Record<string, unknown>>;
  /** Shown in docs as the placeholder for an entry name. */
  readonly nameLabel: string;
  readonly minEntries?: number;
}

/** Anything else: its own parser and a type label for the docs. */
export interface CustomSpec extends SpecBase {
  readonly kind: 'custom';
  readonly typeLabel: string;
  readonly default: unknown;
  readonly parse: (value: unknown, key: string, problems: ProblemSink) => unknown;
}

export type Spec = BooleanSpec | IntegerSpec | NumberSpec | StringSpec | ChoiceSpec | DurationSpec | ByteSizeSpec | ObjectSpec | MapSpec | CustomSpec;

/**
 * The resolved value a spec describes (durations in ms, sizes in bytes), so
 * that the configuration types are derived from the one schema instead of
 * being written a second time. The schema's builders keep the literal
 * details this needs (`oneOf` values, `required`, `optional`, parser results).
 */
export type ValueOf<S> = S extends { readonly kind: 'boolean' }
  ? boolean
  : S extends { readonly kind: 'integer' | 'number' | 'duration' | 'bytes' }
    ? number
    : S extends { readonly kind: 'string'; readonly oneOf: readonly (infer V)[] }
      ? V
      : S extends { readonly kind: 'string'; readonly required: true }
        ? string
        : S extends { readonly kind: 'string'; readonly default: string }
          ? string
          : S extends { readonly kind: 'string' }
            ? string | undefined
            : S extends { readonly kind: 'choice'; readonly normalize: (value: never) => infer N }
              ? N
              : S extends { readonly kind: 'choice'; readonly values: readonly (infer V)[] }
                ? V
                : S extends { readonly kind: 'object'; readonly fields: infer F; readonly optional: true }
                  ? ObjectValue<F> | undefined
                  : S extends { readonly kind: 'object'; readonly fields: infer F }
                    ? ObjectValue<F>
                    : S extends { readonly kind: 'map'; readonly entry: infer E }
                      ? Readonly<Record<string, ValueOf<E>>>
                      : S extends { readonly kind: 'custom'; readonly parse: (value: unknown, key: string, problems: ProblemSink) => infer R }
                        ? R
                        : never;

/**
 * The declared fields (the builders' `Record<string, Spec>` index signature is
 * not a key); fields that may be absent (no default, or an optional object)
 * are optional keys.
 */
export type ObjectValue<F> = {
  readonly [K in keyof F as string extends K ? never : undefined extends ValueOf<F[K]> ? never : K]: ValueOf<F[K]>;
} & {
  readonly [K in keyof F as string extends K ? never : undefined extends ValueOf<F[K]> ? K : never]?: ValueOf<F[K]>;
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `a.b` + `c` -> `a.b.c`; root + `c` -> `c`. */
export function childKey(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}
