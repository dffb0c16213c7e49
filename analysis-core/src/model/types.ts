/**
 * The documents of the system. The JSON Schemas in `schemas.ts` describe the
 * same shapes; a test keeps the two in step.
 */

export const FINGERS = ['thumb', 'index', 'middle', 'ring', 'little'] as const;
export type Finger = (typeof FINGERS)[number];

export const EVENT_KINDS = ['prompt', 'hit', 'miss', 'pause', 'resume'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** A game event, `t` in milliseconds from the session start. */
export interface GameEvent {
  t: number;
  kind: EventKind;
  finger?: Finger;
}

/** How one channel is stored: its id, its unit and the quantisation step. */
export interface ChannelInfo {
  id: string;
  unit: string;
  /** Quantisation step in `unit`: a sample is stored as round(value / scale). */
  scale: number;
  /** The sensor's measuring range in `unit`, when known; used to detect saturation. */
  range?: [number, number];
}

export const SENSOR_ENCODING = 'm2m-delta-bitpack/1';

/** The sensor samples as they travel inside a session document. */
export interface SensorBlock {
  sampleRateHz: number;
  sampleCount: number;
  channels: ChannelInfo[];
  encoding: typeof SENSOR_ENCODING;
  /** base64 of the packed channels (see codec/sensorCodec.ts). */
  data: string;
}

/** Raw channel samples; NaN marks a missing sample. */
export interface ChannelSamples extends ChannelInfo {
  values: ArrayLike<number>;
}

export interface SensorInput {
  sampleRateHz: number;
  channels: ChannelSamples[];
}

export interface DecodedChannel extends ChannelInfo {
  values: Float64Array;
}

export interface DecodedSensors {
  sampleRateHz: number;
  channels: DecodedChannel[];
}

export interface DeviceInfo {
  platform: string;
  appVersion: string;
  model?: string;
  glove: { model: string; firmware: string };
}

export interface Session {
  id: string;
  type: 'session';
  schemaVersion: 1;
  gameId: string;
  level: number;
  /** ISO 8601 UTC timestamp, e.g. 2026-11-24T10:00:00.000Z */
  startedAt: string;
  durationMs: number;
  score: number;
  device: DeviceInfo;
  sensors: SensorBlock;
  events: GameEvent[];
}

/** What a device records before it becomes a session document. */
export interface Recording {
  gameId: string;
  level: number;
  startedAt: string;
  durationMs: number;
  score: number;
  device: DeviceInfo;
  sampleRateHz: number;
  channels: ChannelSamples[];
  events: GameEvent[];
}

/** A problem found in a document, addressed by a JSON-pointer-like path. */
export interface ValidationError {
  path: string;
  message: string;
}

export type SessionValidation =
  | { ok: true; session: Session }
  | { ok: false; errors: ValidationError[] };

/** Why a result is missing or a session could not be analysed. */
export interface Reason {
  code: string;
  message: string;
}

/** Smoothness per kind of movement (analyses from 2.0.0 on; absent before). */
export interface MovementSmoothness {
  /** Median SPARC over the flexions. */
  sparcFlexion?: number | null;
  /** Median SPARC over the extensions. */
  sparcExtension?: number | null;
  /** Median LDLJ (speed based) over the flexions. */
  ldljFlexion?: number | null;
  /** Median LDLJ (speed based) over the extensions. */
  ldljExtension?: number | null;
}

export interface FingerMetrics extends MovementSmoothness {
  /** Median excursion over the finger's prompted movements; the session's 5th–95th percentile spread for a finger never prompted. */
  rangeOfMotionDeg: number | null;
  peakVelocityDegS: number | null;
  repetitions: number;
  /** Mean time from a repetition's flexion onset to its extension offset, s. */
  meanRepetitionS: number | null;
  /** Median SPARC over this finger's movements (each flexion and each extension). */
  sparc: number | null;
  /** Median LDLJ (speed based) over this finger's movements (each flexion and each extension). */
  ldlj: number | null;
  prompts: number;
  responses: number;
  /** Median reaction time over the prompts this finger answered. */
  reactionTimeMs: number | null;
}

export interface OverallMetrics extends MovementSmoothness {
  /** Mean of the fingers' ranges of motion. */
  rangeOfMotionDeg: number | null;
  peakVelocityDegS: number | null;
  repetitions: number;
  meanRepetitionS: number | null;
  sparc: number | null;
  ldlj: number | null;
  tremorShare: number | null;
  reactionTimeMs: number | null;
  hits: number;
  misses: number;
  accuracy: number | null;
}

export interface QualityReport {
  effectiveSampleRateHz: number | null;
  missingShare: number;
  gapCount: number;
  longestGapMs: number;
  saturatedShare: number | null;
  flags: string[];
}

export interface SessionSummary {
  gameId: string;
  level: number;
  startedAt: string;
  durationMs: number;
  score: number;
}

export interface AnalysisDoc {
  id: string;
  type: 'analysis';
  schemaVersion: 1;
  sessionId: string;
  /** The `_rev` of the session analysed, null when it had none (not yet stored). */
  sessionRev: string | null;
  analysisVersion: string;
  status: 'ok' | 'invalid';
  /** For `invalid`: why. Empty for `ok`. */
  reasons: Reason[];
  session: SessionSummary | null;
  metrics: { overall: OverallMetrics; fingers: Record<Finger, FingerMetrics> } | null;
  quality: QualityReport | null;
  /** Why a metric of an `ok` analysis is null. */
  notes: Reason[];
}

export const PROGRESS_METRICS = [
  'rangeOfMotionDeg',
  'peakVelocityDegS',
  'sparc',
  'ldlj',
  'tremorShare',
  'reactionTimeMs',
  'accuracy',
] as const;
export type ProgressMetric = (typeof PROGRESS_METRICS)[number];

export interface MetricProgress {
  /** Whether a higher value is better (range of motion) or a lower one (reaction time). */
  better: 'higher' | 'lower';
  sessions: number;
  baseline: number | null;
  latest: number | null;
  best: number | null;
  recentMean: number | null;
  trendPerWeek: number | null;
  changeFromBaseline: number | null;
}

export interface GameProgress {
  sessionCount: number;
  totalPlayTimeMs: number;
  latestLevel: number;
  highestLevel: number;
  bestScore: number;
  meanAccuracy: number | null;
}

export interface ProgressDoc {
  id: 'progress';
  type: 'progress';
  schemaVersion: 1;
  analysisVersion: string;
  sessionCount: number;
  invalidSessionCount: number;
  firstSessionAt: string | null;
  lastSessionAt: string | null;
  activeDays: number;
  currentStreakDays: number;
  longestStreakDays: number;
  totalPlayTimeMs: number;
  metrics: Record<ProgressMetric, MetricProgress>;
  games: Record<string, GameProgress>;
}
