/** A position in a changes feed. Opaque: a number on the embedded store, a string on CouchDB 3. */
export type Seq = string | number;

/** The `since` parameter for a position, `0` when there is none yet. */
export const sinceParam = (seq: Seq | undefined): string => (seq === undefined ? '0' : String(seq));
