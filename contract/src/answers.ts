import type { ErrorCode } from './errorCatalogue.js';

/** Who an account is: a patient records and shares; a clinician follows the patients who shared. */
export type Role = 'patient' | 'clinician';

/** Every error answer of the gateway: CouchDB's `{error, reason}`, the stable code and the request id. */
export interface ErrorAnswer {
  /** CouchDB's error name (PouchDB and RxDB read it). */
  error: string;
  /** For people: what was wrong, naming the field, limit or quota. */
  reason: string;
  code: ErrorCode;
  /** Also in the `X-Request-Id` header; quote it when reporting a problem. */
  requestId: string;
}

/** A refused document's row in the answer of `POST /sync/sessions/_bulk_docs`; the other rows are CouchDB's. */
export interface RefusedDocumentRow {
  id: string;
  error: 'forbidden';
  reason: string;
  code: ErrorCode;
}

/** `POST /auth/refresh`: a new pair. The access token names its sign-in; the refresh token rotates. */
export interface TokenPair {
  userId: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
}

/** `POST /auth/register` (201) and `POST /auth/login` (200): a pair, and this device's token for the username. */
export interface SignInAnswer extends TokenPair {
  /** Sent with the device's next login, so that guesses from elsewhere cannot lock it out. */
  deviceToken: string;
}

/** `POST /auth/register`. */
export interface RegisterRequest {
  username: string;
  password: string;
  /** An operator's invitation code: the account is a clinician's (without it, a patient's). */
  invitation?: string;
}

/** `POST /auth/login`. */
export interface LoginRequest {
  username: string;
  password: string;
  deviceToken?: string;
}

/** `POST /auth/refresh` and `POST /auth/logout`. */
export interface RefreshRequest {
  refreshToken: string;
}

/** `DELETE /me`. */
export interface DeleteAccountRequest {
  password: string;
}

/** `POST /auth/logout` and `DELETE /me`. */
export interface OkAnswer {
  ok: true;
}

/** `GET /me`. */
export interface AccountAnswer {
  userId: string;
  username: string;
  role: Role;
  /** ISO 8601. */
  createdAt: string;
}

/** `POST /api/sessions`: 201 when this call stored the session, 200 when the same session was there already. */
export interface SessionUploadAnswer {
  ok: true;
  id: string;
  rev: string;
}

/** `GET /api/progress?limit=&cursor=`: documents in device form (`id`, no `_rev`). */
export interface ProgressPageAnswer {
  progress: Record<string, unknown> | null;
  /** Latest first. */
  analyses: Array<Record<string, unknown>>;
  /** Hand back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** `POST /api/care/share-codes` (patient): a code to hand to one clinician. */
export interface ShareCodeAnswer {
  /** `XXXXX-XXXXX` (Crockford base32); redeemed case-insensitive, with or without the dash. */
  code: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** `POST /api/care/links` (clinician). */
export interface RedeemShareCodeRequest {
  code: string;
}

export interface CareLinkEvent {
  event: 'linked' | 'revoked';
  /** ISO 8601. */
  at: string;
  by: 'patient' | 'clinician' | 'operator';
}

/** One patient–clinician link: `POST /api/care/links`, `DELETE /api/care/links/<id>`, and each of `GET /api/care/links`. */
export interface CareLink {
  patientId: string;
  clinicianId: string;
  patientUsername: string;
  clinicianUsername: string;
  status: 'active' | 'revoked';
  /** Oldest first. */
  history: CareLinkEvent[];
}

/** `GET /api/care/links`: a patient's links (who follows them), or a clinician's (whom they follow). */
export interface CareLinksAnswer {
  links: CareLink[];
}
