/**
 * Minimum-jerk movements (Flash & Hogan 1985): the position profile that
 * minimises the integrated squared jerk between two rest states,
 * x(τ) = x0 + (x1 − x0)(10τ³ − 15τ⁴ + 6τ⁵), τ = elapsed time / duration.
 * Sums of shifted, overlapping such steps model sub-movements.
 */

/**
 * The normalised minimum-jerk position at τ: 0 for τ ≤ 0, 1 for τ ≥ 1,
 * 10τ³ − 15τ⁴ + 6τ⁵ between (0.5 at τ = 0.5, symmetric: s(1 − τ) = 1 − s(τ)).
 */
export function minimumJerk(tau: number): number {
  if (tau <= 0) return 0;
  if (tau >= 1) return 1;
  return tau * tau * tau * (10 + tau * (-15 + 6 * tau));
}

/**
 * A sampled track (sample i at time i / sampleRateHz seconds) built as a sum of
 * minimum-jerk steps. A step only costs the samples during its movement: the
 * amplitude it leaves behind is recorded once and spread over the rest of the
 * track by `finish`.
 */
export class MinimumJerkTrack {
  readonly values: Float64Array;
  /** pending[i]: amplitude of the steps that completed by sample i (summed in `finish`). */
  private readonly pending: Float64Array;
  private finished = false;

  constructor(
    readonly sampleCount: number,
    readonly sampleRateHz: number,
  ) {
    this.values = new Float64Array(sampleCount);
    this.pending = new Float64Array(sampleCount);
  }

  /**
   * Adds a step of `amplitude` (any unit) that starts at `onsetS` and lasts
   * `durationS` (> 0) seconds: 0 before the onset, the minimum-jerk profile
   * during, `amplitude` from the end on. Parts outside the track are dropped.
   */
  addStep(onsetS: number, durationS: number, amplitude: number): void {
    if (this.finished) throw new Error('MinimumJerkTrack: addStep after finish');
    const fs = this.sampleRateHz;
    const n = this.sampleCount;
    const endS = onsetS + durationS;
    const first = Math.max(0, Math.ceil(onsetS * fs));
    const end = Math.max(0, Math.ceil(endS * fs)); // first sample at or after the movement's end
    const last = Math.min(end, n);
    const values = this.values;
    for (let i = first; i < last; i++) {
      values[i] = (values[i] ?? 0) + amplitude * minimumJerk((i / fs - onsetS) / durationS);
    }
    if (end < n) this.pending[end] = (this.pending[end] ?? 0) + amplitude;
  }

  /** Adds the completed steps' amplitudes to the samples after them; returns `values`. Call once. */
  finish(): Float64Array {
    if (!this.finished) {
      this.finished = true;
      let held = 0;
      const values = this.values;
      for (let i = 0; i < this.sampleCount; i++) {
        held += this.pending[i] ?? 0;
        values[i] = (values[i] ?? 0) + held;
      }
    }
    return this.values;
  }
}
