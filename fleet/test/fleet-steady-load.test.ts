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
});
