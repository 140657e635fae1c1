import { BYTE_SIZE_SYNTAX, parseByteSize } from './byte-size.js';
import { formatDuration, parseDuration } from './duration.js';
import { childKey, isPlainObject, type ObjectSpec, type MapSpec, type ProblemSink, type Spec } from './spec.js';
import { suggestKey } from './suggest.js';

const MAP_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Walks `spec` against `value` (the user's raw JSON, or `undefined` when the
 * key is absent) and returns the resolved value. Absent keys take their
 * default; every problem is added to `problems` and the walk goes on (a bad
 * value is replaced by its default so later checks still have something to
 * look at), so one pass reports everything.
 */
export function applySpec(spec: Spec, value: unknown, key: string, problems: ProblemSink): unknown {
  if (value === undefined) {
    if (spec.required === true) {
      problems.add(key, value, `is required: ${spec.description}`);
      return undefined;
    }
    return defaultOf(spec, key);
  }
  switch (spec.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      return fail(problems, key, value, 'expected true or false', spec);
    case 'integer':
    case 'number': {
      const label = spec.kind === 'integer' ? 'an integer' : 'a number';
      const ok = typeof value === 'number' && (spec.kind === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value));
      if (!ok) return fail(problems, key, value, `expected ${label} from ${spec.min} to ${spec.max}`, spec);
      if (value < spec.min || value > spec.max) return fail(problems, key, value, `must be from ${spec.min} to ${spec.max}`, spec);
      return value;
    }
    case 'string': {
      const text = typeof value === 'number' && spec.fromNumber === true && Number.isInteger(value) ? String(value) : value;
      if (typeof text !== 'string') {
        if (spec.default === undefined && spec.required !== true && text === null) return undefined;
        return fail(problems, key, value, spec.oneOf ? `expected one of ${listOf(spec.oneOf)}` : 'expected a string', spec);
      }
      if (spec.oneOf !== undefined && !spec.oneOf.includes(text)) {
        return fail(problems, key, value, `expected one of ${listOf(spec.oneOf)}`, spec);
      }
      const reason = spec.check?.(text);
      if (reason !== undefined) return fail(problems, key, value, reason, spec);
      return spec.convert ? spec.convert(text) : text;
    }
    case 'choice': {
      if ((typeof value !== 'number' && typeof value !== 'string') || !spec.values.includes(value)) {
        return fail(problems, key, value, `expected one of ${listOf(spec.values)}`, spec);
      }
      return spec.normalize ? spec.normalize(value) : value;
    }
    case 'duration': {
      const parsed = parseDuration(value);
      if (!parsed.ok) return fail(problems, key, value, parsed.reason, spec);
      if (parsed.ms < spec.min || parsed.ms > spec.max) {
        return fail(problems, key, value, `must be from ${formatDuration(spec.min)} to ${formatDuration(spec.max)}`, spec);
      }
      return parsed.ms;
    }
    case 'bytes': {
      const parsed = parseByteSize(value);
      if (!parsed.ok) return fail(problems, key, value, parsed.reason, spec);
      if (parsed.bytes < spec.min || parsed.bytes > spec.max) {
        return fail(problems, key, value, `must be from ${spec.min} to ${spec.max} bytes (${BYTE_SIZE_SYNTAX})`, spec);
      }
      return parsed.bytes;
    }
    case 'object':
      return applyObject(spec, value, key, problems);
    case 'map':
      return applyMap(spec, value, key, problems);
    case 'custom':
      return spec.parse(value, key, problems);
  }
}

function applyObject(spec: ObjectSpec, value: unknown, key: string, problems: ProblemSink): unknown {
  if (value === null && spec.optional === true) return undefined;
  if (!isPlainObject(value)) {
    problems.add(key === '' ? '(root)' : key, value, 'expected an object');
    return defaultOf(spec, key);
  }
  const given = new Map<string, { value: unknown; as: string }>();
  const known = [...Object.keys(spec.fields), ...Object.keys(spec.aliases ?? {})];
  for (const [name, fieldValue] of Object.entries(value)) {
    const canonical = spec.fields[name] !== undefined ? name : spec.aliases?.[name];
    if (canonical === undefined) {
      const suggestion = suggestKey(name, known);
      const canonicalSuggestion = suggestion === undefined ? undefined : (spec.aliases?.[suggestion] ?? suggestion);
      const elsewhere = canonicalSuggestion === undefined ? problems.suggestElsewhere?.(name) : undefined;
      const hint =
        canonicalSuggestion !== undefined
          ? `; did you mean "${canonicalSuggestion}"?`
          : elsewhere !== undefined
            ? `; did you mean "${elsewhere}"? (it belongs in another section)`
            : ` (known keys: ${Object.keys(spec.fields).join(', ')})`;
      problems.add(childKey(key, name), fieldValue, `unknown key${hint}`);
      continue;
    }
    const previous = given.get(canonical);
    if (previous !== undefined) {
      problems.add(childKey(key, name), fieldValue, `same setting as "${previous.as}", given twice`);
      continue;
    }
    given.set(canonical, { value: fieldValue, as: name });
  }
  const out: Record<string, unknown> = {};
  for (const [name, fieldSpec] of Object.entries(spec.fields)) {
    out[name] = applySpec(fieldSpec, given.get(name)?.value, childKey(key, name), problems);
  }
  return out;
}

function applyMap(spec: MapSpec, value: unknown, key: string, problems: ProblemSink): unknown {
  if (!isPlainObject(value)) {
    problems.add(key, value, `expected an object of ${spec.nameLabel} -> { ${Object.keys(spec.entry.fields).join(', ')} }`);
    return defaultOf(spec, key);
  }
  const entries = Object.entries(value);
  if (entries.length < (spec.minEntries ?? 0)) {
    problems.add(key, value, `needs at least ${spec.minEntries ?? 0} entry`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, entryValue] of entries) {
    if (!MAP_NAME.test(name)) {
      problems.add(childKey(key, name), entryValue, 'entry names may use letters, digits, "_" and "-" only');
      continue;
    }
    out[name] = applySpec(spec.entry, entryValue, childKey(key, name), problems);
  }
  return out;
}

function fail(problems: ProblemSink, key: string, value: unknown, reason: string, spec: Spec): unknown {
  problems.add(key, value, reason);
  return defaultOf(spec, key);
}

const NO_PROBLEMS: ProblemSink = { add: () => undefined };

/** The resolved default of a node (defaults are written in user form and parsed like input). */
export function defaultOf(spec: Spec, key = ''): unknown {
  switch (spec.kind) {
    case 'object': {
      if (spec.optional === true) return undefined;
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(spec.fields)) out[name] = defaultOf(field, childKey(key, name));
      return out;
    }
    case 'map':
      return applyMap(spec, spec.default, key, NO_PROBLEMS);
    case 'custom':
      return spec.parse(spec.default, key, NO_PROBLEMS);
    default:
      if (spec.default === undefined) return undefined;
      return applySpec({ ...spec, required: false }, spec.default, key, NO_PROBLEMS);
  }
}

/** The default in user (JSON) form: what gateway.example.json shows. */
export function rawDefaultOf(spec: Spec): unknown {
  switch (spec.kind) {
    case 'object': {
      if (spec.optional === true) return undefined;
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(spec.fields)) {
        const raw = rawDefaultOf(field);
        if (raw !== undefined) out[name] = raw;
      }
      return out;
    }
    case 'map':
      return spec.default;
    default:
      return spec.default;
  }
}

function listOf(values: readonly (string | number)[]): string {
  return values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');
}

/** Every key path of a schema (`mqttsn.gateway_id`, `mqttsn.listeners.udp.<name>.bind`), in schema order. */
export function allKeyPaths(spec: Spec, prefix = ''): string[] {
  if (spec.kind === 'object') {
    return Object.entries(spec.fields).flatMap(([name, field]) => [childKey(prefix, name), ...allKeyPaths(field, childKey(prefix, name))]);
  }
  if (spec.kind === 'map') return allKeyPaths(spec.entry, childKey(prefix, spec.nameLabel));
  return [];
}
