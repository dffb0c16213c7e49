import { isSessionId } from '../model/sessionId.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The start time a session id carries in its first ten characters (ULID
 * layout, see sessionIdAt), or null for an id that is not a session id. An
 * invalid analysis has no session summary; its id still dates it.
 */
export function sessionIdTimeMs(sessionId: string): number | null {
  if (!isSessionId(sessionId)) return null;
  let ms = 0;
  for (const char of sessionId.slice(4, 14)) ms = ms * 32 + CROCKFORD.indexOf(char);
  return ms;
}
