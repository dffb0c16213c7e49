// The package's tsconfig compiles src/ only; this pulls in the hand-written module declaration.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../types/leveldown.d.ts" />
import express, { type Router } from 'express';
import type { LevelDown } from 'leveldown';
import { badRequest, CouchHttpError, sendJson } from './couchResponses.js';
import type { DatabaseAccess } from './databaseAccess.js';
import type { LevelHandles } from './levelHandles.js';
import { underWriteLock } from './pouchWriteLock.js';

/** How PouchDB's LevelDB adapter lays out a document (sublevel-pouchdb keys). */
const docKey = (id: string): string => `\xffdocument-store\xff${id}`;
const seqKey = (seq: number): string => `\xffby-sequence\xff${`0000000000000000${seq}`.slice(-16)}`;

interface RevTreeNode {
  0: string;
  1: unknown;
  2: RevTreeNode[];
}
interface DocMetadata {
  id: string;
  rev_tree: { pos: number; ids: RevTreeNode }[];
  rev_map: Record<string, number>;
  deleted?: boolean;
}

/** The leaf revisions of a document's revision tree, as `pos-hash`. */
function leafRevisions(metadata: DocMetadata): string[] {
  const leaves: string[] = [];
  const walk = (pos: number, node: RevTreeNode): void => {
    if (node[2].length === 0) leaves.push(`${pos}-${node[0]}`);
    for (const child of node[2]) walk(pos + 1, child);
  };
  for (const path of metadata.rev_tree) walk(path.pos, path.ids);
  return leaves;
}

const get = (handle: LevelDown, key: string): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    handle.get(key, { asBuffer: false }, (err, value) => {
      if (err && /NotFound/i.test(err.message)) resolve(undefined);
      else if (err) reject(err);
      else resolve(value);
    });
  });

const batch = (handle: LevelDown, keys: string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    handle.batch(
      keys.map((key) => ({ type: 'del' as const, key })),
      (err) => (err ? reject(err) : resolve()),
    );
  });

/**
 * POST /{db}/_purge (CouchDB 3): `{docid: [leaf revs]}` removes those
 * revisions and every older one from the database, so no revision of the
 * document can be read or replicated any more. PouchDB's LevelDB adapter has
 * no purge, so the store removes the document's entries from the files
 * itself. Limitation, answered 400 and named: only a deleted document with
 * every leaf listed (what deleting an account needs); CouchDB also purges
 * single branches and live documents.
 */
export function purgeRoute(access: DatabaseAccess, levels: LevelHandles, locationOf: (name: string) => string): Router {
  const router = express.Router();
  router.post('/:db/_purge', express.json({ limit: '16mb' }), async (req, res) => {
    const body = req.body as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Request body must be a JSON object');
    const request = Object.entries(body as Record<string, unknown>).map(([id, revs]) => {
      if (!Array.isArray(revs) || !revs.every((rev): rev is string => typeof rev === 'string')) {
        throw badRequest(`the revisions of ${id} must be a list of revision strings`);
      }
      return { id, revs };
    });
    const name = req.params.db;
    const purged = await access.with(name, async (db) => {
      await db.info(); // opens the files, so the handle exists
      const handle = levels.at(locationOf(name));
      if (!handle) throw new CouchHttpError(500, 'internal_server_error', `the files of ${name} are not open`);
      // Under the database's write lock: a write to the same document cannot fall between reading its
      // revision tree and deleting its entries (the write would be lost, or leave revisions without bodies).
      return underWriteLock(db, async () => {
        const answer: Record<string, string[]> = {};
        for (const { id, revs } of request) answer[id] = await purgeDocument(handle, id, revs);
        return answer;
      });
    });
    sendJson(res, 201, { purge_seq: null, purged });
  });
  return router;
}

async function purgeDocument(handle: LevelDown, id: string, revs: string[]): Promise<string[]> {
  const raw = await get(handle, docKey(id));
  if (raw === undefined) return [];
  const metadata = JSON.parse(raw) as DocMetadata;
  const leaves = leafRevisions(metadata);
  const named = leaves.filter((rev) => revs.includes(rev));
  if (named.length === 0) return [];
  if (named.length < leaves.length || !metadata.deleted) {
    throw badRequest(
      `the embedded store purges only a deleted document with every leaf revision named (${id}: leaves ${leaves.join(', ')})`,
    );
  }
  const seqs = [...new Set(Object.values(metadata.rev_map))];
  await batch(handle, [docKey(id), ...seqs.map(seqKey)]);
  return named;
}
