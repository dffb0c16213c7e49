import type { ValidationError } from '@m2m/analysis-core';

/** Every error the SDK throws on purpose; `code` is stable, `message` is for people. */
export class M2MError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'M2MError';
  }
}

/** recordSession's input is not a valid session: nothing was stored. */
export class InvalidSessionError extends M2MError {
  constructor(readonly errors: ValidationError[]) {
    super('invalid_session', `the session is invalid: ${errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('; ')}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ''}`);
    this.name = 'InvalidSessionError';
  }
}

/**
 * The gateway answered with an error status. `code` is the gateway's stable
 * code (`ErrorCode`, catalogued in @m2m/contract), `error` CouchDB's error
 * name beside it, `reason` the gateway's explanation for people.
 */
export class GatewayError extends M2MError {
  constructor(
    readonly status: number,
    code: string,
    readonly reason: string,
    readonly error: string = code,
  ) {
    super(code, `the gateway answered ${status}: ${reason}`);
    this.name = 'GatewayError';
  }
}

/** The gateway could not be reached (offline, DNS, refused, aborted). */
export class NetworkError extends M2MError {
  constructor(reason: string) {
    super('network', `the gateway is unreachable: ${reason}`);
    this.name = 'NetworkError';
  }
}

export class NotSignedInError extends M2MError {
  constructor(action: string) {
    super('not_signed_in', `${action} needs a signed-in user: call login() or register() first`);
    this.name = 'NotSignedInError';
  }
}
