/**
 * Sample arrays for the decoded channels, kept from one analysis to the next.
 * A five-minute session decodes eleven channels of 30,000 samples; fresh
 * arrays of that size cost more to allocate (page faults, garbage
 * collection) than decoding fills them. The arrays never leave an analysis
 * (its result holds numbers only), so the next one may overwrite them.
 */

/** Most samples kept between analyses (8 MiB): eleven channels of 15 minutes at 100 Hz. */
export const MAX_POOLED_SAMPLES = 1 << 20;

export class SamplePool {
  private kept: Float64Array[] = [];
  private next = 0;
  private keptSamples = 0;

  /** Makes every kept array available again: the caller is done with what it took. */
  reset(): void {
    this.next = 0;
  }

  /**
   * An array of n samples, contents unspecified: the next kept one when its
   * length fits, else a fresh one, kept while the pool stays within
   * MAX_POOLED_SAMPLES.
   */
  take = (n: number): Float64Array => {
    const i = this.next++;
    const old = this.kept[i];
    if (old !== undefined && old.length === n) return old;
    const fresh = new Float64Array(n);
    const samples = this.keptSamples - (old?.length ?? 0) + n;
    if (i <= this.kept.length && samples <= MAX_POOLED_SAMPLES) {
      this.kept[i] = fresh;
      this.keptSamples = samples;
    }
    return fresh;
  };
}
