import { GatewayError, InvalidSessionError, M2MError, NetworkError } from '@m2m/mobile-sdk';

/** A sentence a person can act on, for any error the SDK (or the browser) throws. */
export function errorMessage(err: unknown): string {
  if (err instanceof NetworkError) return 'The server cannot be reached. Check the connection and try again.';
  if (err instanceof GatewayError) {
    if (err.status === 429) return 'Too many attempts. Wait a minute and try again.';
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
