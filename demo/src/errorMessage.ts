import { GatewayError, InvalidSessionError, M2MError, NetworkError, type ErrorCode } from '@m2m/mobile-sdk';

/** What to do about each 429 the error catalogue names; each asks to wait the seconds in Retry-After. */
const WAIT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  too_many_attempts: 'Too many attempts. Wait a minute and try again.',
  sync_rate_exceeded: 'This account is sending too many requests. Syncing goes on by itself in a moment.',
  too_many_feeds: 'This account has too many open connections (other tabs or devices). Syncing goes on by itself once one closes.',
};

/** A sentence a person can act on, for any error the SDK (or the browser) throws. */
export function errorMessage(err: unknown): string {
  if (err instanceof NetworkError) return 'The server cannot be reached. Check the connection and try again.';
  if (err instanceof GatewayError) {
    const wait = WAIT_MESSAGES[err.code as ErrorCode];
    if (wait) return wait;
    // A 429 without a code of the catalogue (a reverse proxy's own, say).
    if (err.status === 429) return 'Too many requests. Wait a minute and try again.';
    if (err.code === 'share_code_invalid') return 'That code is wrong, expired or already used: ask the patient for a new one.';
    if (err.code === 'invitation_invalid') return 'That invitation is wrong, expired or already used: ask the operator for a new one.';
    return sentence(err.reason);
  }
  if (err instanceof InvalidSessionError) return sentence(err.message);
  if (err instanceof M2MError) return sentence(err.message);
  if (err instanceof Error) return sentence(err.message);
  return sentence(String(err));
}

/** `text` as a sentence: capital first letter, closing full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'Something went wrong.';
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
