import { encodeSensors } from '../codec/sensorCodec.js';
import type { Recording, Session } from './types.js';

/**
 * Turns what a device recorded into a session document: the samples are
 * encoded with the sensor codec, the events sorted by time (stable).
 * It does not validate; call `validateSession` on the result.
 */
export function buildSession(recording: Recording, id: string): Session {
  const events = recording.events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map(({ e }) => (e.finger === undefined ? { t: e.t, kind: e.kind } : { t: e.t, kind: e.kind, finger: e.finger }));
  return {
    id,
    type: 'session',
    schemaVersion: 1,
    gameId: recording.gameId,
    level: recording.level,
    startedAt: recording.startedAt,
    durationMs: recording.durationMs,
    score: recording.score,
    device: recording.device,
    sensors: encodeSensors({ sampleRateHz: recording.sampleRateHz, channels: recording.channels }),
    events,
  };
}
