import { isSessionId } from '@m2m/analysis-core';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The start time (ms) a session id carries in its first ten ULID characters; undefined for other ids. */
export function sessionStartFromId(id: string): number | undefined {
  if (!isSessionId(id)) return undefined;
  let time = 0;
  for (const char of id.slice(4, 14)) time = time * 32 + CROCKFORD.indexOf(char);
  return time;
}
