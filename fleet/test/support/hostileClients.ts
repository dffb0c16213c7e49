import { connect } from 'node:net';

/** A POST of JSON to the gateway, as coming from `clientIp` (the gateway trusts X-Forwarded-For from loopback in these tests). */
export async function postJson(url: string, body: string, clientIp: string, token?: string): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'x-forwarded-for': clientIp };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let json: Record<string, unknown> | null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: response.status, json };
}

/** Registers an account from `clientIp` and returns its access token. */
export async function registerUser(gatewayUrl: string, username: string, password: string, clientIp: string): Promise<string> {
  const { status, json } = await postJson(`${gatewayUrl}/auth/register`, JSON.stringify({ username, password }), clientIp);
  if (status !== 201 || typeof json?.['accessToken'] !== 'string') throw new Error(`registering ${username} answered ${status}: ${JSON.stringify(json)}`);
  return json['accessToken'];
}

/** Runs `count` requests, `concurrency` at a time; resolves with their statuses. */
export async function flood(count: number, concurrency: number, request: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) statuses.push(await request(next++));
    }),
  );
  return statuses;
}

export interface SlowClient {
  /** Resolves with everything the server sent before it closed the connection. */
  closed: Promise<string>;
  /** Bytes the client managed to send. */
  sent(): number;
}

/**
 * A slow-loris client: sends the request a few bytes at a time, every
 * `everyMs`: its headers (`head`), or, with `headAtOnce`, the headers at once
 * and then its body, until the server closes the connection.
 */
export function slowClient(port: number, request: { head: string; body?: string; headAtOnce?: boolean }, bytesPerTick: number, everyMs: number): SlowClient {
  const socket = connect(port, '127.0.0.1');
  // ASCII only: a character is a byte.
  const trickled = request.headAtOnce ? (request.body ?? '') : request.head + (request.body ?? '');
  if (request.headAtOnce) socket.write(request.head);
  let offset = 0;
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  // A reset after the answer is the server closing on us: what we want to see.
  socket.on('error', () => undefined);
  const timer = setInterval(() => {
    if (offset >= trickled.length || socket.destroyed) return;
    socket.write(trickled.slice(offset, offset + bytesPerTick));
    offset += bytesPerTick;
  }, everyMs);
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
  return { closed, sent: () => offset };
}
