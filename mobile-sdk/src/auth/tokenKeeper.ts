import { isRefreshRefusal } from '@m2m/contract';
import { BehaviorSubject } from 'rxjs';
import { GatewayError, M2MError } from '../errors.js';
import type { AuthApi } from './authApi.js';
import { credentialsFrom, type StoredCredentials } from './credentials.js';

/**
 * Holds the signed-in user's tokens and refreshes them. Refresh tokens rotate
 * and the gateway revokes the whole sign-in when one is used twice, so every
 * request that meets a 401 shares one refresh, and a sign-out waits for a
 * refresh under way so that the newest token is the one saved or revoked.
 */
export class TokenKeeper {
  /** Why the sign-in ended (the refresh was refused), or null while it holds. */
  readonly ended = new BehaviorSubject<string | null>(null);
  private refreshing: Promise<StoredCredentials> | null = null;
  private closed = false;

  constructor(
    private credentials: StoredCredentials,
    private readonly api: AuthApi,
    private readonly save: (credentials: StoredCredentials) => Promise<void>,
  ) {}

  get current(): StoredCredentials {
    return this.credentials;
  }

  /**
   * New tokens after `rejectedToken` was refused with the code `refusal`.
   * When another request has refreshed meanwhile, its token is used without
   * a second refresh. A deleted account ends the sign-in without asking:
   * the gateway would refuse the refresh the same way.
   */
  refresh(rejectedToken: string, refusal?: string): Promise<StoredCredentials> {
    if (this.closed) return Promise.reject(new M2MError('signed_out', 'the user has signed out'));
    if (refusal === 'account_deleted') return Promise.reject(this.end('the account no longer exists'));
    if (this.credentials.accessToken !== rejectedToken) return Promise.resolve(this.credentials);
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<StoredCredentials> {
    if (this.ended.value) throw new M2MError('auth_required', this.ended.value);
    try {
      const tokens = await this.api.refresh(this.credentials.refreshToken);
      const next = credentialsFrom(tokens, this.credentials.username);
      this.credentials = next;
      await this.save(next);
      return next;
    } catch (err) {
      // Refused (expired, revoked, account gone): only a new login helps. A network error may pass.
      if (err instanceof GatewayError && isRefreshRefusal(err.code)) throw this.end(err.reason);
      throw err;
    }
  }

  /** Marks the sign-in ended (once) and returns the error that says so. */
  private end(reason: string): M2MError {
    const message = `the sign-in has ended (${reason}): log in again`;
    if (!this.ended.value) this.ended.next(message);
    return new M2MError('auth_required', message);
  }

  /** Waits for a refresh under way, then refuses any other. */
  async close(): Promise<void> {
    if (this.refreshing) await this.refreshing.catch(() => undefined);
    this.closed = true;
    this.ended.complete();
  }
}
