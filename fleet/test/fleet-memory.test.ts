import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLost, runWithFault, testFleet } from './support/fleetRun.js';
import { startStack, type Probe, type Stack } from './support/stack.mjs';

const MiB = 1024 * 1024;

/**
 * A two-minute soak (the same as `npm run bench -w fleet`'s
 * bench/soak.bench.mjs, which prints the figures): 21 devices, a session each
 * every 3 s, whose network drops every second or so, so that their live
 * replications (two long-polls each) connect and disconnect thousands of times
 * while they record and sync. Memory is read in the gateway's and the store's
 * own processes after a full GC.
 */
describe('memory under live replications connecting and disconnecting', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps the gateway and the store bounded and leaves no feed, listener, timer or socket behind', async () => {
    const before = { gateway: await stack.probe('gateway'), store: await stack.probe('store') };
    const samples: Array<{ gateway: Probe; store: Probe }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ gateway: await stack.probe('gateway'), store: await stack.probe('store') });
        await sleep(1_000);
      }
    })();
    const { summary } = await runWithFault(testFleet(stack.gatewayUrl, { devices: 21, sessions: 40, intervalMs: 3_000, offlineProb: 0.5, flapMs: 1_000 }));
    sampling = false;
    await sampler;
    expectNothingLost(summary);
    // Thousands of requests were broken off by the network going away.
    expect(summary.offlineFailures).toBeGreaterThan(1_000);

    // Every device is closed and the worker stopped: whatever their feeds held in the store is given back.
    await stack.stop('worker');
    const settled = async (): Promise<{ gateway: Probe; store: Probe }> => ({ gateway: await stack.probe('gateway'), store: await stack.probe('store') });
    let after = await settled();
    for (let i = 0; i < 30 && (after.store.store?.feeds.feeds ?? 0) > 0; i++) {
      await sleep(500);
      after = await settled();
    }
    expect(after.store.store?.feeds).toEqual({ feeds: 0, listeners: 0, timers: 0, liveListeners: 0 });
    expect(after.gateway.handles['TCPSocketWrap'] ?? 0).toBe(0);
    expect(after.gateway.handles['Timeout'] ?? 0).toBeLessThanOrEqual(before.gateway.handles['Timeout'] ?? 0);

    // The live heap after GC ends where it started, give or take caches.
    expect(after.gateway.heapUsed).toBeLessThan(before.gateway.heapUsed + 16 * MiB);
    expect(after.store.heapUsed).toBeLessThan(before.store.heapUsed + 16 * MiB);
    // Resident memory stays within a budget the whole time: the gateway buffers little; the store
    // keeps at most STORE_MAX_OPEN_DATABASES (100) LevelDB databases with their caches open.
    const peak = (role: 'gateway' | 'store'): number => Math.max(...samples.map((s) => s[role].rss));
    expect(samples.length).toBeGreaterThan(90);
    expect(peak('gateway')).toBeLessThan(before.gateway.rss + 128 * MiB);
    expect(peak('store')).toBeLessThan(before.store.rss + 160 * MiB);
    // And it levels off rather than climbing with every reconnect: the last third adds little to the middle
    // one. Little, not nothing: on a loaded machine more sessions land late, and LevelDB's buffers grow with data.
    const third = Math.floor(samples.length / 3);
    const maxOf = (role: 'gateway' | 'store', from: number, to: number): number => Math.max(...samples.slice(from, to).map((s) => s[role].rss));
    for (const role of ['gateway', 'store'] as const) {
      expect(maxOf(role, 2 * third, samples.length) - maxOf(role, third, 2 * third), role).toBeLessThan(48 * MiB);
    }
  }, 360_000);
});
