import { synthesizeRecording } from '@m2m/analysis-core';
import type { RecordInput } from '@m2m/mobile-sdk';

/** What the player chooses before a synthetic game. */
export interface PlayChoices {
  /** 0 (healthy hand) .. 1 (severe impairment). */
  impairment: number;
  durationS: number;
  level: number;
}

const DAY_MS = 86_400_000;

/**
 * When the next game counts as played: now, or one day after the latest
 * session if that is later. A demo plays a week of therapy in minutes, and
 * the progress summary's days, streaks and trend per week need the days.
 */
export function nextSessionStart(latestStartedAt: string | null, now: number): string {
  const latest = latestStartedAt === null ? NaN : Date.parse(latestStartedAt);
  const start = Number.isFinite(latest) ? Math.max(now, latest + DAY_MS) : now;
  return new Date(start).toISOString();
}

/** A synthetic glove recording for the choices: what a real game would hand to `recordSession`. */
export function synthesizeGame(choices: PlayChoices, startedAt: string): RecordInput {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
  return synthesizeRecording({ seed, startedAt, durationS: choices.durationS, impairment: choices.impairment, level: choices.level });
}
