/** Synthetic session documents: a synthetic recording built into a session. */
import { buildSession } from '../model/buildSession.js';
import { sessionIdAt } from '../model/sessionId.js';
import type { Session } from '../model/types.js';
import { resolveSynthOptions, type SynthOptions } from './options.js';
import { SeededRandom } from './random.js';
import { STREAMS, synthesizeRecording } from './synthesizeRecording.js';

export { synthesizeRecording } from './synthesizeRecording.js';
export type { SynthOptions } from './options.js';

/**
 * `buildSession(synthesizeRecording(options), id)` where the id is
 * `sessionIdAt(startedAt in ms, 10 bytes from a stream seeded by options.seed)`:
 * the same options give the same document, JSON byte for byte. Throws a
 * RangeError naming a bad option.
 */
export function synthesizeSession(options: SynthOptions): Session {
  const o = resolveSynthOptions(options);
  const id = sessionIdAt(Date.parse(o.startedAt), new SeededRandom(o.seed, STREAMS.sessionId).bytes(10));
  return buildSession(synthesizeRecording(options), id);
}
