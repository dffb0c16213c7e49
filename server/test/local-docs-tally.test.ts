import { describe, expect, it } from 'vitest';
import { LocalDocsTally } from '../src/proxy/localDocsTally.js';

describe('LocalDocsTally: counted from the store, cached, refreshed', () => {
  it('reads a user once per TTL, at most one document over the quota, and reads again after it', async () => {
    let clock = 0;
    const stored = new Map([['sessions/old', 100]]);
    const reads: number[] = [];
    const tally = new LocalDocsTally(
      { docs: 2, bytes: 10_000 },
      (_userId, atMost) => {
        reads.push(atMost);
        return Promise.resolve(new Map(stored));
      },
      1000,
      () => clock,
    );
    await tally.write('u1', 'sessions/a', 10);
    await expect(tally.write('u1', 'sessions/b', 10)).rejects.toThrow('quota of 2 _local documents');
    expect(reads).toEqual([3]);

    // Another process deleted the old checkpoint meanwhile: seen once the reading is older than the TTL.
    stored.clear();
    stored.set('sessions/a', 10);
    clock = 1000;
    await tally.write('u1', 'sessions/b', 10);
    expect(reads).toEqual([3, 3]);
  });

  it('reads a user once for writes that arrive together', async () => {
    let reads = 0;
    const tally = new LocalDocsTally({ docs: 5, bytes: 10_000 }, async () => {
      reads++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return new Map();
    });
    await Promise.all(['a', 'b', 'c'].map((id) => tally.write('u1', `sessions/${id}`, 10)));
    expect(reads).toBe(1);
    await expect(Promise.all(['d', 'e', 'f'].map((id) => tally.write('u1', `sessions/${id}`, 10)))).rejects.toThrow('quota of 5');
  });
});
