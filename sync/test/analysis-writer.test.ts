import { analyzeSession, summarizeProgress, type AnalysisDoc } from '@m2m/analysis-core';
import { describe, expect, it } from 'vitest';
import { writeBatch, type AnalysisIntent } from '../src/writer/analysisWriter.js';
import { sameContent, storedAnalysisBody, storedProgressBody, type StoredDoc } from '../src/writer/documentForms.js';
import { updateProgress } from '../src/writer/progressWriter.js';
import { ProgressDbCache } from '../src/writer/progressDbCache.js';
import { sessionDoc, type Json } from './support/storeWorld.js';
import { type StoreClient, StoreError, type StoreRequest } from '@m2m/couch';

/** An in-memory progress database speaking the two calls the writer makes (`_changes`, `_bulk_docs`), with injectable trouble. */
class FakeProgressDb {
  readonly docs = new Map<string, StoredDoc & { _deleted?: boolean }>();
  private readonly seqs = new Map<string, number>();
  private seq = 0;
  /** The cache's clock (ms), moved by hand. */
  clock = 0;
  readonly cache = new ProgressDbCache(20_000, 30_000, () => this.clock);
  /** Before the next write of these ids, another writer stores this content (so ours conflicts). */
  readonly raceWith = new Map<string, Record<string, unknown>>();
  readonly refuse = new Set<string>();
  writes: string[] = [];
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  private counter = 0;

  asStore(): StoreClient {
    return { call: (req: StoreRequest) => this.call(req) } as unknown as StoreClient;
  }

  private rev(doc?: { _rev?: string }): string {
    const n = doc?._rev ? Number(doc._rev.split('-')[0]) + 1 : 1;
    return `${n}-${(++this.counter).toString(16)}`;
  }

  /** Another writer stores a document directly. */
  storeDirectly(doc: StoredDoc): void {
    this.store({ ...doc, _rev: this.rev(this.docs.get(doc._id)) });
  }

  private store(doc: StoredDoc & { _deleted?: boolean }): void {
    this.docs.set(doc._id, doc);
    this.seqs.set(doc._id, ++this.seq);
  }

  private async call(req: StoreRequest): Promise<unknown> {
    this.requests.push(`${req.method ?? 'GET'} ${req.path}`);
    const body = req.body as Json;
    if (req.path === '_changes') {
      const since = Number(req.qs?.['since'] ?? 0);
      const results = [...this.seqs]
        .filter(([, seq]) => seq > since)
        .sort((a, b) => a[1] - b[1])
        .map(([id, seq]) => {
          const doc = this.docs.get(id) as StoredDoc & { _deleted?: boolean };
          return { id, seq, changes: [{ rev: doc._rev }], ...(doc._deleted ? { deleted: true } : {}), doc };
        });
      return { results, last_seq: this.seq, pending: 0 };
    }
    if (req.path === '_bulk_docs') {
      return (body.docs as Array<StoredDoc & { _deleted?: boolean }>).map((doc) => {
        const race = this.raceWith.get(doc._id);
        if (race) {
          this.raceWith.delete(doc._id);
          const current = this.docs.get(doc._id);
          this.store({ ...race, _id: doc._id, _rev: this.rev(current) });
        }
        if (this.refuse.has(doc._id)) return { id: doc._id, error: 'forbidden', reason: 'refused by a validation function' };
        const current = this.docs.get(doc._id);
        const live = current && !current._deleted;
        if ((live && doc._rev !== current._rev) || (!live && doc._rev !== undefined && doc._rev !== current?._rev)) return { id: doc._id, error: 'conflict' };
        const stored = { ...doc, _rev: this.rev(current) };
        this.store(stored);
        this.writes.push(doc._id);
        return { id: doc._id, ok: true, rev: stored._rev };
      });
    }
    if (req.method === 'PUT' && req.path) {
      const doc = body as StoredDoc;
      const current = this.docs.get(doc._id);
      const live = current && !current._deleted;
      if ((live && doc._rev !== current._rev) || (!live && doc._rev !== undefined)) throw new StoreError({ kind: 'http', status: 409, error: 'conflict', target: `PUT ${req.path}` });
      const stored = { ...doc, _rev: this.rev(current) };
      this.store(stored);
      return { ok: true, id: doc._id, rev: stored._rev };
    }
    throw new Error(`unexpected call ${req.path}`);
  }
}

const write = async (db: FakeProgressDb, intents: AnalysisIntent[]) => (await writeBatch(db.asStore(), 'p', intents, db.cache)).outcomes;
const batch = (db: FakeProgressDb, analyses: AnalysisDoc[]) => writeBatch(db.asStore(), 'p', analyses.map((analysis) => ({ id: analysis.id, analysis })), db.cache);

const analysisOf = (seed: number): AnalysisDoc => analyzeSession({ ...sessionDoc({ seed, durationS: 4 }), _rev: '1-a' });

describe('analysis writer', () => {
  it('writes new analyses, skips equal ones, rewrites changed ones', async () => {
    const db = new FakeProgressDb();
    const [a, b] = [analysisOf(1), analysisOf(2)];
    expect(await write(db, [a, b].map((x) => ({ id: x.id, analysis: x })))).toEqual([
      { id: a.id, result: 'written' },
      { id: b.id, result: 'written' },
    ]);
    const changed = { ...b, sessionRev: '2-b' };
    expect((await write(db, [a, changed].map((x) => ({ id: x.id, analysis: x })))).map((o) => o.result)).toEqual(['unchanged', 'written']);
    expect(db.docs.get(b.id)?._rev).toMatch(/^2-/);
    expect(db.docs.get(a.id)?._rev).toMatch(/^1-/);
  });

  it('answers a conflict by reading again and deciding again, never losing the result', async () => {
    const db = new FakeProgressDb();
    const a = analysisOf(3);
    const b = analysisOf(4);
    // Another writer stores the same content first: nothing left to write.
    db.raceWith.set(a.id, storedAnalysisBody(a));
    // Another writer stores different content first: ours is written over it.
    db.raceWith.set(b.id, { ...storedAnalysisBody(b), analysisVersion: '0.1.0' });
    const outcomes = await write(db, [a, b].map((x) => ({ id: x.id, analysis: x })));
    expect(outcomes.map((o) => o.result)).toEqual(['unchanged', 'written']);
    expect(sameContent(db.docs.get(b.id) as StoredDoc, storedAnalysisBody(b))).toBe(true);
  });

  it('reports a document the store refuses and writes the others', async () => {
    const db = new FakeProgressDb();
    const [a, b] = [analysisOf(5), analysisOf(6)];
    db.refuse.add(a.id);
    const outcomes = await write(db, [a, b].map((x) => ({ id: x.id, analysis: x })));
    expect(outcomes).toEqual([
      { id: a.id, result: 'refused', error: 'forbidden: refused by a validation function' },
      { id: b.id, result: 'written' },
    ]);
  });

  it('deletes with a tombstone carrying the full previous body; a missing analysis needs nothing', async () => {
    const db = new FakeProgressDb();
    const a = analysisOf(7);
    await write(db, [{ id: a.id, analysis: a }]);
    const outcomes = await write(db, [
      { id: a.id, analysis: null },
      { id: 'analysis:ses_never', analysis: null },
    ]);
    expect(outcomes.map((o) => o.result)).toEqual(['deleted', 'absent']);
    const { _rev, ...tombstone } = db.docs.get(a.id) as StoredDoc;
    expect(_rev).toMatch(/^2-/);
    expect(tombstone).toEqual({ ...storedAnalysisBody(a), _deleted: true });
    // Analysing the session again (it came back) writes over the tombstone.
    expect((await write(db, [{ id: a.id, analysis: a }]))[0]?.result).toBe('written');
  });

  it('recomputes progress from a fresh snapshot when another writer changed it meanwhile', async () => {
    const db = new FakeProgressDb();
    const [a, b] = [analysisOf(8), analysisOf(9)];
    expect((await batch(db, [a])).progress.result).toBe('written');
    // Another writer (reanalyse, a second worker) adds an analysis and its progress; our cache has not seen them.
    db.storeDirectly(storedAnalysisBody(b));
    db.storeDirectly({ ...storedProgressBody(summarizeProgress([a, b])), _rev: db.docs.get('progress')?._rev as string });
    db.storeDirectly({ ...storedProgressBody(summarizeProgress([a])), _rev: db.docs.get('progress')?._rev as string, sessionCount: 99 });
    const result = await updateProgress(db.asStore(), 'p', db.cache);
    expect(result.result).toBe('written');
    expect(result.progress).toEqual(summarizeProgress([a, b]));
    expect(sameContent(db.docs.get('progress') as StoredDoc, storedProgressBody(summarizeProgress([a, b])))).toBe(true);
  });

  it("a new session's batch writes its analysis and the progress in one _bulk_docs and reads nothing: the cache holds the worker's own writes", async () => {
    const db = new FakeProgressDb();
    const [a, b] = [analysisOf(11), analysisOf(12)];
    await batch(db, [a]);
    db.requests.length = 0;
    const written = await batch(db, [b]);
    expect(written.outcomes.map((o) => o.result)).toEqual(['written']);
    expect(written.progress).toEqual({ result: 'written', progress: summarizeProgress([a, b]) });
    expect(db.requests).toEqual(['POST _bulk_docs']);
    expect(sameContent(db.docs.get('progress') as StoredDoc, storedProgressBody(summarizeProgress([a, b])))).toBe(true);
  });

  it('a batch whose analysis conflicts recomputes the progress written beside it from a fresh read', async () => {
    const db = new FakeProgressDb();
    const [a, b] = [analysisOf(18), analysisOf(19)];
    await batch(db, [a]);
    // Another writer stores an older analysis version of b first: ours conflicts, the progress beside it goes through.
    const other = { ...storedAnalysisBody(b), analysisVersion: '0.1.0' };
    db.raceWith.set(b.id, other);
    const written = await batch(db, [b]);
    expect(written.outcomes.map((o) => o.result)).toEqual(['written']);
    expect(sameContent(db.docs.get(b.id) as StoredDoc, storedAnalysisBody(b))).toBe(true);
    expect(written.progress.progress).toEqual(summarizeProgress([a, b]));
    expect(sameContent(db.docs.get('progress') as StoredDoc, storedProgressBody(summarizeProgress([a, b])))).toBe(true);
  });

  it('a batch whose progress conflicts (another writer wrote one) computes it again from a fresh read', async () => {
    const db = new FakeProgressDb();
    const [a, b, c] = [analysisOf(20), analysisOf(21), analysisOf(22)];
    await batch(db, [a]);
    // Another writer adds b and its progress; our cache has not seen them.
    db.storeDirectly(storedAnalysisBody(b));
    db.storeDirectly({ ...storedProgressBody(summarizeProgress([a, b])), _rev: db.docs.get('progress')?._rev as string });
    const written = await batch(db, [c]);
    expect(written.progress).toEqual({ result: 'written', progress: summarizeProgress([a, b, c]) });
    expect(sameContent(db.docs.get('progress') as StoredDoc, storedProgressBody(summarizeProgress([a, b, c])))).toBe(true);
  });

  it('a batch whose analysis the store refuses leaves it out of the progress written beside it', async () => {
    const db = new FakeProgressDb();
    const [a, b] = [analysisOf(24), analysisOf(25)];
    await batch(db, [a]);
    db.refuse.add(b.id);
    const written = await batch(db, [b]);
    expect(written.outcomes.map((o) => o.result)).toEqual(['refused']);
    expect(written.progress.progress).toEqual(summarizeProgress([a]));
    expect(sameContent(db.docs.get('progress') as StoredDoc, storedProgressBody(summarizeProgress([a])))).toBe(true);
  });

  it('a batch that changes nothing confirms it on a fresh read and writes nothing', async () => {
    const db = new FakeProgressDb();
    const a = analysisOf(23);
    await batch(db, [a]);
    db.requests.length = 0;
    const written = await batch(db, [a]);
    expect(written.outcomes.map((o) => o.result)).toEqual(['unchanged']);
    expect(written.progress.result).toBe('unchanged');
    expect(db.requests.filter((r) => r.endsWith('_bulk_docs'))).toEqual([]);
    expect(db.requests.some((r) => r.endsWith('_changes'))).toBe(true);
  });

  it('reads the feed again once its last read is older than the bound: an analysis another writer added without progress is counted', async () => {
    const db = new FakeProgressDb();
    const [a, b, c] = [analysisOf(15), analysisOf(16), analysisOf(17)];
    await batch(db, [a]);
    // Another writer adds an analysis and writes no progress: nothing of ours will conflict with it.
    db.storeDirectly(storedAnalysisBody(b));
    db.clock += 30_001;
    db.requests.length = 0;
    const written = await batch(db, [c]);
    expect(db.requests[0]).toMatch(/_changes$/);
    expect(written.progress.progress).toEqual(summarizeProgress([a, b, c]));
  });

  it('decides "unchanged" only on a fresh read: content another writer changed is written again', async () => {
    const db = new FakeProgressDb();
    const a = analysisOf(13);
    await write(db, [{ id: a.id, analysis: a }]);
    // Another writer changes the stored analysis; the cache still holds ours, equal to what we would write.
    db.storeDirectly({ ...storedAnalysisBody(a), _rev: db.docs.get(a.id)?._rev as string, analysisVersion: '0.0.1' });
    expect((await write(db, [{ id: a.id, analysis: a }]))[0]?.result).toBe('written');
    expect(sameContent(db.docs.get(a.id) as StoredDoc, storedAnalysisBody(a))).toBe(true);
  });

  it('never replaces the analysis of a newer session revision with one of an older revision', async () => {
    const db = new FakeProgressDb();
    const newer = { ...analysisOf(10), sessionRev: '3-new' };
    await write(db, [{ id: newer.id, analysis: newer }]);
    const older = { ...newer, sessionRev: '2-old', status: 'invalid' as const };
    expect((await write(db, [{ id: older.id, analysis: older }]))[0]?.result).toBe('unchanged');
    expect(db.docs.get(newer.id)?.['sessionRev']).toBe('3-new');
  });
});
