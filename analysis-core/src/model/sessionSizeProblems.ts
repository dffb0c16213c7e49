import { durationProblem, sensorSizeProblem } from '../codec/sensorIntegrity.js';
import type { ValidationError } from './types.js';

/** The sizes of a recorded game that `SESSION_SIZE_LIMITS` bounds. */
export interface SessionSizes {
  durationMs: number;
  sampleRateHz: number;
  samplesPerChannel: number;
  channelCount: number;
}

/**
 * Every way a game of these sizes is over `SESSION_SIZE_LIMITS`, in the
 * gateway's words, so a device can refuse before storing a session that the
 * gateway would refuse on every push (and before encoding its samples).
 */
export function sessionSizeProblems(sizes: SessionSizes): ValidationError[] {
  const problems: ValidationError[] = [];
  const tooLong = durationProblem(sizes.durationMs);
  if (tooLong !== null) problems.push({ path: '/durationMs', message: tooLong });
  const tooLarge = sensorSizeProblem(sizes.sampleRateHz, sizes.samplesPerChannel, sizes.channelCount);
  if (tooLarge !== null) problems.push({ path: '/sensors', message: tooLarge });
  return problems;
}
