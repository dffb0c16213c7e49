import type { DeleteAccountRequest, LoginRequest, RefreshRequest, RegisterRequest, SignInAnswer, TokenPair } from '@m2m/contract';
import { gatewayError, reach } from '../sync/gatewayResponse.js';

const AUTH_TIMEOUT_MS = 30_000;

/** The gateway's account endpoints (`/auth/*`, `/me`). */
export class AuthApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  /** With an operator's `invitation` code the account is a clinician's. */
  register(username: string, password: string, invitation?: string): Promise<SignInAnswer> {
    const body: RegisterRequest & { invitation?: string } = invitation === undefined ? { username, password } : { username, password, invitation };
    return this.post('/auth/register', body) as Promise<SignInAnswer>;
  }

  login(username: string, password: string, deviceToken?: string): Promise<SignInAnswer> {
    const body: LoginRequest = deviceToken === undefined ? { username, password } : { username, password, deviceToken };
    return this.post('/auth/login', body) as Promise<SignInAnswer>;
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.post('/auth/refresh', { refreshToken } satisfies RefreshRequest) as Promise<TokenPair>;
  }

  async logout(refreshToken: string): Promise<void> {
    await this.post('/auth/logout', { refreshToken } satisfies RefreshRequest);
  }

  async deleteAccount(accessToken: string, password: string): Promise<void> {
    await this.send('DELETE', '/me', { password } satisfies DeleteAccountRequest, accessToken);
  }

  private post(path: string, body: unknown): Promise<unknown> {
    return this.send('POST', path, body);
  }

  private async send(method: string, path: string, body: unknown, accessToken?: string): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (accessToken) headers['authorization'] = `Bearer ${accessToken}`;
    const response = await reach(this.fetchImpl, `${this.baseUrl}${path}`, {
      method,
      headers,
      body: JSON.stringify(body),
      // A half-open connection must not hold a sign-in (and every sign-in change queued behind it) for ever.
      signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
    });
    if (!response.ok) throw await gatewayError(response);
    return response.json();
  }
}
