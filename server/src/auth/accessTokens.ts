import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Role } from '@m2m/contract';
import jwt from 'jsonwebtoken';
import { isUserId } from '../accounts/userIds.js';
import type { Clock } from './clock.js';

export const JWT_ISSUER = 'm2m-gateway';
export const JWT_AUDIENCE = 'm2m-sync';
/** The one algorithm signed and accepted: `alg: none` and key confusion never verify. */
export const JWT_ALGORITHM = 'HS256';

export type AccessTokenFailure = 'expired' | 'invalid';

export type VerifyResult =
  | { ok: true; userId: string; signInId: string; role: Role }
  | { ok: false; failure: AccessTokenFailure; reason: string };

/** A sign-in (refresh token family) id: 16 random bytes, base64url. */
const SIGN_IN_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Short-lived access JWTs: `sub` is the user id, `sid` the sign-in (refresh
 * token family) it belongs to, so that ending the sign-in ends the token;
 * `role` is present for clinicians only (absent reads as a patient, as in
 * tokens issued before roles); issuer, audience and algorithm are pinned.
 */
export class AccessTokens {
  /**
   * The secret as a key object, made once: given a string, jsonwebtoken first
   * tries (and fails) to read it as a public key on every call, which cost
   * more than the rest of a token's check.
   */
  private readonly key: KeyObject;

  constructor(
    secret: string,
    readonly ttlS: number,
    private readonly clock: Clock,
  ) {
    if (Buffer.byteLength(secret, 'utf8') < 32) throw new Error('the JWT secret must be at least 32 bytes');
    this.key = createSecretKey(secret, 'utf8');
  }

  issue(userId: string, signInId: string, role: Role = 'patient'): { accessToken: string; expiresIn: number } {
    const iat = Math.floor(this.clock() / 1000);
    const accessToken = jwt.sign({ iat, sid: signInId, ...(role === 'patient' ? {} : { role }) }, this.key, {
      algorithm: JWT_ALGORITHM,
      expiresIn: this.ttlS,
      subject: userId,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    });
    return { accessToken, expiresIn: this.ttlS };
  }

  verify(token: string): VerifyResult {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        clockTimestamp: Math.floor(this.clock() / 1000),
      });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) return { ok: false, failure: 'expired', reason: 'the access token has expired' };
      return { ok: false, failure: 'invalid', reason: 'the access token is invalid' };
    }
    if (typeof payload === 'string' || !isUserId(payload.sub) || typeof payload.exp !== 'number') {
      return { ok: false, failure: 'invalid', reason: 'the access token is invalid' };
    }
    const sid: unknown = payload['sid'];
    if (typeof sid !== 'string' || !SIGN_IN_ID.test(sid)) return { ok: false, failure: 'invalid', reason: 'the access token is invalid' };
    const role: unknown = payload['role'] ?? 'patient';
    if (role !== 'patient' && role !== 'clinician') return { ok: false, failure: 'invalid', reason: 'the access token is invalid' };
    return { ok: true, userId: payload.sub, signInId: sid, role };
  }
}
