/**
 * Views of one kept scratch array, one view per length asked for, kept too.
 * Creating a typed array, even a view of existing memory, costs about a
 * microsecond; the analysis asks for hundreds of short scratch arrays (one
 * per movement and transform), in a handful of lengths. Scratch is only
 * valid until the next call that asks for the same length.
 */
export class KeptViews {
  private buffer = new Float64Array(0);
  private readonly views = new Map<number, Float64Array>();

  /** `maxKept`: the longest array kept (longer requests get a fresh array each time). */
  constructor(private readonly maxKept: number) {}

  /** A scratch array of exactly n elements, contents unspecified. */
  view(n: number): Float64Array {
    if (n > this.maxKept) return new Float64Array(n);
    let v = this.views.get(n);
    if (v !== undefined) return v;
    if (n > this.buffer.length) {
      // Views of the old buffer would no longer share memory with new ones: drop them all.
      this.buffer = new Float64Array(Math.min(this.maxKept, Math.max(n, 2 * this.buffer.length)));
      this.views.clear();
    }
    v = this.buffer.subarray(0, n);
    this.views.set(n, v);
    return v;
  }
}
