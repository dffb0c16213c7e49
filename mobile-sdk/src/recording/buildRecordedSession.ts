import { buildSession, sessionIdAt, sessionSizeProblems, validateSession, type Session, type ValidationError } from '@m2m/analysis-core';
import { InvalidSessionError } from '../errors.js';
import type { RecordInput } from '../types.js';

/**
 * The session document for what the app recorded: encoded with the sensor
 * codec and validated with the schema the gateway uses, so that a session
 * stored on the device is one the gateway accepts. Throws InvalidSessionError
 * naming every problem.
 */
export function buildRecordedSession(input: RecordInput, now: number = Date.now()): Session {
  const shape = shapeProblems(input);
  if (shape.length > 0) throw new InvalidSessionError(shape);
  // The gateway refuses a game over its size limits on every push: refuse it here, before encoding, instead of storing it.
  const oversize = sessionSizeProblems(recordedSizes(input));
  if (oversize.length > 0) throw new InvalidSessionError(oversize);
  const started = Date.parse(input.startedAt);
  // Time-sortable by when the game was played; a bad startedAt is reported by validation below.
  const idTime = Number.isInteger(started) && started >= 0 && started < 2 ** 48 ? started : now;
  let session: Session;
  try {
    session = buildSession(input, sessionIdAt(idTime, crypto.getRandomValues(new Uint8Array(10))));
  } catch (err) {
    throw new InvalidSessionError([{ path: '/sensors', message: err instanceof Error ? err.message : String(err) }]);
  }
  const checked = validateSession(session);
  if (!checked.ok) throw new InvalidSessionError(checked.errors);
  return checked.session;
}

/** The sizes the limits bound; a field of the wrong type counts as 0 here and is named by validation. */
function recordedSizes(input: RecordInput) {
  const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  return {
    durationMs: number(input.durationMs),
    sampleRateHz: number(input.sampleRateHz),
    samplesPerChannel: input.channels.reduce((most, channel) => Math.max(most, number(channel.values.length)), 0),
    channelCount: input.channels.length,
  };
}

const RECORDING_FIELDS = new Set(['gameId', 'level', 'startedAt', 'durationMs', 'score', 'device', 'sampleRateHz', 'channels', 'events']);

/** What buildSession needs before it can run at all; the schema checks the rest. */
function shapeProblems(input: unknown): ValidationError[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ path: '/', message: 'must be an object with the recorded game' }];
  }
  const record = input as Record<string, unknown>;
  const problems: ValidationError[] = [];
  // A misspelt field would otherwise be dropped without a word.
  for (const key of Object.keys(record)) {
    if (!RECORDING_FIELDS.has(key)) problems.push({ path: `/${key}`, message: 'is not a field of a recording' });
  }
  if (!Array.isArray(record['events'])) problems.push({ path: '/events', message: 'must be an array of game events' });
  else {
    record['events'].forEach((e: unknown, i) => {
      if (typeof e !== 'object' || e === null) problems.push({ path: `/events/${i}`, message: 'must be an object' });
    });
  }
  if (!Array.isArray(record['channels'])) problems.push({ path: '/channels', message: 'must be an array of channels' });
  else {
    record['channels'].forEach((c: unknown, i) => {
      if (typeof c !== 'object' || c === null) problems.push({ path: `/channels/${i}`, message: 'must be an object' });
      else if (typeof (c as { values?: unknown }).values !== 'object' || (c as { values?: unknown }).values === null) {
        problems.push({ path: `/channels/${i}/values`, message: 'must be an array of numbers' });
      }
    });
  }
  if (typeof record['startedAt'] !== 'string') problems.push({ path: '/startedAt', message: 'must be an ISO 8601 UTC timestamp string' });
  return problems;
}
