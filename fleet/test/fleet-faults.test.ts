import { setTimeout as sleep } from 'node:timers/promises';
import { userDatabases } from '@m2m/analysis-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLost, expectStoreMatches, runWithFault, testFleet } from './support/fleetRun.js';
import { PREFIX, startStack, type Stack } from './support/stack.mjs';

/** Each test: 20 devices × 5 sessions, one a second per device, with one fault in the middle of it. */
describe('faults during load: nothing lost, nothing duplicated, no device left with pending uploads', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 60_000);
  afterEach(async () => {
    // Whatever a test did, the next one starts with every part running.
    for (const role of ['store', 'gateway', 'worker'] as const) await stack.start(role);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** Kills (SIGKILL) one part once a third of the sessions are recorded and some confirmed, and restarts it after a pause. */
  async function crashAndRestart(role: 'store' | 'gateway' | 'worker') {
    const run = await runWithFault(testFleet(stack.gatewayUrl), {
      when: (p) => p.recorded >= 35 && p.confirmed >= 10,
      inject: async () => {
        expect(await stack.kill(role)).toBe('SIGKILL');
        await sleep(2_000);
        await stack.start(role);
      },
    });
    // The fault landed while sessions were still on their way.
    expect(run.struckAt).not.toBeNull();
    expect(run.struckAt!.confirmed).toBeLessThan(100);
    return run;
  }

  it('survives the worker SIGKILLed and restarted', async () => {
    const { summary, reports } = await crashAndRestart('worker');
    expectNothingLost(summary);
    await expectStoreMatches(stack, reports);
  }, 150_000);

  it('survives the gateway SIGKILLed and restarted', async () => {
    const { summary, reports } = await crashAndRestart('gateway');
    expectNothingLost(summary);
    // Devices met the outage: connections refused or broken.
    expect(summary.wire.unanswered).toBeGreaterThan(0);
    await expectStoreMatches(stack, reports);
  }, 150_000);

  it('survives the embedded store SIGKILLed and restarted', async () => {
    const { summary, reports } = await crashAndRestart('store');
    expectNothingLost(summary);
    // Devices met the outage: the gateway answered with errors (503) or dropped feeds.
    expect(summary.wire.errorAnswers + summary.wire.unanswered).toBeGreaterThan(0);
    await expectStoreMatches(stack, reports);
  }, 150_000);

  it('survives devices flapping offline and online every two seconds', async () => {
    const { summary, reports } = await runWithFault(testFleet(stack.gatewayUrl, { offlineProb: 0.5, flapMs: 2_000 }));
    expectNothingLost(summary);
    // The network really went away under the devices, requests in flight included.
    expect(summary.offlineFailures).toBeGreaterThan(20);
    expect(summary.latencyMs.count - summary.latencyOnlineMs.count).toBeGreaterThan(10);
    await expectStoreMatches(stack, reports);
  }, 150_000);

  it('keeps sessions from device clocks hours wrong, with the time the device gave', async () => {
    const skews = [-10, 0, 14];
    const { summary, reports } = await runWithFault(testFleet(stack.gatewayUrl, { devices: 12, clockSkewHours: skews }));
    expectNothingLost(summary);
    await expectStoreMatches(stack, reports);
    // Neither the gateway nor the analysis judges a start time: the stored session and its
    // analysis carry the device's clock, hours in the future or the past.
    const now = Date.now();
    for (const report of reports) {
      expect(report.clockSkewHours).toBe(skews[report.device % skews.length]);
      const names = userDatabases(PREFIX, report.userId as string);
      const { body } = await stack.storeJson('GET', `/${names.progress}/_all_docs?include_docs=true`);
      for (const row of body.rows) {
        if (row.doc.type !== 'analysis') continue;
        const offsetH = (Date.parse(row.doc.session.startedAt) - now) / 3_600_000;
        // Within the test's own minutes of the skew (sessions are 10 s long and the run takes about a minute).
        expect(Math.abs(offsetH - report.clockSkewHours)).toBeLessThan(0.1);
      }
    }
  }, 150_000);
});
