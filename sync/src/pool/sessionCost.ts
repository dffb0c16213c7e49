import { LIMITS, type AnalysisDoc } from '@m2m/analysis-core';
import { unfinishedAnalysis } from './crashedAnalysis.js';

/** Reason code of a session refused for its size before any analysis. */
export const OVER_BUDGET_CODE = 'analysis-over-budget';

/**
 * What analysing a session will cost, from what it declares before any
 * decoding: samples per channel × channels (analysis time grows with both).
 * A document that declares no sensible size, or one beyond the session
 * schema's limits, costs 1: analyzeSession refuses it at once, naming the limit.
 */
export function estimateSessionCost(doc: unknown): number {
  const sensors = field(doc, 'sensors');
  const sampleCount = field(sensors, 'sampleCount');
  const channels = field(sensors, 'channels');
  if (typeof sampleCount !== 'number' || !Number.isInteger(sampleCount) || sampleCount < 1 || sampleCount > LIMITS.maxSampleCount) return 1;
  const channelCount = Array.isArray(channels) ? channels.length : 0;
  if (channelCount > LIMITS.maxChannels) return 1;
  return sampleCount * Math.max(1, channelCount);
}

/** The `invalid` analysis of a session whose declared size is over the analysis budget, naming both. */
export function overBudgetAnalysis(doc: unknown, cost: number, budget: number): AnalysisDoc {
  const sensors = field(doc, 'sensors');
  const channels = field(sensors, 'channels');
  const channelCount = Array.isArray(channels) ? channels.length : 0;
  const message =
    `the session declares ${channelCount} channels × ${String(field(sensors, 'sampleCount'))} samples = ${cost} samples, ` +
    `over the worker's analysis budget of ${budget} samples per session (WORKER_ANALYSIS_BUDGET)`;
  return unfinishedAnalysis(doc, { code: OVER_BUDGET_CODE, message });
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}
