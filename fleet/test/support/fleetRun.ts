import { summarizeProgress, userDatabases } from '@m2m/analysis-core';
import { DEFAULT_OPTIONS, runFleet, type DeviceReport, type FleetOptions, type FleetProgress, type FleetSummary } from '@m2m/fleet';
import { canonicalJson } from '@m2m/mobile-sdk';
import { expect } from 'vitest';
import { PREFIX, type Stack } from './stack.mjs';

/** A fleet for tests: short sessions, quick retries, time limits well inside the test's own. */
export function testFleet(url: string, overrides: Partial<FleetOptions> = {}): FleetOptions {
  return {
    ...DEFAULT_OPTIONS,
    url,
    devices: 20,
    sessions: 5,
    intervalMs: 1_000,
    sessionDurationS: 10,
    retryMs: 500,
    registerTimeoutMs: 120_000,
    settleTimeoutMs: 120_000,
    ...overrides,
  };
}

export interface Fault {
  /** When to strike, from the fleet's progress (checked on every event). */
  when(progress: FleetProgress): boolean;
  inject(): Promise<void>;
}

export interface FaultedRun {
  summary: FleetSummary;
  reports: DeviceReport[];
  /** Where the fleet stood when the fault struck (null: it never did). */
  struckAt: FleetProgress | null;
}

/** Runs a fleet and, once, injects a fault while it runs; resolves after both are over. */
export async function runWithFault(options: FleetOptions, fault?: Fault): Promise<FaultedRun> {
  const reports: DeviceReport[] = [];
  let struckAt: FleetProgress | null = null;
  let injected: Promise<void> = Promise.resolve();
  const summary = await runFleet(options, {
    onReport: (report) => reports.push(report),
    onProgress: (progress) => {
      if (!fault || struckAt || !fault.when(progress)) return;
      struckAt = progress;
      injected = fault.inject();
    },
  });
  await injected;
  return { summary, reports, struckAt };
}

/** The contract after any run, faults or not: everything recorded is everywhere, once, and settled. */
export function expectNothingLost(summary: FleetSummary): void {
  const planned = summary.devices * summary.sessionsPerDevice;
  expect(summary.problems).toEqual([]);
  expect(summary.sessions).toEqual({ planned, recorded: planned, uploaded: planned, analysed: planned, confirmed: planned, missing: 0, duplicated: 0, rewritten: 0 });
  expect(summary.devicesFailed).toBe(0);
  expect(summary.devicesWithPendingUploads).toBe(0);
  expect(summary.progressMismatches).toBe(0);
  expect(summary.ok).toBe(true);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A stored document as the device sees it: `id` from `_id`, CouchDB's own fields dropped. */
function deviceForm(doc: Json): Json {
  const out: Json = { id: doc._id };
  for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) out[key] = value;
  return out;
}

/**
 * The same contract checked in the store as its admin, not through the
 * simulator: each user's sessions are exactly what their device recorded, each
 * has one analysis of its stored revision, and the progress document is
 * summarizeProgress of those analyses.
 */
export async function expectStoreMatches(stack: Stack, reports: readonly DeviceReport[]): Promise<void> {
  for (const report of reports) {
    expect(report.userId, `device ${report.device} has an account`).not.toBeNull();
    const names = userDatabases(PREFIX, report.userId as string);
    const recorded = report.sessions.map((s) => s.id).sort();
    const sessions = await stack.storeJson('GET', `/${names.sessions}/_all_docs`);
    const stored = (sessions.body.rows as Json[]).map((row) => [row.id as string, row.value.rev as string] as const);
    expect(stored.map(([id]) => id).sort(), `sessions of device ${report.device}`).toEqual(recorded);
    const progressDb = await stack.storeJson('GET', `/${names.progress}/_all_docs?include_docs=true`);
    const docs = (progressDb.body.rows as Json[]).map((row) => row.doc);
    const analyses = docs.filter((doc) => doc.type === 'analysis');
    expect(analyses.map((a) => a.sessionId as string).sort(), `analyses of device ${report.device}`).toEqual(recorded);
    const revs = new Map(stored);
    for (const analysis of analyses) expect(analysis.sessionRev).toBe(revs.get(analysis.sessionId));
    const progress = docs.find((doc) => doc._id === 'progress');
    expect(canonicalJson(deviceForm(progress)), `progress of device ${report.device}`).toBe(canonicalJson(summarizeProgress(analyses.map(deviceForm))));
  }
}
