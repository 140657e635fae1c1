import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { children, parseXmlDocument } from './ddf-document.js';
import { parseDdfObject } from './ddf-object-parser.js';
import { ModelError } from './model-error.js';
import { versionKey } from './model-version.js';
import type { ObjectModel } from './types.js';

/** One unusable file (or directory) and why, for the startup log. */
export interface ModelProblem {
  readonly file: string;
  readonly reason: string;
}

export interface ModelDirectoryResult {
  models: ObjectModel[];
  /** Files that could not be used at all (each file appears once). */
  problems: { file: string; reason: string }[];
  /** Files that loaded but deviate from the registry rules (reserved ids, odd URNs, ...). */
  warnings: { file: string; reason: string }[];
}

/** The `xml/` directory shipped with the package (same relative place from src/ and dist/). */
export const SHIPPED_XML_DIR: string = fileURLToPath(new URL('../../../xml/', import.meta.url));

/**
 * Parses one DDF file (root `LWM2M` holding one or more `Object` elements).
 * Throws ModelError (GW_ERR_MODEL) naming the file, object and resource of
 * every problem; pushes non-fatal findings onto `warnings` when given.
 */
export function parseModelXml(text: string, fileName: string, warnings?: string[]): ObjectModel[] {
  let parsed: ReturnType<typeof parseXmlDocument>;
  try {
    parsed = parseXmlDocument(text);
  } catch (err) {
    throw new ModelError(fileName, [`malformed XML: ${describeXmlError(err)}`], err);
  }
  if (parsed.rootName.toUpperCase() !== 'LWM2M') {
    throw new ModelError(fileName, [`root element is <${parsed.rootName}>, expected <LWM2M>`]);
  }
  const objects = children(parsed.root, 'Object');
  if (objects.length === 0) throw new ModelError(fileName, ['no <Object> element under <LWM2M>']);

  const errors: string[] = [];
  const models: ObjectModel[] = [];
  const seen = new Set<string>();
  objects.forEach((node, index) => {
    const result = parseDdfObject(node, index);
    errors.push(...result.errors);
    warnings?.push(...result.warnings);
    if (result.model === undefined) return;
    const key = `${result.model.id}@${versionKey(result.model.version)}`;
    if (seen.has(key)) {
      errors.push(`object ${result.model.id} version ${result.model.version} is defined twice in this file`);
      return;
    }
    seen.add(key);
    models.push(result.model);
  });
  if (errors.length > 0) throw new ModelError(fileName, errors);
  return models;
}

/**
 * Loads every `*.xml` file directly in `dir`, in natural name order. A broken
 * file becomes one problem and the others still load; a missing directory is
 * a problem too. When two files define the same object id and version, the
 * later file wins and a warning says so.
 */
export async function loadModelDirectory(dir: string): Promise<ModelDirectoryResult> {
  const result: ModelDirectoryResult = { models: [], problems: [], warnings: [] };
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.xml'))
      .map((e) => e.name)
      .sort(naturalCompare);
  } catch (err) {
    result.problems.push({ file: dir, reason: describeFsError(err, 'cannot read model directory') });
    return result;
  }

  const byKey = new Map<string, { model: ObjectModel; file: string }>();
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      result.problems.push({ file, reason: describeFsError(err, 'cannot read file') });
      continue;
    }
    const fileWarnings: string[] = [];
    let models: ObjectModel[];
    try {
      models = parseModelXml(text, name, fileWarnings);
    } catch (err) {
      const reason = err instanceof ModelError ? err.reason : err instanceof Error ? err.message : String(err);
      result.problems.push({ file, reason });
      continue;
    }
    for (const reason of fileWarnings) result.warnings.push({ file, reason });
    for (const model of models) {
      const key = `${model.id}@${versionKey(model.version)}`;
      const previous = byKey.get(key);
      if (previous !== undefined) {
        result.warnings.push({
          file,
          reason: `object ${model.id} version ${model.version} replaces the definition from ${previous.file}`,
        });
      }
      byKey.set(key, { model, file });
    }
  }
  result.models = [...byKey.values()].map((v) => v.model);
  return result;
}

/** sax reports `msg\nLine: 0\nColumn: 5\nChar: x` with a 0-based line; make it one readable line. */
function describeXmlError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const where = /Line:\s*(\d+)\s*Column:\s*(\d+)/.exec(text);
  const head = text.split('\n')[0]?.trim().replace(/\.$/, '') ?? text;
  return where === null ? head : `${head} (line ${Number(where[1]) + 1}, column ${where[2]})`;
}

function describeFsError(err: unknown, what: string): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  if (code === 'ENOENT') return `${what}: does not exist`;
  if (code === 'ENOTDIR') return `${what}: not a directory`;
  if (code === 'EACCES') return `${what}: permission denied`;
  return `${what}: ${err instanceof Error ? err.message : String(err)}`;
}

/** "3.xml" < "10.xml" < "3303.xml"; ties broken by plain comparison for determinism. */
function naturalCompare(a: string, b: string): number {
  const pa = a.toLowerCase().match(/\d+|\D+/g) ?? [];
  const pb = b.toLowerCase().match(/\d+|\D+/g) ?? [];
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff;
    }
    return x < y ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
