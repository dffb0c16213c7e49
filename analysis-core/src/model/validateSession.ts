import { decodeSensorsInto, SensorCodecError, type ChannelLayout } from '../codec/sensorCodec.js';
import { checkSensorIntegrity, durationProblem } from '../codec/sensorIntegrity.js';
import { checkAgainstSchema } from './schemaCheck.js';
import { sessionSchema } from './schemas.js';
import { parseUtcTimestamp } from './utcTimestamp.js';
import { revisionsProblem, revProblem } from './couchMetadata.js';
import type { DecodedChannel, DecodedSensors, Session, SessionValidation, ValidationError } from './types.js';

/** CouchDB metadata a session may carry on its way through the replication protocol. */
const COUCH_METADATA = new Set(['_id', '_rev', '_revisions', '_deleted']);

/** A session's duration and its sample count may disagree by this much (clock rounding, a lost packet). */
const DURATION_TOLERANCE_MS = 1000;

/**
 * How far `validateSession` looks into the sensor block: `decode` expands
 * every sample (the analysis needs them anyway); `integrity` checks the block
 * without expanding it and holds the session to `SESSION_SIZE_LIMITS`, for
 * a server that stores what a device sends and must not let a small
 * document cost it a large allocation.
 */
export interface ValidateOptions {
  sensors?: 'decode' | 'integrity';
}

/**
 * Checks a session document: its shape against `sessionSchema`, then what a
 * schema cannot say (dates, event order, the sensor block decoding to what it
 * declares). Accepts the device form (`id`) and CouchDB's form (`_id`, `_rev`,
 * `_revisions`); the session returned is the device form, metadata removed.
 * Every problem found is named with its path.
 */
export function validateSession(doc: unknown, options: ValidateOptions = {}): SessionValidation {
  if (options.sensors === 'integrity') return checkSessionIntegrity(doc);
  const checked = checkSession(doc);
  return checked.ok ? { ok: true, session: checked.session } : checked;
}

function checkSessionIntegrity(doc: unknown): SessionValidation {
  const shaped = checkShape(doc);
  if (!shaped.ok) return shaped;
  const { session, errors } = shaped;
  const tooLong = durationProblem(session.durationMs);
  if (tooLong !== null) errors.push({ path: '/durationMs', message: tooLong });
  try {
    checkSensorIntegrity(session.sensors);
  } catch (err) {
    if (!(err instanceof SensorCodecError)) throw err;
    errors.push({ path: '/sensors/data', message: err.message });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, session };
}

/** The schema and the meaning checks, before anything looks at the samples. */
function checkShape(doc: unknown): { ok: true; session: Session; errors: ValidationError[] } | { ok: false; errors: ValidationError[] } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, errors: [{ path: '/', message: `must be an object, got ${doc === null ? 'null' : Array.isArray(doc) ? 'array' : typeof doc}` }] };
  }
  const { body, errors } = toDeviceForm(doc as Record<string, unknown>);
  errors.push(...checkAgainstSchema(sessionSchema, body));
  if (errors.length > 0) return { ok: false, errors };
  const session = body as unknown as Session;
  errors.push(...checkMeaning(session));
  return { ok: true, session, errors };
}

export type CheckedSession =
  | { ok: true; session: Session; sensors: DecodedSensors }
  | { ok: false; errors: ValidationError[] };

/**
 * `validateSession` that also hands back the decoded sensors, so the analysis
 * decodes once; each channel's samples go into `samples(sampleCount)`, and
 * `onChannel` sees each channel as it is decoded (see `decodeSensorsInto`).
 */
export function checkSession(
  doc: unknown,
  samples: (n: number) => Float64Array = (n) => new Float64Array(n),
  onChannel?: (channel: DecodedChannel, layout: ChannelLayout) => void,
): CheckedSession {
  const shaped = checkShape(doc);
  if (!shaped.ok) return shaped;
  const { session, errors } = shaped;
  let sensors: DecodedSensors | undefined;
  try {
    sensors = decodeSensorsInto(session.sensors, samples, onChannel);
  } catch (err) {
    if (!(err instanceof SensorCodecError)) throw err;
    errors.push({ path: '/sensors/data', message: err.message });
  }
  if (errors.length > 0 || !sensors) return { ok: false, errors };
  return { ok: true, session, sensors };
}

function toDeviceForm(doc: Record<string, unknown>): { body: Record<string, unknown>; errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === '_id') entries.push(['id', value]);
    else if (!key.startsWith('_') || key === '__proto__') entries.push([key, value]);
    else if (!COUCH_METADATA.has(key)) errors.push({ path: `/${key}`, message: 'is not allowed in a session (attachments and other CouchDB fields are refused)' });
  }
  if ('_id' in doc && 'id' in doc) {
    if (doc.id !== doc._id) errors.push({ path: '/_id', message: `must equal id ("${String(doc.id)}")` });
    entries.splice(entries.findIndex(([key]) => key === 'id'), 1);
  }
  const revIssue = '_rev' in doc ? revProblem(doc._rev) : null;
  if (revIssue) errors.push({ path: '/_rev', message: revIssue });
  const historyIssue = '_revisions' in doc ? revisionsProblem(doc._revisions, doc._rev) : null;
  if (historyIssue) errors.push({ path: '/_revisions', message: historyIssue });
  if ('_deleted' in doc && doc._deleted !== false) errors.push({ path: '/_deleted', message: 'a deleted document is not a session' });
  // Object.fromEntries defines own properties: a "__proto__" key stays a field for the schema to refuse.
  return { body: Object.fromEntries(entries), errors };
}

function checkMeaning(session: Session): ValidationError[] {
  const errors: ValidationError[] = [];
  if (Number.isNaN(parseUtcTimestamp(session.startedAt))) {
    errors.push({ path: '/startedAt', message: `is not a real date and time: ${session.startedAt}` });
  }

  const { sensors } = session;
  const ids = new Set<string>();
  sensors.channels.forEach((channel, i) => {
    if (ids.has(channel.id)) errors.push({ path: `/sensors/channels/${i}/id`, message: `duplicates channel "${channel.id}"` });
    ids.add(channel.id);
    if (channel.range && !(channel.range[0] < channel.range[1])) {
      errors.push({ path: `/sensors/channels/${i}/range`, message: 'must be [min, max] with min < max' });
    }
  });
  const recordedMs = (sensors.sampleCount / sensors.sampleRateHz) * 1000;
  if (Math.abs(recordedMs - session.durationMs) > Math.max(DURATION_TOLERANCE_MS, 0.05 * session.durationMs)) {
    errors.push({
      path: '/sensors/sampleCount',
      message: `${sensors.sampleCount} samples at ${sensors.sampleRateHz} Hz last ${Math.round(recordedMs)} ms, but durationMs is ${session.durationMs}`,
    });
  }

  let previous = 0;
  session.events.forEach((event, i) => {
    if (event.t < previous) errors.push({ path: `/events/${i}/t`, message: `events must be in time order: ${event.t} comes after ${previous}` });
    previous = Math.max(previous, event.t);
    if (event.t > session.durationMs) errors.push({ path: `/events/${i}/t`, message: `${event.t} ms is after the session's end (${session.durationMs} ms)` });
    const needsFinger = event.kind === 'prompt' || event.kind === 'hit' || event.kind === 'miss';
    if (needsFinger && event.finger === undefined) errors.push({ path: `/events/${i}/finger`, message: `is required for a ${event.kind} event` });
  });
  return errors;
}
