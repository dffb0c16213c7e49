import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SweepFeeder } from '../src/feed/sweepFeeder.js';

const names = (n: number, prefix = 'db'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** A feeder whose queue takes each database at once and finishes it `visitMs` later (fake time). */
function feederWithVisits(visitMs: number): { feeder: SweepFeeder; handed: string[] } {
  const handed: string[] = [];
  const feeder: SweepFeeder = new SweepFeeder({
    maxInFlight: 3,
    waiting: () => 0,
    enqueue: (db) => {
      handed.push(db);
      setTimeout(() => feeder.finished(db), visitMs);
    },
  });
  return { feeder, handed };
}

describe('sweep feeder pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a paced sweep to its rate, also as the first sweep of a new feeder', async () => {
    const { feeder, handed } = feederWithVisits(10);
    const done = feeder.sweep(names(100), { perSecond: 20 });
    await vi.advanceTimersByTimeAsync(1_000);
    // 20 per second: one at the start, then one every 50 ms.
    expect(handed.length).toBeGreaterThanOrEqual(20);
    expect(handed.length).toBeLessThanOrEqual(21);
    await vi.advanceTimersByTimeAsync(4_100);
    await done;
    expect(handed).toEqual(names(100));
  });

  it('reaches its rate when each visit ends well before the next is due', async () => {
    const { feeder, handed } = feederWithVisits(1);
    void feeder.sweep(names(100), { perSecond: 5 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(handed.length).toBeGreaterThanOrEqual(10);
    expect(handed.length).toBeLessThanOrEqual(11);
    feeder.stop();
  });

  it('runs an unpaced sweep as fast as the queue takes it, and an unpaced request speeds up a paced sweep in progress', async () => {
    const { feeder, handed } = feederWithVisits(10);
    const paced = feeder.sweep(names(100, 'a'), { perSecond: 2 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(handed.length).toBeLessThanOrEqual(3);
    const fast = feeder.sweep(names(10, 'b'));
    // Three at a time, 10 ms each: the 107 or so left in about 0.4 s.
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all([paced, fast]);
    expect(new Set(handed)).toEqual(new Set([...names(100, 'a'), ...names(10, 'b')]));
  });

  it('leaves a running unpaced sweep unpaced when a paced one is asked for', async () => {
    const { feeder, handed } = feederWithVisits(10);
    const fast = feeder.sweep(names(50, 'a'));
    const paced = feeder.sweep(names(50, 'b'), { perSecond: 1 });
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all([fast, paced]);
    expect(handed).toHaveLength(100);
  });

  it('paces the next sweep after an unpaced one has ended', async () => {
    const { feeder, handed } = feederWithVisits(10);
    await Promise.all([feeder.sweep(names(20, 'a')), vi.advanceTimersByTimeAsync(200)]);
    expect(handed).toHaveLength(20);
    void feeder.sweep(names(100, 'b'), { perSecond: 10 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(handed.length - 20).toBeGreaterThanOrEqual(10);
    expect(handed.length - 20).toBeLessThanOrEqual(11);
    feeder.stop();
  });

  it('paces a sweep asked for while an unpaced one has only databases in flight', async () => {
    const { feeder, handed } = feederWithVisits(50);
    void feeder.sweep(names(2, 'a'));
    // Both handed over, both still running: the unpaced sweep has nothing left to hurry.
    expect(handed).toEqual(names(2, 'a'));
    void feeder.sweep(names(6, 'b'), { perSecond: 1 });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(handed.length - 2).toBeLessThanOrEqual(2);
    feeder.stop();
  });
});
