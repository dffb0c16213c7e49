import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestStore, type Json, type TestStore } from './storeFixture.js';

/** _purge behaviour the embedded store must add to the stand-in (CouchDB's shape is in the conformance suite). */
describe('embedded _purge', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore();
  });
  afterEach(async () => {
    await s.teardown();
  });

  it('never loses a write that races a purge of the same document, nor leaves an unreadable revision behind', async () => {
    expect((await s.json('PUT', '/race')).status).toBe(201);
    const rounds = 60;
    const tombstones: Record<string, string> = {};
    for (let i = 0; i < rounds; i++) {
      const id = `doc-${i}`;
      const first = await s.json('PUT', `/race/${id}`, { n: 1 });
      const del = await s.json('DELETE', `/race/${id}?rev=${first.body.rev}`);
      tombstones[id] = del.body.rev as string;
    }
    // Each document is purged and written again at the same moment.
    const outcomes = await Promise.all(
      Object.entries(tombstones).map(async ([id, rev]) => {
        // Staggered by a few turns of the event loop, so some writes land inside the purge.
        const turns = Number(id.slice('doc-'.length)) % 12;
        const later = async () => {
          for (let t = 0; t < turns; t++) await new Promise((resolve) => setImmediate(resolve));
          return s.json('PUT', `/race/${id}`, { n: 2 });
        };
        const [purge, write] = await Promise.all([s.json('POST', '/race/_purge', { [id]: [rev] }), later()]);
        return { id, purge, write };
      }),
    );
    for (const { id, purge, write } of outcomes) {
      expect(purge.status, id).toBe(201);
      expect(write.status, id).toBe(201);
      // Whichever came first, the acknowledged write is the document now, with every revision it names readable.
      const now = await s.json('GET', `/race/${id}?revs=true`);
      expect(now.status, id).toBe(200);
      expect(now.body._rev, id).toBe(write.body.rev);
      const revs = now.body._revisions as { start: number; ids: string[] };
      const listed = await s.json('GET', `/race/${id}?open_revs=all`);
      expect(listed.status, id).toBe(200);
      expect((listed.body as Json[]).map((row) => row.ok?._rev), id).toEqual([write.body.rev]);
      // A previous revision is either gone or readable, never a broken entry.
      for (let k = 1; k < revs.ids.length; k++) {
        const old = await s.json('GET', `/race/${id}?rev=${revs.start - k}-${revs.ids[k]}`);
        expect([200, 404], `${id} ${revs.start - k}`).toContain(old.status);
      }
    }
    const changes = await s.json('GET', '/race/_changes');
    expect(changes.status).toBe(200);
    expect((changes.body.results as Json[]).map((row) => row.id).sort()).toEqual(Object.keys(tombstones).sort());
    expect((await s.json('GET', '/race')).body.doc_count).toBe(rounds);
  });
});
