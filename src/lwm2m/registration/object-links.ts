import { parseLinkFormat } from '../content/link-format.js';

/** What the Register / Update link payload says (LwM2M 1.1 TS §6.2.1, Transport §6.2.1). Shared, never mutated. */
export interface ObjectLinks {
  /** Root of the LwM2M objects: the `rt="oma.lwm2m"` link, else "/". */
  readonly alternatePath: string;
  /** Link targets without `<>`, attributes or the alternate path prefix (EMQX `objectList`). */
  readonly objectList: readonly string[];
  /** `ct=` of the root link (LwM2M 1.1: content formats the client supports). */
  readonly contentFormats: readonly number[];
  /** `ver=` per object id. */
  readonly versions: ReadonlyMap<number, string>;
  /** The first `ver=` that is not Major.Minor (ignored; a 1.2 Register or Update is refused for it). */
  readonly versionProblem?: string;
}

const OBJECT_VERSION = /^\d{1,3}\.\d{1,3}$/;

const NO_FORMATS: readonly number[] = Object.freeze([]);
const NO_VERSIONS: ReadonlyMap<number, string> = new Map();

/** Parses the link payload; throws GW_ERR_CONTENT on malformed link-format. */
export function parseObjectLinks(text: string): ObjectLinks {
  const links = parseLinkFormat(text);
  const root = links.find((l) => l.attributes.rt === 'oma.lwm2m');
  const alternatePath = root === undefined ? '/' : normaliseRoot(root.target);
  const prefix = alternatePath === '/' ? '' : alternatePath;
  const objectList: string[] = [];
  let versions: Map<number, string> | undefined;
  let versionProblem: string | undefined;
  for (const link of links) {
    if (link === root) continue;
    const target = prefix !== '' && (link.target === prefix || link.target.startsWith(`${prefix}/`)) ? link.target.slice(prefix.length) : link.target;
    if (target === '' || target === '/') continue;
    objectList.push(target);
    const ver = link.attributes.ver;
    if (ver === undefined) continue;
    // `ver=` names the object's version (Major.Minor, LwM2M 1.1 TS §6.2.1 / 1.2 TS §6.2.1.1); 1.2 clients
    // may put it on an object instance link. The object link's own wins over an instance link's.
    if (typeof ver !== 'string' || !OBJECT_VERSION.test(ver)) {
      // Not used for model selection; refused only for 1.2 devices (version-rules.ts), as EMQX ignores ver=.
      versionProblem ??= `link <${link.target}>: ver must be Major.Minor, got ${JSON.stringify(ver)}`;
      continue;
    }
    const ids = /^\/(\d+)(\/\d+)?$/.exec(target);
    if (ids === null) continue;
    const oid = Number(ids[1]);
    versions ??= new Map();
    if (ids[2] === undefined || !versions.has(oid)) versions.set(oid, ver);
  }
  const ct = root?.attributes.ct;
  const contentFormats =
    typeof ct === 'string'
      ? ct
          .split(/\s+/)
          .filter((s) => /^\d+$/.test(s))
          .map(Number)
      : [];
  // Empty parts share one constant: most registrations carry no ct= and no ver= (memory per device).
  return Object.freeze({
    alternatePath,
    objectList: Object.freeze(objectList),
    contentFormats: contentFormats.length === 0 ? NO_FORMATS : Object.freeze(contentFormats),
    versions: versions ?? NO_VERSIONS,
    ...(versionProblem === undefined ? {} : { versionProblem }),
  });
}

function normaliseRoot(target: string): string {
  const t = target.replace(/\/+$/, '');
  return t === '' ? '/' : t.startsWith('/') ? t : `/${t}`;
}

/** Uri-Path segments of the alternate path ("/" -> none). */
export function rootSegments(links: ObjectLinks | undefined): string[] {
  if (links === undefined || links.alternatePath === '/') return [];
  return links.alternatePath.slice(1).split('/');
}
