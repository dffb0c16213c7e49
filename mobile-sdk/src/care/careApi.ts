import { isAccessTokenRefusal } from '@m2m/contract';
import type { TokenKeeper } from '../auth/tokenKeeper.js';
import { GatewayError } from '../errors.js';
import { gatewayError, reach } from '../sync/gatewayResponse.js';
import type { CareLink, ShareCode } from './careTypes.js';

const CARE_TIMEOUT_MS = 30_000;

/** The gateway's consent endpoints (`/api/care/*`), with the signed-in user's token. */
export class CareApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly keeper: TokenKeeper,
  ) {}

  async createShareCode(): Promise<ShareCode> {
    return (await this.send('POST', '/api/care/share-codes', {})) as ShareCode;
  }

  async redeemShareCode(code: string): Promise<CareLink> {
    return (await this.send('POST', '/api/care/links', { code })) as CareLink;
  }

  async links(): Promise<CareLink[]> {
    const answer = (await this.send('GET', '/api/care/links')) as { links?: unknown } | unknown[];
    const links = Array.isArray(answer) ? answer : answer.links;
    if (!Array.isArray(links)) throw new GatewayError(502, 'bad_gateway', 'GET /api/care/links did not answer with links');
    return links as CareLink[];
  }

  async revokeLink(otherUserId: string): Promise<void> {
    await this.send('DELETE', `/api/care/links/${encodeURIComponent(otherUserId)}`);
  }

  /** One request; a refused access token is refreshed once (shared with replication) and the request sent again. */
  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const token = this.keeper.current.accessToken;
    let response = await this.attempt(method, path, body, token);
    if (response.status === 401) {
      const refusal = await gatewayError(response);
      if (!isAccessTokenRefusal(refusal.code)) throw refusal;
      response = await this.attempt(method, path, body, (await this.keeper.refresh(token, refusal.code)).accessToken);
    }
    if (!response.ok) throw await gatewayError(response);
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : null;
  }

  private attempt(method: string, path: string, body: unknown, accessToken: string): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${accessToken}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return reach(this.fetchImpl, `${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CARE_TIMEOUT_MS),
    });
  }
}
