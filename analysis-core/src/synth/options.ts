/** The synthesizer's options: defaults and validation. */
import { LIMITS } from '../model/schemas.js';
import { defaultPromptIntervalS } from './game.js';

export interface SynthOptions {
  /** Any safe integer; the same seed and options give the same bits. */
  seed: number;
  /** Session length in seconds, (0, 7200]; default 60. */
  durationS?: number | undefined;
  /** Default 100; (0, 10000], and durationS × sampleRateHz at most 2,000,000 samples. */
  sampleRateHz?: number | undefined;
  /** Default 'rhythm-tap'; lower-case letters, digits, '-' and '_'. */
  gameId?: string | undefined;
  /** Integer 1..10, default 1: higher levels prompt faster and ask for more flexion. */
  level?: number | undefined;
  /** ISO 8601 UTC, e.g. '2026-01-05T09:00:00.000Z' (the default); not before 1970. */
  startedAt?: string | undefined;
  /** 0 (healthy) .. 1 (severe), default 0.3. */
  impairment?: number | undefined;
  /** Tremor frequency, (0, 50] Hz, default 6. */
  tremorHz?: number | undefined;
  /** Mean tremor amplitude on the flex angles, [0, 90] degrees, default 0 (no tremor). */
  tremorAmplitudeDeg?: number | undefined;
  /** Flex sensor noise sd, [0, 45] degrees, default 0.2. */
  noiseDeg?: number | undefined;
  /** Expected dropouts per minute, [0, 600], default 0. */
  dropoutRate?: number | undefined;
  /** Mean dropout length, (0, 60000] ms, default 80. */
  dropoutMs?: number | undefined;
  /** Mean time between prompts, [0.5, 3600] s; default from the level, 2.5 s at level 1 to 1.2 s at level 10. */
  promptIntervalS?: number | undefined;
}

export type ResolvedSynthOptions = { [K in keyof SynthOptions]-?: Exclude<SynthOptions[K], undefined> };

export const MAX_DURATION_S = 2 * 3600;
const ISO_UTC = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?Z$/;
const GAME_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A finite number within [min, max] (bounds open where `open` says), else RangeError naming the option. */
function numberIn(name: string, value: unknown, min: number, max: number, open: { min?: boolean } = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (open.min ? value > min : value >= min) && value <= max;
  if (!ok) throw new RangeError(`${name} must be a number in ${open.min ? '(' : '['}${min}, ${max}], got ${String(value)}`);
  return value;
}

/**
 * Fills in the defaults and checks every option, throwing a RangeError that
 * names the first bad one (NaN, infinite, out of range, wrong type).
 */
export function resolveSynthOptions(options: SynthOptions): ResolvedSynthOptions {
  if (typeof options !== 'object' || options === null) throw new RangeError('options must be an object');
  const { seed } = options;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);

  const durationS = numberIn('durationS', options.durationS ?? 60, 0, MAX_DURATION_S, { min: true });
  const sampleRateHz = numberIn('sampleRateHz', options.sampleRateHz ?? 100, 0, LIMITS.maxSampleRateHz, { min: true });
  if (Math.round(durationS * sampleRateHz) > LIMITS.maxSampleCount) {
    throw new RangeError(`durationS × sampleRateHz must be at most ${LIMITS.maxSampleCount} samples, got ${durationS} s × ${sampleRateHz} Hz`);
  }
  const gameId = options.gameId ?? 'rhythm-tap';
  if (typeof gameId !== 'string' || !GAME_ID.test(gameId)) throw new RangeError(`gameId must match ${GAME_ID.source}, got ${String(gameId)}`);
  const level = numberIn('level', options.level ?? 1, 1, 10);
  if (!Number.isInteger(level)) throw new RangeError(`level must be an integer, got ${level}`);
  const startedAt = options.startedAt ?? '2026-01-05T09:00:00.000Z';
  const startMs = typeof startedAt === 'string' && ISO_UTC.test(startedAt) ? Date.parse(startedAt) : NaN;
  // Date.parse rolls over impossible dates in some engines; a round trip catches them.
  if (!(startMs >= 0) || new Date(startMs).toISOString().slice(0, 19) !== startedAt.slice(0, 19)) {
    throw new RangeError(`startedAt must be an ISO 8601 UTC time not before 1970, like 2026-01-05T09:00:00.000Z, got ${String(startedAt)}`);
  }
  return {
    seed,
    durationS,
    sampleRateHz,
    gameId,
    level,
    startedAt,
    impairment: numberIn('impairment', options.impairment ?? 0.3, 0, 1),
    tremorHz: numberIn('tremorHz', options.tremorHz ?? 6, 0, 50, { min: true }),
    tremorAmplitudeDeg: numberIn('tremorAmplitudeDeg', options.tremorAmplitudeDeg ?? 0, 0, 90),
    noiseDeg: numberIn('noiseDeg', options.noiseDeg ?? 0.2, 0, 45),
    dropoutRate: numberIn('dropoutRate', options.dropoutRate ?? 0, 0, 600),
    dropoutMs: numberIn('dropoutMs', options.dropoutMs ?? 80, 0, 60_000, { min: true }),
    promptIntervalS: numberIn('promptIntervalS', options.promptIntervalS ?? defaultPromptIntervalS(level), 0.5, 3600),
  };
}
