import { SESSION_ID_PATTERN } from './sessionId.js';
import { EVENT_KINDS, FINGERS, PROGRESS_METRICS, SENSOR_ENCODING } from './types.js';
import type { JsonSchema } from './schemaCheck.js';

/**
 * JSON Schemas of the three documents: the single source used by RxDB on the
 * device, by the gateway to validate pushed sessions and by the worker.
 * They are RxDB collection schemas (`version`, `primaryKey`); the device keeps
 * CouchDB's `_id` out of them because RxDB's replication maps `id` to `_id`.
 */
export interface DocumentSchema extends JsonSchema {
  version: number;
  primaryKey: string;
  type: 'object';
  properties: Record<string, JsonSchema>;
  required: string[];
}

export const LIMITS = {
  maxDurationMs: 4 * 3600 * 1000,
  maxEvents: 20_000,
  maxChannels: 32,
  maxSampleCount: 2_000_000,
  maxSampleRateHz: 1_000,
  maxLevel: 100,
  maxScore: 1e9,
  /** base64 characters: 4 MB of document, the gateway's default limit. */
  maxDataLength: 4 * 1024 * 1024,
} as const;

const ISO_UTC_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?Z$';
const GAME_ID_PATTERN = '^[a-z0-9][a-z0-9_-]*$';
const SEMVER_PATTERN = '^[0-9]+\\.[0-9]+\\.[0-9]+$';

const shortText = (maxLength: number): JsonSchema => ({ type: 'string', minLength: 1, maxLength });
const nullableNumber: JsonSchema = { type: ['number', 'null'] };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const timestamp: JsonSchema = { type: 'string', maxLength: 30, pattern: ISO_UTC_PATTERN };
const reasons: JsonSchema = {
  type: 'array',
  maxItems: 200,
  items: {
    type: 'object',
    properties: { code: shortText(64), message: { type: 'string', maxLength: 2000 } },
    required: ['code', 'message'],
    additionalProperties: false,
  },
};
const object = (properties: Record<string, JsonSchema>, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
  ...extra,
});

export const sessionSchema: DocumentSchema = {
  title: 'session',
  description: 'One game played with the glove: game facts, encoded sensor samples and game events.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 30, pattern: SESSION_ID_PATTERN },
    type: { type: 'string', enum: ['session'] },
    schemaVersion: { type: 'integer', enum: [1] },
    gameId: { type: 'string', minLength: 1, maxLength: 64, pattern: GAME_ID_PATTERN },
    level: { type: 'integer', minimum: 1, maximum: LIMITS.maxLevel },
    startedAt: timestamp,
    durationMs: { type: 'integer', minimum: 0, maximum: LIMITS.maxDurationMs },
    score: { type: 'integer', minimum: 0, maximum: LIMITS.maxScore },
    device: {
      type: 'object',
      properties: {
        platform: shortText(32),
        appVersion: shortText(32),
        model: shortText(64),
        glove: object({ model: shortText(64), firmware: shortText(32) }),
      },
      required: ['platform', 'appVersion', 'glove'],
      additionalProperties: false,
    },
    sensors: object({
      sampleRateHz: { type: 'number', exclusiveMinimum: 0, maximum: LIMITS.maxSampleRateHz },
      sampleCount: { type: 'integer', minimum: 0, maximum: LIMITS.maxSampleCount },
      channels: {
        type: 'array',
        minItems: 1,
        maxItems: LIMITS.maxChannels,
        items: {
          type: 'object',
          properties: {
            id: shortText(64),
            unit: shortText(16),
            scale: { type: 'number', exclusiveMinimum: 0, maximum: 1e6 },
            range: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } },
          },
          required: ['id', 'unit', 'scale'],
          additionalProperties: false,
        },
      },
      encoding: { type: 'string', enum: [SENSOR_ENCODING] },
      data: { type: 'string', maxLength: LIMITS.maxDataLength },
    }),
    events: {
      type: 'array',
      maxItems: LIMITS.maxEvents,
      items: {
        type: 'object',
        properties: {
          t: { type: 'number', minimum: 0, maximum: LIMITS.maxDurationMs },
          kind: { type: 'string', enum: EVENT_KINDS },
          finger: { type: 'string', enum: FINGERS },
        },
        required: ['t', 'kind'],
        additionalProperties: false,
      },
    },
  },
  required: ['id', 'type', 'schemaVersion', 'gameId', 'level', 'startedAt', 'durationMs', 'score', 'device', 'sensors', 'events'],
  additionalProperties: false,
};

// Smoothness per kind of movement came with analysis 2.0.0: optional, so that stored 1.x analyses still conform.
const movementSmoothness = {
  sparcFlexion: nullableNumber,
  sparcExtension: nullableNumber,
  ldljFlexion: nullableNumber,
  ldljExtension: nullableNumber,
};
const withOptional = (schema: JsonSchema, optional: Record<string, JsonSchema>): JsonSchema => ({
  ...schema,
  properties: { ...schema.properties, ...optional },
});

const fingerMetrics = withOptional(object({
  rangeOfMotionDeg: nullableNumber,
  peakVelocityDegS: nullableNumber,
  repetitions: count,
  meanRepetitionS: nullableNumber,
  sparc: nullableNumber,
  ldlj: nullableNumber,
  prompts: count,
  responses: count,
  reactionTimeMs: nullableNumber,
}), movementSmoothness);

const overallMetrics = withOptional(object({
  rangeOfMotionDeg: nullableNumber,
  peakVelocityDegS: nullableNumber,
  repetitions: count,
  meanRepetitionS: nullableNumber,
  sparc: nullableNumber,
  ldlj: nullableNumber,
  tremorShare: nullableNumber,
  reactionTimeMs: nullableNumber,
  hits: count,
  misses: count,
  accuracy: nullableNumber,
}), movementSmoothness);

export const analysisSchema: DocumentSchema = {
  title: 'analysis',
  description: 'The analysis of one session by one version of analysis-core.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 209, pattern: '^analysis:[\\s\\S]+$' },
    type: { type: 'string', enum: ['analysis'] },
    schemaVersion: { type: 'integer', enum: [1] },
    // Any stored session gets an analysis, even one whose id the gateway would refuse.
    sessionId: { type: 'string', minLength: 1, maxLength: 200 },
    sessionRev: { type: ['string', 'null'], maxLength: 200 },
    analysisVersion: { type: 'string', maxLength: 32, pattern: SEMVER_PATTERN },
    status: { type: 'string', enum: ['ok', 'invalid'] },
    reasons,
    session: {
      type: ['object', 'null'],
      properties: {
        gameId: shortText(64),
        level: count,
        startedAt: timestamp,
        durationMs: count,
        score: count,
      },
      required: ['gameId', 'level', 'startedAt', 'durationMs', 'score'],
      additionalProperties: false,
    },
    metrics: {
      type: ['object', 'null'],
      properties: {
        overall: overallMetrics,
        fingers: object(Object.fromEntries(FINGERS.map((f) => [f, fingerMetrics]))),
      },
      required: ['overall', 'fingers'],
      additionalProperties: false,
    },
    quality: {
      type: ['object', 'null'],
      properties: {
        effectiveSampleRateHz: nullableNumber,
        missingShare: { type: 'number', minimum: 0, maximum: 1 },
        gapCount: count,
        longestGapMs: { type: 'number', minimum: 0 },
        saturatedShare: nullableNumber,
        flags: { type: 'array', maxItems: 32, items: shortText(64) },
      },
      required: ['effectiveSampleRateHz', 'missingShare', 'gapCount', 'longestGapMs', 'saturatedShare', 'flags'],
      additionalProperties: false,
    },
    notes: reasons,
  },
  required: ['id', 'type', 'schemaVersion', 'sessionId', 'sessionRev', 'analysisVersion', 'status', 'reasons', 'session', 'metrics', 'quality', 'notes'],
  additionalProperties: false,
};

const metricProgress = object({
  better: { type: 'string', enum: ['higher', 'lower'] },
  sessions: count,
  baseline: nullableNumber,
  latest: nullableNumber,
  best: nullableNumber,
  recentMean: nullableNumber,
  trendPerWeek: nullableNumber,
  changeFromBaseline: nullableNumber,
});

export const progressSchema: DocumentSchema = {
  title: 'progress',
  description: "A user's summary over all analysed sessions.",
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 16, enum: ['progress'] },
    type: { type: 'string', enum: ['progress'] },
    schemaVersion: { type: 'integer', enum: [1] },
    analysisVersion: { type: 'string', maxLength: 32, pattern: SEMVER_PATTERN },
    sessionCount: count,
    invalidSessionCount: count,
    firstSessionAt: { type: ['string', 'null'], maxLength: 30, pattern: ISO_UTC_PATTERN },
    lastSessionAt: { type: ['string', 'null'], maxLength: 30, pattern: ISO_UTC_PATTERN },
    activeDays: count,
    currentStreakDays: count,
    longestStreakDays: count,
    totalPlayTimeMs: count,
    metrics: object(Object.fromEntries(PROGRESS_METRICS.map((m) => [m, metricProgress]))),
    // Keyed by game id; the values' shape is checked by the worker that writes them.
    games: { type: 'object' },
  },
  required: ['id', 'type', 'schemaVersion', 'analysisVersion', 'sessionCount', 'invalidSessionCount', 'firstSessionAt', 'lastSessionAt', 'activeDays', 'currentStreakDays', 'longestStreakDays', 'totalPlayTimeMs', 'metrics', 'games'],
  additionalProperties: false,
};
