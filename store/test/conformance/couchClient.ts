import { request as httpRequest } from 'node:http';

export interface Credentials {
  username: string;
  password: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  /** false: no credentials at all. */
  auth?: boolean;
  headers?: Record<string, string>;
}

/** Minimal CouchDB HTTP client over plain fetch, for the conformance suite. */
export class CouchClient {
  constructor(
    readonly url: string,
    readonly credentials: Credentials,
  ) {}

  get authorization(): string {
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  fetch(path: string, init: RequestInit = {}, auth = true): Promise<Response> {
    const headers = new Headers(init.headers);
    if (auth && !headers.has('authorization')) headers.set('authorization', this.authorization);
    return fetch(this.url + path, { ...init, headers, redirect: 'manual' });
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.fetch(path, { method, headers, ...(body === undefined ? {} : { body }) }, options.auth ?? true);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: parseJson(text) };
  }

  get(path: string, options?: RequestOptions): Promise<HttpAnswer> {
    return this.request('GET', path, options);
  }

  put(path: string, body?: unknown, options?: RequestOptions): Promise<HttpAnswer> {
    return this.request('PUT', path, { ...options, ...(body === undefined ? {} : { body }) });
  }

  post(path: string, body: unknown, options?: RequestOptions): Promise<HttpAnswer> {
    return this.request('POST', path, { ...options, body });
  }

  delete(path: string, options?: RequestOptions): Promise<HttpAnswer> {
    return this.request('DELETE', path, options);
  }

  /**
   * A GET that sends no Accept header at all (fetch always sends one), to
   * check the content type a bare client gets.
   */
  rawGet(path: string): Promise<{ status: number; contentType: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(this.url + path, { headers: { authorization: this.authorization } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] }));
      });
      req.on('error', reject);
      req.end();
    });
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads a streamed body (continuous feed) incrementally. */
export class StreamReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  text = '';
  ended = false;

  constructor(response: Response) {
    if (!response.body) throw new Error('no body');
    this.reader = response.body.getReader();
  }

  async until(predicate: (text: string) => boolean): Promise<boolean> {
    while (!predicate(this.text)) {
      if (this.ended) return false;
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.text += this.decoder.decode(value, { stream: true });
    }
    return true;
  }

  async all(): Promise<string> {
    await this.until(() => false);
    return this.text;
  }

  /** Non-empty lines as JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rows(): any[] {
    return this.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
