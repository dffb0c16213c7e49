import { runFleet } from '@m2m/fleet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLost, expectStoreMatches, runWithFault, testFleet } from './support/fleetRun.js';
import { startStack, type Stack } from './support/stack.mjs';

describe('steady load through one gateway and one worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('confirms every session of 100 devices × 10 on its device, with progress as summarizeProgress of its analyses', async () => {
    const { summary, reports } = await runWithFault(testFleet(stack.gatewayUrl, { devices: 100, sessions: 10, intervalMs: 2_000, settleTimeoutMs: 180_000 }));
    expectNothingLost(summary);
    expect(summary.threads).toBe(15);
    expect(summary.latencyMs.count).toBe(1000);
    expect(summary.wire.bytesPerSession).toBeGreaterThan(0);
    expect(reports).toHaveLength(100);
    await expectStoreMatches(stack, reports);
  }, 290_000);

  it('with warmRoundTrip, each thread first takes a throwaway device of its own through a whole session, apart from the measured ones', async () => {
    const sessionsDatabases = async (): Promise<number> => ((await stack.storeJson('GET', '/_all_dbs')).body as string[]).filter((db) => db.endsWith('-sessions')).length;
    const before = await sessionsDatabases();
    const trips: number[] = [];
    const reports: string[] = [];
    const summary = await runFleet(testFleet(stack.gatewayUrl, { devices: 2, sessions: 1, perThread: 1, warmRoundTrip: true }), {
      onWarmRoundTrip: (ms) => trips.push(ms),
      onReport: (report) => reports.push(report.username),
    });
    expectNothingLost(summary);
    expect(summary.threads).toBe(2);
    expect(trips).toHaveLength(2);
    for (const ms of trips) expect(ms).toBeGreaterThan(0);
    // One measured account per thread and one throwaway; the reports name only the measured.
    expect((await sessionsDatabases()) - before).toBe(2 + 2);
    expect(reports.filter((name) => name.includes('warm'))).toEqual([]);
  }, 120_000);
});
