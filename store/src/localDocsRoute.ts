import express, { type Router } from 'express';
import { badRequest, sendJson } from './couchResponses.js';
import type { DatabaseAccess } from './databaseAccess.js';
import { parseBoolean } from './feedParams.js';
import type { LevelHandles, LevelIterator } from './levelHandles.js';
import { levelLocation } from './pouchFactory.js';

/** PouchDB's LevelDB adapter keeps `_local` documents under this key prefix, keyed by their full id. */
const LOCAL_PREFIX = '\u00fflocal-store\u00ff';
/** Where pouchdb-security keeps a database's `_security` object; CouchDB keeps it out of `_local_docs`. */
const SECURITY_ID = '_local/_security';
/** The first key after every local document's: the next code point after the prefix's separator. */
const LOCAL_END = '\u00fflocal-store\u0100';

interface LocalRow {
  id: string;
  key: string;
  value: { rev: string };
  doc?: Record<string, unknown>;
}

interface LocalDocsQuery {
  includeDocs: boolean;
  descending: boolean;
  inclusiveEnd: boolean;
  start: string | undefined;
  end: string | undefined;
  limit: number | undefined;
  skip: number;
}

type Query = Record<string, unknown>;

function text(query: Query, key: string): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`Query parameter '${key}' given more than once`);
  return value;
}

/** A key parameter: JSON, and a string (a local document's id is its key). */
function jsonKey(query: Query, ...names: string[]): string | undefined {
  for (const name of names) {
    const raw = text(query, name);
    if (raw === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw badRequest(`Invalid JSON in ${name}`);
    }
    if (typeof value !== 'string') throw badRequest(`${name} must be a JSON string`);
    return value;
  }
  return undefined;
}

function count(query: Query, name: string): number | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`Invalid integer parameter: ${name}=${raw}`);
  return Number(raw);
}

function parseQuery(query: Query): LocalDocsQuery {
  const key = jsonKey(query, 'key');
  const inclusive = text(query, 'inclusive_end');
  return {
    includeDocs: parseBoolean(query, 'include_docs'),
    descending: parseBoolean(query, 'descending'),
    inclusiveEnd: inclusive === undefined ? true : parseBoolean(query, 'inclusive_end'),
    start: key ?? jsonKey(query, 'startkey', 'start_key'),
    end: key ?? jsonKey(query, 'endkey', 'end_key'),
    limit: count(query, 'limit'),
    skip: count(query, 'skip') ?? 0,
  };
}

function nextEntry(iterator: LevelIterator): Promise<[string, string] | null> {
  return new Promise((resolve, reject) => {
    iterator.next((err, key, value) => {
      if (err) reject(err);
      else resolve(key === undefined || value === undefined ? null : [key, value]);
    });
  });
}

/** The rows of `q`, reading no further than the last one returned. */
async function readRows(iterator: LevelIterator, q: LocalDocsQuery): Promise<LocalRow[]> {
  const rows: LocalRow[] = [];
  let skipped = 0;
  try {
    while (q.limit === undefined || rows.length < q.limit) {
      const entry = await nextEntry(iterator);
      if (!entry) break;
      const id = entry[0].slice(LOCAL_PREFIX.length);
      if (q.end !== undefined) {
        const past = q.descending ? id < q.end : id > q.end;
        if (past || (!q.inclusiveEnd && id === q.end)) break;
      }
      if (id === SECURITY_ID) continue;
      if (skipped < q.skip) {
        skipped++;
        continue;
      }
      const doc = JSON.parse(entry[1]) as Record<string, unknown>;
      rows.push({ id, key: id, value: { rev: String(doc['_rev']) }, ...(q.includeDocs ? { doc } : {}) });
    }
  } finally {
    await new Promise<void>((resolve) => iterator.end(() => resolve()));
  }
  return rows;
}

/**
 * GET /{db}/_local_docs as CouchDB 3 answers it (`total_rows` and `offset`
 * null; rows of id, key and `{rev}`, with the document under
 * `include_docs`), which express-pouchdb lacks. Supports `include_docs`,
 * `descending`, `startkey`/`start_key`, `endkey`/`end_key`, `key`,
 * `inclusive_end`, `limit` and `skip`; reads the database's local-document
 * range only as far as the rows it returns.
 */
export function localDocsRoute(access: DatabaseAccess, levels: LevelHandles, dataDir: string): Router {
  const router = express.Router();
  router.get('/:db/_local_docs', async (req, res) => {
    const q = parseQuery(req.query as Query);
    const name = req.params.db;
    const rows = await access.with(name, async () => {
      const handle = levels.at(levelLocation(dataDir, name));
      if (!handle) throw new Error(`the LevelDB handle of ${name} is not open`);
      const low = q.descending ? q.end : q.start;
      const high = q.descending ? q.start : q.end;
      const iterator = handle.iterator({
        gte: LOCAL_PREFIX + (low ?? ''),
        lt: high === undefined ? LOCAL_END : `${LOCAL_PREFIX}${high}\u0000`,
        reverse: q.descending,
        keyAsBuffer: false,
        valueAsBuffer: false,
      });
      return readRows(iterator, q);
    });
    sendJson(res, 200, { total_rows: null, offset: null, rows });
  });
  return router;
}
