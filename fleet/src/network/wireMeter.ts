import { observeBody } from './observeBody.js';

/** Bytes a device exchanged with the gateway. */
export interface WireCount {
  requests: number;
  /** Requests that got no answer (refused connection, reset, timeout). */
  unanswered: number;
  /** Answers with a status other than 2xx. */
  errorAnswers: number;
  /** Those answers by status, e.g. {"503": 4}. */
  errorStatuses: Record<string, number>;
  bytesUp: number;
  bytesDown: number;
}

export const emptyWireCount = (): WireCount => ({ requests: 0, unanswered: 0, errorAnswers: 0, errorStatuses: {}, bytesUp: 0, bytesDown: 0 });

/** Adds `from` into `into` (a fleet's total of its devices' counts). */
export function addWireCount(into: WireCount, from: WireCount): void {
  into.requests += from.requests;
  into.unanswered += from.unanswered;
  into.errorAnswers += from.errorAnswers;
  for (const [status, n] of Object.entries(from.errorStatuses)) into.errorStatuses[status] = (into.errorStatuses[status] ?? 0) + n;
  into.bytesUp += from.bytesUp;
  into.bytesDown += from.bytesDown;
}

const encoder = new TextEncoder();

/** Size of a request body as fetch would send it (the SDK and RxDB send strings). */
function bodyBytes(body: RequestInit['body']): number {
  if (body === null || body === undefined) return 0;
  if (typeof body === 'string') return encoder.encode(body).byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof URLSearchParams) return encoder.encode(body.toString()).byteLength;
  if (body instanceof Blob) return body.size;
  return 0; // a stream: not used by the SDK
}

function headerBytes(headers: Headers): number {
  let n = 0;
  headers.forEach((value, name) => (n += name.length + value.length + 4));
  return n;
}

/**
 * Counts what goes over the wire in a fetch wrapper: request line, the
 * headers the client sets and its body; status line, headers and body of the
 * answer as they stream in. Not counted: TCP/TLS framing and the few headers
 * undici adds itself (host, connection, content-length).
 */
export class WireMeter {
  readonly count: WireCount = emptyWireCount();

  wrap(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const method = init?.method ?? 'GET';
      this.count.requests += 1;
      this.count.bytesUp += `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`.length + headerBytes(new Headers(init?.headers)) + 2 + bodyBytes(init?.body);
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (err) {
        this.count.unanswered += 1;
        throw err;
      }
      if (!response.ok) {
        this.count.errorAnswers += 1;
        this.count.errorStatuses[response.status] = (this.count.errorStatuses[response.status] ?? 0) + 1;
      }
      this.count.bytesDown += `HTTP/1.1 ${response.status} ${response.statusText}\r\n`.length + headerBytes(response.headers) + 2;
      return observeBody(response, { chunk: (bytes) => (this.count.bytesDown += bytes) });
    };
  }
}
