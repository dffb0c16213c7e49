import { cleanSeries } from '../signal/cleanSeries.js';

/** The reference (monalysa) refuses shorter input for both kinds of signal. */
const MIN_SAMPLES = 3;

/** What the samples given to {@link ldlj} measure. */
export type LdljKind = 'speed' | 'accel';

/**
 * Log dimensionless jerk (LDLJ), dimensionless; closer to 0 is smoother
 * (Balasubramanian et al. 2015, J NeuroEng Rehabil 12:112, following the
 * authors' reference code `log_dimensionless_jerk`).
 *
 * With N samples x_k, dt = 1/fs and T = N·dt:
 * - `kind = 'speed'`: jerk_k = |Δ²x_k|/dt², exponent e = 3;
 * - `kind = 'accel'`: jerk_k = |Δx_k|/dt, exponent e = 1;
 * J = Σ jerk_k²·dt, A = max_k |x_k|, and LDLJ = −ln(T^e) + ln(A²) − ln(J).
 *
 * `signal` is either a scalar series or vector samples (N rows of d
 * components, chosen by whether the first element is a number). For vectors
 * |·| is the Euclidean norm: A is the largest sample norm and jerk_k the norm
 * of the differenced vector.
 *
 * Missing samples: a scalar series goes through `cleanSeries` (leading and
 * trailing NaN trimmed, interior NaN interpolated). For vectors, rows with
 * any non-finite component are dropped at both ends, then each component's
 * interior non-finite values are interpolated linearly on their own; a
 * component missing from a shorter row counts as NaN; d is the first row's
 * length.
 *
 * Edge cases follow the authors' reference code (monalysa
 * `quality/smoothness.py`, `log_dimensionless_jerk`; for speed also
 * siva82kb/SPARC `scripts/smoothness.py`):
 * - fewer than 3 samples after cleaning, for either kind: monalysa raises
 *   ("Data is too short"); here NaN. (The SPARC repository's version
 *   returns +Infinity for 1 or 2 speed samples, an artefact of −ln 0.)
 * - a constant non-zero signal (for 'speed' also a straight ramp): J = 0 and
 *   both reference versions return +Infinity; so does this one.
 * - all samples zero: A = 0 and J = 0; both return NaN; so does this one.
 * - all samples missing: the references return NaN; after cleaning nothing
 *   is left, so NaN here too.
 * Also NaN: a sample rate that is not a positive finite number, an unknown
 * kind, or values so large that A² or J overflow.
 */
export function ldlj(
  signal: ArrayLike<number> | ArrayLike<ArrayLike<number>>,
  sampleRateHz: number,
  kind: LdljKind,
): number {
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity)) return NaN;
  if (kind !== 'speed' && kind !== 'accel') return NaN;
  return ldljOfColumns(toColumns(signal), kind);
}

/**
 * {@link ldlj} of a speed profile the caller knows to be finite everywhere
 * (so cleaning would only copy it), as the analysis's profiles are; any
 * other input goes through `ldlj`. Same result, without the copy.
 */
export function ldljOfFiniteSpeed(speed: Float64Array, sampleRateHz: number): number {
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity)) return NaN;
  for (let i = 0; i < speed.length; i++) if (!Number.isFinite(speed[i] as number)) return ldlj(speed, sampleRateHz, 'speed');
  return ldljOfColumns([speed], 'speed');
}

/** LDLJ of cleaned columns of one length (none for an empty signal); `kind` as for {@link ldlj}. */
function ldljOfColumns(columns: Float64Array[], kind: LdljKind): number {
  const n = columns[0]?.length ?? 0;
  const order = kind === 'speed' ? 2 : 1;
  if (n < MIN_SAMPLES) return NaN;

  let peakSq = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const c of columns) s += (c[i] as number) ** 2;
    if (s > peakSq) peakSq = s;
  }
  // S = Σ |Δ^order x_k|² (dt left out, see below).
  let sumSq = 0;
  for (const c of columns) {
    if (order === 2) {
      for (let i = 2; i < n; i++) {
        const d = (c[i] as number) - 2 * (c[i - 1] as number) + (c[i - 2] as number);
        sumSq += d * d;
      }
    } else {
      for (let i = 1; i < n; i++) {
        const d = (c[i] as number) - (c[i - 1] as number);
        sumSq += d * d;
      }
    }
  }
  if (!(peakSq > 0 && peakSq < Infinity && sumSq < Infinity)) return NaN;
  // No jerk at all: −ln J = +∞, as in the reference.
  if (sumSq === 0) return Infinity;
  // speed: J = Σ(Δ²x/dt²)²·dt = S/dt³ and T³ = N³·dt³; accel: J = S/dt and
  // T = N·dt. Either way dt cancels exactly: LDLJ = −e·ln N + ln A² − ln S.
  // Taking logs of these factors also avoids overflow of T^e and J.
  const exponent = kind === 'speed' ? 3 : 1;
  const result = -exponent * Math.log(n) + Math.log(peakSq) - Math.log(sumSq);
  return Number.isFinite(result) ? result : NaN;
}

/** Cleaned signal as one Float64Array per component, all of the same length. */
function toColumns(signal: ArrayLike<number> | ArrayLike<ArrayLike<number>>): Float64Array[] {
  if (signal.length === 0) return [];
  const head = signal[0];
  if (typeof head === 'number') return [cleanSeries(signal as ArrayLike<number>).values];

  const rows = signal as ArrayLike<ArrayLike<number>>;
  const d = (head as ArrayLike<number>).length;
  if (d === 0) return [];
  const complete = (i: number): boolean => {
    const row = rows[i] as ArrayLike<number>;
    for (let j = 0; j < d; j++) if (!Number.isFinite(row[j] as number)) return false;
    return true;
  };
  let first = 0;
  while (first < rows.length && !complete(first)) first++;
  if (first === rows.length) return [];
  let last = rows.length - 1;
  while (!complete(last)) last--;

  const columns: Float64Array[] = [];
  const raw = new Float64Array(last - first + 1);
  for (let j = 0; j < d; j++) {
    for (let i = first; i <= last; i++) {
      const v = (rows[i] as ArrayLike<number>)[j];
      raw[i - first] = v === undefined ? NaN : v;
    }
    // Both end rows are complete, so cleanSeries only fills interior gaps here.
    columns.push(cleanSeries(raw).values);
  }
  return columns;
}
