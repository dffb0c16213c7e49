/** What the gateway sends for one kind of failure. */
export interface ErrorSpec {
  /** The HTTP status, or `'store'` when the answer passes on the status (a 4xx) the store gave. */
  readonly status: number | 'store';
  /**
   * CouchDB's `error` name sent beside the code: PouchDB and RxDB read
   * `{error, reason}`, so `/sync` keeps CouchDB's names. `'store'`: the store's own.
   */
  readonly error: string;
  /** What happened and what a client can do about it. */
  readonly meaning: string;
}

/**
 * Every error code the gateway sends, in `code` beside CouchDB's
 * `{error, reason}` (and in a refused document's row of a `_bulk_docs`
 * answer). A code is stable: its name and meaning never change; `reason` is
 * for people and may. Clients decide on `code`, never on `reason`.
 */
export const ERROR_CATALOGUE = {
  // Requests the gateway cannot read.
  body_unreadable: { status: 400, error: 'bad_request', meaning: 'The request body could not be read: not JSON, not valid for its Content-Encoding, or cut short. Fix the request.' },
  body_too_large: { status: 413, error: 'too_large', meaning: 'The request body is larger than the body limit (BODY_LIMIT_BYTES on /sync and /api, 16 KiB on /auth and /me). Send less at once.' },
  body_unsupported: { status: 415, error: 'bad_content_type', meaning: 'The body is not JSON in UTF-8, or its Content-Encoding is not identity, gzip or deflate.' },
  invalid_request: { status: 400, error: 'bad_request', meaning: 'A field, query parameter or path breaks the endpoint\'s rules; `reason` names it. Fix the request.' },
  route_not_found: { status: 404, error: 'not_found', meaning: 'No such endpoint (under /sync only sessions/, progress/ and care/ exist).' },
  method_not_allowed: { status: 405, error: 'method_not_allowed', meaning: 'The endpoint does not serve this method; the Allow header lists those it does.' },
  too_many_entries: { status: 413, error: 'request_entity_too_large', meaning: 'The request names more documents, ids or revisions than one request may; send them in smaller requests.' },

  // Signing in.
  username_taken: { status: 409, error: 'conflict', meaning: 'Registration: another account holds this username.' },
  credentials_incorrect: { status: 401, error: 'unauthorized', meaning: 'Login: no account has this username and password.' },
  password_incorrect: { status: 401, error: 'unauthorized', meaning: 'DELETE /me: the password is not the account\'s. The access token is fine; do not refresh it.' },
  too_many_attempts: { status: 429, error: 'too_many_requests', meaning: 'Too many sign-in attempts from this client or for this username or account, or too many share codes redeemed; wait the seconds in Retry-After.' },
  refresh_token_invalid: { status: 401, error: 'unauthorized', meaning: 'The refresh token is not one the gateway issued. Log in again.' },
  refresh_token_expired: { status: 401, error: 'unauthorized', meaning: 'The refresh token has expired. Log in again.' },
  refresh_token_revoked: { status: 401, error: 'unauthorized', meaning: 'The refresh token was revoked (logout, or the account\'s sign-ins were ended). Log in again.' },
  refresh_token_reused: { status: 401, error: 'unauthorized', meaning: 'An already replaced refresh token was presented after its grace window: the whole sign-in is revoked. Log in again.' },

  // The access token (every route behind it: /me, /sync, /api).
  access_token_required: { status: 401, error: 'unauthorized', meaning: 'No access token, or an Authorization header that is not "Bearer <access token>".' },
  access_token_expired: { status: 401, error: 'unauthorized', meaning: 'The access token has expired: refresh it and send the request again.' },
  access_token_invalid: { status: 401, error: 'unauthorized', meaning: 'The access token is not one the gateway issued (bad signature, issuer, audience or form): refresh it.' },
  sign_in_ended: { status: 401, error: 'unauthorized', meaning: 'The token\'s sign-in has ended (logout, or its refresh token was reused); a refresh is refused too. Log in again.' },
  account_deleted: { status: 401, error: 'unauthorized', meaning: 'The account no longer exists.' },

  // What the replication proxy and the REST routes refuse.
  request_refused: { status: 403, error: 'forbidden', meaning: 'The request reaches for something devices may not: a server endpoint, a design document, a reserved _local id, a filter, a path trick, or a write the endpoint does not take.' },
  database_read_only: { status: 403, error: 'forbidden', meaning: 'The progress database is written by the server only; devices pull it.' },
  document_invalid: { status: 403, error: 'forbidden', meaning: 'The document is not a valid session or checkpoint (schema, size, nesting, revision fields); `reason` names every problem. In _bulk_docs, that document\'s row only.' },
  quota_stored_bytes: { status: 403, error: 'forbidden', meaning: 'The user\'s sessions database is over QUOTA_STORED_BYTES: new sessions are refused, deletions pass. In _bulk_docs, that document\'s row only.' },
  quota_local_docs: { status: 403, error: 'forbidden', meaning: 'The user holds QUOTA_LOCAL_DOCS _local documents (checkpoints) already; delete old ones first.' },
  quota_local_bytes: { status: 403, error: 'forbidden', meaning: 'This write would take the user\'s _local documents over QUOTA_LOCAL_BYTES.' },
  session_conflict: { status: 409, error: 'conflict', meaning: 'POST /api/sessions: a different session is stored under this id, or it changed while being stored (send it again).' },
  sync_rate_exceeded: { status: 429, error: 'too_many_requests', meaning: 'Over the user\'s /sync requests per second (QUOTA_SYNC_REQUESTS_PER_S, QUOTA_SYNC_BURST); wait the seconds in Retry-After.' },
  too_many_feeds: { status: 429, error: 'too_many_requests', meaning: 'The user holds the most open _changes longpolls allowed at once; wait the seconds in Retry-After.' },

  // The care team: roles, invitations, share codes.
  invitation_invalid: { status: 403, error: 'forbidden', meaning: 'Registration with an invitation: the code is unknown, expired or already used (one answer for all three). Ask the operator for a new one.' },
  share_code_invalid: { status: 403, error: 'forbidden', meaning: 'POST /api/care/links: the share code is unknown, expired or already used (one answer for all three). Ask the patient for a new one.' },
  link_not_found: { status: 404, error: 'not_found', meaning: 'DELETE /api/care/links/<id>: there is no link, active or revoked, between the caller and this user.' },
  wrong_role: { status: 403, error: 'forbidden', meaning: 'The endpoint is for the other role: patients share, revoke and sync sessions and progress; clinicians redeem codes and sync care.' },

  // The store behind the gateway.
  store_refused: { status: 'store', error: 'store', meaning: 'The store refused or failed the request as a whole (a missing database, a bad request, its own error); status, `error` and `reason` are the store\'s own.' },
  store_failed: { status: 502, error: 'bad_gateway', meaning: 'The store could not be reached or answered in a way the gateway cannot use. Retry later.' },
  store_timeout: { status: 503, error: 'service_unavailable', meaning: 'The store stayed silent past its timeout (STORE_TIMEOUT_MS); retry after the seconds in Retry-After.' },
  store_unavailable: { status: 503, error: 'service_unavailable', meaning: 'The store is unavailable; retry after the seconds in Retry-After (when sent).' },

  // Operations.
  not_ready: { status: 503, error: 'not_ready', meaning: 'GET /ready: the store is unreachable or not bootstrapped yet.' },
  metrics_off: { status: 404, error: 'not_found', meaning: 'GET /metrics: metrics are off (no METRICS_TOKEN).' },
  metrics_token_refused: { status: 401, error: 'unauthorized', meaning: 'GET /metrics: the Authorization header does not carry METRICS_TOKEN.' },
  internal_error: { status: 500, error: 'internal_server_error', meaning: 'The gateway failed; quote the request id when reporting it.' },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code of the gateway. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code, in catalogue order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, value);
}

/** The refusals of an access token: a refresh of the token may help (and tells when the sign-in has ended). */
export const ACCESS_TOKEN_REFUSALS = [
  'access_token_required',
  'access_token_expired',
  'access_token_invalid',
  'sign_in_ended',
  'account_deleted',
] as const satisfies readonly ErrorCode[];

/** The refusals of `POST /auth/refresh` that end the sign-in: only a new login helps. */
export const REFRESH_REFUSALS = [
  'refresh_token_invalid',
  'refresh_token_expired',
  'refresh_token_revoked',
  'refresh_token_reused',
  'account_deleted',
  'invalid_request',
] as const satisfies readonly ErrorCode[];

export const isAccessTokenRefusal = (code: unknown): boolean => (ACCESS_TOKEN_REFUSALS as readonly unknown[]).includes(code);
export const isRefreshRefusal = (code: unknown): boolean => (REFRESH_REFUSALS as readonly unknown[]).includes(code);
