import type { FastifyReply } from 'fastify';
/** EMQX paging: `page` from 1 (default 1), `limit` 1..10000 (default 100). */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export const pagingQuerySchema = {
  page: { type: 'integer', minimum: 1, default: 1, description: 'page number, from 1' },
  limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'items per page' },
} as const;

export const metaSchema = {
  type: 'object',
  properties: {
    page: { type: 'integer' },
    limit: { type: 'integer' },
    hasnext: { type: 'boolean' },
    count: { type: 'integer', description: 'total matches; left out when a like_* filter is used (EMQX)' },
  },
  required: ['page', 'limit', 'hasnext'],
} as const;

export interface Page<T> {
  readonly data: T[];
  readonly meta: { page: number; limit: number; hasnext: boolean; count?: number };
}

/**
 * One page of the items `source` yields that pass `keep`, each turned into
 * its view by `view` (only the page's items are built). With `countAll` the
 * total is counted (EMQX leaves it out for like_* filters).
 */
export function paginate<S, T>(source: Iterable<S>, keep: (item: S) => boolean, view: (item: S) => T, page: number, limit: number, countAll: boolean): Page<T> {
  const skip = (page - 1) * limit;
  const data: T[] = [];
  let matched = 0;
  let hasnext = false;
  for (const item of source) {
    if (!keep(item)) continue;
    matched += 1;
    if (matched <= skip) continue;
    if (data.length < limit) {
      data.push(view(item));
      continue;
    }
    hasnext = true;
    if (!countAll) break;
  }
  return countAll ? { data, meta: { page, limit, hasnext, count: matched } } : { data, meta: { page, limit, hasnext } };
}

/** `like_*` filters: a plain substring match (EMQX matches a substring too). */
export function likeMatch(value: string | undefined, needle: string | undefined): boolean {
  return needle === undefined || (value !== undefined && value.includes(needle));
}

/** Sends a page of client views. They hold typed fields only: plain JSON.stringify is the fastest serialiser for large pages. */
export function sendPage<T>(reply: FastifyReply, page: Page<T>): FastifyReply {
  return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(page);
}
