import { badRequest } from './couchError.js';

/**
 * A batch's documents, each parsed only when asked for: a proxy that checks
 * one document, keeps its verdict and lets the document go has at most one
 * parsed document alive at a time, so the garbage collector never copies a
 * batch's megabyte of parsed documents while the request waits for the store.
 */
export class DocsOnDemand {
  constructor(
    private readonly bytes: Buffer,
    /** Start and end of each element, one after the other. */
    private readonly spans: number[],
  ) {}

  get length(): number {
    return this.spans.length / 2;
  }

  /** Element `index`, parsed by JSON.parse (a new value on each call); throws the proxy's 400 when it does not parse. */
  at(index: number): unknown {
    const start = this.spans[2 * index];
    const end = this.spans[2 * index + 1];
    if (start === undefined || end === undefined) throw new RangeError(`no element ${index}`);
    try {
      return JSON.parse(this.bytes.toString('latin1', start, end)) as unknown;
    } catch {
      throw badRequest('the request body is not valid JSON');
    }
  }
}
