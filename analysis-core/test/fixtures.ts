import { buildSession } from '../src/model/buildSession.js';
import { STANDARD_CHANNELS } from '../src/model/channels.js';
import type { Recording, Session } from '../src/model/types.js';

/** A small valid session built by hand: 2 s at 50 Hz, the index finger flexing once. */
export function smallRecording(): Recording {
  const fs = 50;
  const n = 100;
  const channels = STANDARD_CHANNELS.map((c) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (c.id === 'flex.index') values[i] = 10 + 50 * Math.sin((Math.PI * i) / n) ** 2;
      else if (c.id === 'acc.z') values[i] = 9.81;
      else values[i] = 0;
    }
    return { ...c, values };
  });
  return {
    gameId: 'rhythm-tap',
    level: 2,
    startedAt: '2026-03-02T10:00:00.000Z',
    durationMs: 2000,
    score: 100,
    device: { platform: 'android', appVersion: '1.0.0', glove: { model: 'M2M-Glove', firmware: '2.1.0' } },
    sampleRateHz: fs,
    channels,
    events: [
      { t: 200, kind: 'prompt', finger: 'index' },
      { t: 900, kind: 'hit', finger: 'index' },
    ],
  };
}

export const SMALL_ID = 'ses_01JZ0000000000000000000000';

export const smallSession = (): Session => buildSession(smallRecording(), SMALL_ID);

/** A deep copy that a test may damage freely. */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
