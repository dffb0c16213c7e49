import { synthesizeRecording } from '@m2m/analysis-core';
import type { RecordInput } from '@m2m/mobile-sdk';

/** What the player chooses before a synthetic game. */
export interface PlayChoices {
  /** 0 (healthy hand) .. 1 (severe impairment). */
  impairment: number;
  durationS: number;
  level: number;
}

/** A synthetic glove recording for the choices: what a real game would hand to `recordSession`; a random draw unless `seed` is given. */
export function synthesizeGame(choices: PlayChoices, startedAt: string, seed = crypto.getRandomValues(new Uint32Array(1))[0]!): RecordInput {
  return synthesizeRecording({ seed, startedAt, durationS: choices.durationS, impairment: choices.impairment, level: choices.level });
}
