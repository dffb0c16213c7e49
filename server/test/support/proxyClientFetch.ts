/**
 * The `fetch` a replication client gets, as DESIGN.md asks of the SDK: it adds
 * the bearer token and throws on every non-2xx answer (RxDB never checks
 * `response.ok`). It also remembers its requests so a test can abort the
 * longpoll a cancelled replication leaves hanging.
 */
export interface ClientFetch {
  fetch: typeof fetch;
  /** Every URL requested, for assertions on what the client used. */
  requested: Array<{ method: string; url: string; status?: number }>;
  abortAll(): void;
}

export function clientFetch(token: string): ClientFetch {
  const controllers = new Set<AbortController>();
  const requested: ClientFetch['requested'] = [];
  const wrapped = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const controller = new AbortController();
    controllers.add(controller);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    const entry: ClientFetch['requested'][number] = { method: init.method ?? 'GET', url: String(input instanceof Request ? input.url : input) };
    requested.push(entry);
    // Kept until abortAll: a feed's body may still be streaming after fetch resolved.
    const res = await fetch(input, { ...init, headers, signal: controller.signal });
    entry.status = res.status;
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(`HTTP ${res.status} from ${entry.method} ${entry.url}: ${text.slice(0, 300)}`);
    }
    return res;
  };
  return {
    fetch: wrapped as typeof fetch,
    requested,
    abortAll() {
      for (const controller of controllers) controller.abort();
      controllers.clear();
    },
  };
}
