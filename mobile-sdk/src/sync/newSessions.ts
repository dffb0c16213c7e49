/**
 * Sessions recorded on this device since sign-in that the server has not
 * answered for yet. Before each push RxDB's CouchDB replication asks the
 * server (`_all_docs` by keys) for the current version of every document it
 * sends, to catch conflicts; for a session recorded here and never offered,
 * there is none to find, and that round trip is a fixed delay on every
 * session's way to the server. `_bulk_docs` still catches the one case in
 * which the server does have it (a push whose answer was lost): it answers
 * `conflict`, and RxDB reads the server's version then, as it would have
 * before.
 */
export class NewSessions {
  private readonly ids = new Set<string>();

  /** Before the session is written locally: the push may start as soon as it is. */
  add(id: string): void {
    this.ids.add(id);
  }

  /** The local write failed, or the server answered for it (stored, refused or in conflict): from now on, ask. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.ids.delete(id);
  }

  /** Whether none of these can be on the server yet. */
  allNew(ids: readonly string[]): boolean {
    return ids.length > 0 && ids.every((id) => this.ids.has(id));
  }
}

/** CouchDB's answer to `_all_docs` by keys when none of them exists. */
export function noneFound(keys: readonly string[]): Response {
  return Response.json({ total_rows: 0, offset: 0, rows: keys.map((key) => ({ key, error: 'not_found' })) });
}

/** The keys of a `POST _all_docs` body, or null when it is anything else. */
export function allDocsKeys(body: unknown): string[] | null {
  if (typeof body !== 'string') return null;
  try {
    const parsed = JSON.parse(body) as { keys?: unknown };
    return Array.isArray(parsed.keys) && parsed.keys.every((k) => typeof k === 'string') ? (parsed.keys as string[]) : null;
  } catch {
    return null;
  }
}
