import { setTimeout as sleep } from 'node:timers/promises';

/** A device's data as the server holds it, read through the gateway as that user. */
export interface ServerCopy {
  /** Session ids with their stored revision, as `_all_docs` lists them. */
  sessions: Array<{ id: string; rev: string }>;
  /** The analyses in the user's progress database. */
  analyses: Array<{ sessionId: string; sessionRev: string | null }>;
}

export interface Credentials {
  username: string;
  password: string;
}

const READ_ATTEMPTS = 4;

interface AllDocs {
  rows: Array<{ id: string; value?: { rev?: string }; doc?: Record<string, unknown> }>;
}

/**
 * Reads the user's two databases through the replication proxy with the
 * token the device last used; when it has expired, logs in once for a fresh
 * one. Uses the real network, not the device's simulated one.
 */
export async function readServerCopy(url: string, token: string | null, credentials: Credentials): Promise<ServerCopy> {
  let bearer = token ?? (await login(url, credentials));
  const read = async (path: string): Promise<AllDocs> => {
    for (let attempt = 1; ; attempt++) {
      let response = await get(url + path, bearer).catch((err: unknown) => err as Error);
      if (response instanceof Response && response.status === 401) {
        await response.body?.cancel();
        bearer = await login(url, credentials);
        response = await get(url + path, bearer).catch((err: unknown) => err as Error);
      }
      if (response instanceof Response && response.ok) return (await response.json()) as AllDocs;
      const problem = response instanceof Response ? `answered ${response.status}: ${await response.text()}` : `failed: ${response.message}`;
      // A read is safe to repeat: a passing 502 or a reset connection is not a finding about the device's data.
      const transient = !(response instanceof Response) || response.status >= 500;
      if (!transient || attempt >= READ_ATTEMPTS) throw new Error(`GET ${path} ${problem}`);
      await sleep(500 * attempt);
    }
  };
  const sessions = await read('/sync/sessions/_all_docs');
  const progress = await read('/sync/progress/_all_docs?include_docs=true');
  return {
    sessions: sessions.rows.map((row) => ({ id: row.id, rev: row.value?.rev ?? '' })),
    analyses: progress.rows
      .filter((row) => row.id.startsWith('analysis:'))
      .map((row) => ({ sessionId: String(row.doc?.['sessionId'] ?? ''), sessionRev: (row.doc?.['sessionRev'] as string | null | undefined) ?? null })),
  };
}

function get(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
}

async function login(url: string, credentials: Credentials): Promise<string> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!response.ok) throw new Error(`login as ${credentials.username} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}
