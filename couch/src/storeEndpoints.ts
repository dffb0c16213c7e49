/**
 * Several URLs of one CouchDB cluster (its nodes, or load balancers in front
 * of it), and which of them answer. A node that refused a connection or
 * stayed silent is set aside for a cool-down; when it is over, one probe
 * (`GET /_up`) decides whether it comes back, so no request of a caller waits
 * on a node that is still down. While every endpoint is down they are all
 * tried anyway, in order: a request never fails without an attempt.
 */

/** One store URL, split into the base URL (safe to log) and its Basic header (never logged). */
export interface StoreEndpoint {
  url: string;
  authorization: string;
}

export interface EndpointHealthOptions<E> {
  /** How long an endpoint that failed is set aside before a probe. */
  cooldownMs?: number;
  /** True when the endpoint answers; called once per cool-down, in the background. */
  probe(endpoint: E): Promise<boolean>;
  /** An endpoint went down or came back (for a log line naming its base URL). */
  onChange?(endpoint: E, up: boolean): void;
  now?: () => number;
}

export const DEFAULT_ENDPOINT_COOLDOWN_MS = 5_000;

export class EndpointHealth<E> {
  private readonly downUntil = new Map<E, number>();
  private readonly probing = new Set<E>();
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(
    readonly endpoints: readonly E[],
    private readonly options: EndpointHealthOptions<E>,
  ) {
    if (endpoints.length === 0) throw new Error('EndpointHealth needs at least one endpoint');
    this.cooldownMs = options.cooldownMs ?? DEFAULT_ENDPOINT_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
  }

  /** The endpoints to try for one request, best first: the ones up in configured order, then the ones down. */
  candidates(): E[] {
    if (this.endpoints.length === 1) return [...this.endpoints];
    const up: E[] = [];
    const down: E[] = [];
    const now = this.now();
    for (const endpoint of this.endpoints) {
      const until = this.downUntil.get(endpoint);
      if (until === undefined) {
        up.push(endpoint);
        continue;
      }
      if (until <= now) this.startProbe(endpoint);
      down.push(endpoint);
    }
    return [...up, ...down];
  }

  isUp(endpoint: E): boolean {
    return !this.downUntil.has(endpoint);
  }

  /**
   * How many endpoints the attempt on `candidates[index]` shares the time
   * left with, itself included: those left that are not set aside, as one set
   * aside is only a last resort and must not take a live one's time; all of
   * those left when this one is set aside too.
   */
  sharersFrom(candidates: readonly E[], index: number): number {
    const left = candidates.slice(index);
    const current = candidates[index];
    if (current === undefined || !this.isUp(current)) return left.length;
    return left.filter((endpoint) => this.isUp(endpoint)).length;
  }

  markDown(endpoint: E): void {
    if (this.endpoints.length === 1) return;
    const wasUp = !this.downUntil.has(endpoint);
    this.downUntil.set(endpoint, this.now() + this.cooldownMs);
    if (wasUp) this.options.onChange?.(endpoint, false);
  }

  markUp(endpoint: E): void {
    if (this.downUntil.delete(endpoint)) this.options.onChange?.(endpoint, true);
  }

  private startProbe(endpoint: E): void {
    if (this.probing.has(endpoint)) return;
    this.probing.add(endpoint);
    // Until the probe has answered the endpoint stays set aside, a new cool-down on failure.
    this.downUntil.set(endpoint, Number.POSITIVE_INFINITY);
    this.options
      .probe(endpoint)
      .catch(() => false)
      .then((up) => {
        this.probing.delete(endpoint);
        if (up) this.markUp(endpoint);
        else if (this.downUntil.has(endpoint)) this.downUntil.set(endpoint, this.now() + this.cooldownMs);
      })
      .catch(() => undefined);
  }
}

/**
 * How much of a request's remaining time one attempt may use: with more
 * endpoints left to try, a read shares its time out among them so that the
 * whole request still ends within its timeout; otherwise all of it.
 */
export function attemptBudgetMs(remainingMs: number, endpointsLeft: number, mayTryNext: boolean): number {
  if (!mayTryNext || endpointsLeft <= 1) return Math.max(1, remainingMs);
  return Math.max(1, Math.floor(remainingMs / endpointsLeft));
}

/** Node error codes of a request that never reached the store: safe to send elsewhere, whatever the method. */
const NEVER_DELIVERED = /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT)\b/;
/**
 * A name with several addresses (`localhost`: ::1 and 127.0.0.1) that all
 * failed to connect: Node reports an AggregateError, and nano keeps only its
 * name ("… Reason: AggregateError"), not its code.
 */
const NO_ADDRESS_CONNECTED = /\bReason: AggregateError\b/;

export function neverDelivered(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_DELIVERED.test(code)) return true;
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    if (NEVER_DELIVERED.test(message) || NO_ADDRESS_CONNECTED.test(message)) return true;
  }
  return false;
}

/** Splits `COUCHDB_URL` (one URL, or several separated by commas) into trimmed URLs. */
export function splitStoreUrls(list: string): string[] {
  return list
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
}
