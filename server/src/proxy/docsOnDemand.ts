import { badRequest } from './couchError.js';
import type { ElementFacts } from './docsArrayParse.js';

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
    /** What the scan found of each element. */
    private readonly facts: ElementFacts[],
  ) {}

  get length(): number {
    return this.spans.length / 2;
  }

  /**
   * What the scan of its bytes already tells of element `index` (its depth, a
   * bound of its size), so that a check need not walk the parsed value again.
   */
  scanned(index: number): ElementFacts {
    const facts = this.facts[index];
    if (facts === undefined) throw new RangeError(`no element ${index}`);
    return facts;
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
