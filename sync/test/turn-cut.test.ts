import { describe, expect, it } from 'vitest';
import { withinTurnCost } from '../src/worker/databaseDrain.js';
import { sessionDoc } from './support/storeWorld.js';
import { type Change } from '@m2m/couch';

// CouchDB 3 sequences are opaque strings; with `seq_interval` the rows between every N-th carry `seq: null`.
const SEQS = ['1-g1AAAAFReJzLYWBg4MhgTmHgz8', '2-g1AAAAFReJzLYWBg4MhgTmHgz9', '3-g1AAAAFReJzLYWBg4MhgTmHgzA', '4-g1AAAAFReJzLYWBg4MhgTmHgzB'];

/** Changes of sessions costing 8,800 each (8 s at 100 Hz × 11 channels). */
function changes(seqs: Array<string | null>): Change[] {
  return seqs.map((seq, i) => {
    const doc = sessionDoc({ seed: 80 + i, startedAt: `2026-05-03T0${i}:00:00.000Z` });
    return { seq, id: doc._id, changes: [{ rev: '1-a' }], doc };
  });
}

describe('a turn cut by the analysis budget', () => {
  it('keeps the changes that fit and ends on one whose sequence becomes the checkpoint', () => {
    const batch = changes(SEQS);
    const taken = withinTurnCost(batch, { turnCost: 20_000, maxSessionCost: 20_000 });
    expect(taken.map((c) => c.seq)).toEqual(SEQS.slice(0, 2));
  });

  it('never ends on a change without a sequence (seq_interval): the turn runs on to the next that has one', () => {
    const batch = changes([null, null, SEQS[2]!, SEQS[3]!]);
    const taken = withinTurnCost(batch, { turnCost: 10_000, maxSessionCost: 10_000 });
    expect(taken).toHaveLength(3);
    expect(taken.at(-1)?.seq).toBe(SEQS[2]);
  });

  it('takes the whole batch when no change before its end carries a sequence', () => {
    const batch = changes([null, null, null]);
    expect(withinTurnCost(batch, { turnCost: 10_000, maxSessionCost: 10_000 })).toHaveLength(3);
  });
});
