import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from './clock.js';
import { JWT_ALGORITHM, JWT_ISSUER } from './accessTokens.js';

/** Its own audience: an access token is never a device token, nor the other way round. */
const DEVICE_AUDIENCE = 'm2m-device';
/** A device that has not signed in for this long is unknown again. */
export const DEVICE_TOKEN_TTL_S = 180 * 86_400;

/**
 * OWASP's "device cookie": a signed token a client receives at each
 * successful login, naming the account (user id, never the username, which a
 * later account may take). Presented at the next login, its
 * guesses count against the device alone, so an attacker guessing from
 * elsewhere cannot lock the owner's known device out.
 */
export class DeviceTokens {
  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  issue(userId: string, previous?: string): string {
    const deviceId = (previous === undefined ? undefined : this.deviceOf(previous, userId)) ?? randomBytes(16).toString('base64url');
    return jwt.sign({ iat: Math.floor(this.clock() / 1000) }, this.secret, {
      algorithm: JWT_ALGORITHM,
      expiresIn: DEVICE_TOKEN_TTL_S,
      subject: userId,
      jwtid: deviceId,
      issuer: JWT_ISSUER,
      audience: DEVICE_AUDIENCE,
    });
  }

  /** The device id when `token` is a valid device token for the account `userId`; undefined otherwise. */
  deviceOf(token: string, userId: string): string | undefined {
    try {
      const payload = jwt.verify(token, this.secret, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: DEVICE_AUDIENCE,
        subject: userId,
        clockTimestamp: Math.floor(this.clock() / 1000),
      });
      return typeof payload === 'object' && typeof payload.jti === 'string' ? payload.jti : undefined;
    } catch {
      return undefined;
    }
  }
}
