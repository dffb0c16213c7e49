import { canonicalJson } from '@m2m/analysis-core';
import { allDocs, bulkDocs, isMissingDatabase, type StoreClient } from '@m2m/couch';
import type { StoredDoc } from '../writer/documentForms.js';
import { careAnalysisRange, carePatientId, careProgressId, VOLATILE_FIELDS } from './careDocuments.js';

/** What a care database holds of one patient: each document's revision and content key. */
type Held = Map<string, { rev: string; key: string }>;

export interface CareWriteCount {
  written: number;
  deleted: number;
  unchanged: number;
  /** Requests made to the store. */
  requests: number;
}

export type CareWriteOutcome = CareWriteCount | 'no-database';

/** One patient's wanted documents in a care database (null: none, the link is revoked). */
export interface CarePatientWrite {
  patientId: string;
  desired: StoredDoc[] | null;
  fresh: boolean;
}

const MAX_CONFLICT_ROUNDS = 5;
const BULK_CHUNK = 500;

/** The content that matters for "changed": `_` fields and the evaluation time left out, keys in canonical order. */
function contentKey(doc: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key.startsWith('_') || (VOLATILE_FIELDS as readonly string[]).includes(key)) continue;
    out[key] = value;
  }
  return canonicalJson(out);
}

/**
 * Brings one patient's documents in a clinician's care database to `desired`
 * (null: none, the link is revoked). Equal content is not rewritten; a
 * document no longer wanted gets a bare tombstone `{_id, _rev, _deleted}` so
 * its data leaves the database. What the database holds is kept in memory
 * per patient (the worker is the care databases' only writer); a conflict
 * or `fresh: true` reads it again.
 */
export class CareDatabaseWriter {
  private readonly held = new Map<string, Held>();
  private heldDocs = 0;

  constructor(
    private readonly store: StoreClient,
    private readonly maxHeldDocs = 50_000,
  ) {}

  async reconcile(careDb: string, patientId: string, desired: StoredDoc[] | null, options: { fresh?: boolean } = {}): Promise<CareWriteOutcome> {
    return this.reconcileMany(careDb, [{ patientId, desired, fresh: options.fresh ?? false }]);
  }

  /**
   * Brings several patients' documents in one care database to what each
   * wants, in one `_bulk_docs` (chunks of BULK_CHUNK for very large copies).
   * A patient whose write met a conflict reads what the database holds and
   * is decided again; the others are done.
   */
  async reconcileMany(careDb: string, items: CarePatientWrite[]): Promise<CareWriteOutcome> {
    const count: CareWriteCount = { written: 0, deleted: 0, unchanged: 0, requests: 0 };
    let pending = items;
    for (let round = 0; pending.length > 0; round++) {
      const plans: Array<{ item: CarePatientWrite; cacheKey: string; held: Held; keys: Map<string, string>; conflict: boolean }> = [];
      const writes: Array<{ doc: Record<string, unknown>; plan: (typeof plans)[number] }> = [];
      for (const item of pending) {
        const cacheKey = `${careDb}\n${item.patientId}`;
        if (item.fresh || round > 0) this.drop(cacheKey);
        let held = this.take(cacheKey);
        if (!held) {
          try {
            held = await this.read(careDb, item.patientId, count);
          } catch (err) {
            if (isMissingDatabase(err)) return 'no-database';
            throw err;
          }
        }
        const plan = { item, cacheKey, held, keys: new Map<string, string>(), conflict: false };
        plans.push(plan);
        const wanted = new Set<string>();
        for (const doc of item.desired ?? []) {
          wanted.add(doc._id);
          const key = contentKey(doc);
          const current = held.get(doc._id);
          if (current?.key === key) {
            count.unchanged += 1;
            continue;
          }
          plan.keys.set(doc._id, key);
          writes.push({ doc: current ? { ...doc, _rev: current.rev } : doc, plan });
        }
        for (const [id, current] of held) if (!wanted.has(id)) writes.push({ doc: { _id: id, _rev: current.rev, _deleted: true }, plan });
      }

      try {
        for (let i = 0; i < writes.length; i += BULK_CHUNK) {
          const chunk = writes.slice(i, i + BULK_CHUNK);
          const rows = await bulkDocs(
            this.store,
            careDb,
            chunk.map((w) => w.doc),
            { retry: true },
          );
          count.requests += 1;
          rows.forEach((row, j) => {
            const { doc, plan } = chunk[j] as (typeof writes)[number];
            if (row.rev && !row.error) {
              if (doc._deleted === true) {
                plan.held.delete(row.id);
                count.deleted += 1;
              } else {
                plan.held.set(row.id, { rev: row.rev, key: plan.keys.get(row.id) as string });
                count.written += 1;
              }
            } else if (row.error === 'conflict') {
              plan.conflict = true;
            } else {
              throw new Error(`the store refused ${row.id} in ${careDb}: ${row.error ?? 'no revision'} ${row.reason ?? ''}`.trim());
            }
          });
        }
      } catch (err) {
        if (isMissingDatabase(err)) return 'no-database';
        throw err;
      }
      for (const plan of plans) if (!plan.conflict) this.keep(plan.cacheKey, plan.held);
      // Someone else wrote meanwhile (a restart, a shard change): read what the database holds and decide again.
      pending = plans.filter((p) => p.conflict).map((p) => p.item);
      if (pending.length > 0 && round >= MAX_CONFLICT_ROUNDS) throw new Error(`care documents of ${pending.length} patient(s) in ${careDb} kept conflicting`);
    }
    return count;
  }

  /** Forgets a care database (it was deleted, or the clinician is gone). */
  forgetDatabase(careDb: string): void {
    for (const key of [...this.held.keys()]) if (key.startsWith(`${careDb}\n`)) this.drop(key);
  }

  private async read(careDb: string, patientId: string, count: CareWriteCount): Promise<Held> {
    const held: Held = new Map();
    const add = (rows: Array<{ id: string; value?: { rev: string; deleted?: boolean }; doc?: StoredDoc | null }>): void => {
      for (const row of rows) if (row.doc && row.value && !row.value.deleted) held.set(row.id, { rev: row.value.rev, key: contentKey(row.doc) });
    };
    const analyses = await allDocs<StoredDoc>(this.store, careDb, { ...careAnalysisRange(patientId), include_docs: true }, { retry: true });
    const summary = await allDocs<StoredDoc>(this.store, careDb, { keys: [carePatientId(patientId), careProgressId(patientId)], include_docs: true }, { retry: true });
    count.requests += 2;
    add(analyses.rows);
    add(summary.rows);
    return held;
  }

  private take(key: string): Held | undefined {
    const held = this.held.get(key);
    if (!held) return undefined;
    this.drop(key);
    return held;
  }

  private keep(key: string, held: Held): void {
    this.held.set(key, held);
    this.heldDocs += held.size;
    for (const [other, entry] of this.held) {
      if (this.heldDocs <= this.maxHeldDocs) break;
      if (other !== key) {
        this.held.delete(other);
        this.heldDocs -= entry.size;
      }
    }
  }

  private drop(key: string): void {
    const held = this.held.get(key);
    if (!held) return;
    this.heldDocs -= held.size;
    this.held.delete(key);
  }
}
