import { gatewayError, reach } from '../sync/gatewayResponse.js';

const AUTH_TIMEOUT_MS = 30_000;

/** What register, login and refresh answer. */
export interface Tokens {
  userId: string;
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  /** Register and login: this device's token for the username (sent with its next login). */
  deviceToken?: string;
}

/** The gateway's account endpoints (`/auth/*`, `/me`). */
export class AuthApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  register(username: string, password: string): Promise<Tokens> {
    return this.post('/auth/register', { username, password }) as Promise<Tokens>;
  }

  login(username: string, password: string, deviceToken?: string): Promise<Tokens> {
    return this.post('/auth/login', deviceToken === undefined ? { username, password } : { username, password, deviceToken }) as Promise<Tokens>;
  }

  refresh(refreshToken: string): Promise<Tokens> {
    return this.post('/auth/refresh', { refreshToken }) as Promise<Tokens>;
  }

  async logout(refreshToken: string): Promise<void> {
    await this.post('/auth/logout', { refreshToken });
  }

  async deleteAccount(accessToken: string, password: string): Promise<void> {
    await this.send('DELETE', '/me', { password }, accessToken);
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
