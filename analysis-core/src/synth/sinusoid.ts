/**
 * Sampled sinusoids without a sin/cos call per sample: the pair
 * (sin θ, cos θ) is advanced by a fixed rotation each sample. The rounding
 * error grows by about one ulp per step, i.e. ~1e-10 relative after the
 * 720,000 samples of a two-hour 100 Hz session.
 */

/**
 * Adds `amplitude`·sin(2π·frequencyHz·t + phaseRad) to `value` and, when `rate`
 * is given, its time derivative `amplitude`·2π·frequencyHz·cos(…) (unit of
 * `amplitude` per second) to `rate`, at t = i / sampleRateHz.
 * Both arrays must have the same length.
 */
export function addSinusoid(
  value: Float64Array,
  rate: Float64Array | null,
  sampleRateHz: number,
  amplitude: number,
  frequencyHz: number,
  phaseRad: number,
): void {
  const omega = 2 * Math.PI * frequencyHz;
  const step = omega / sampleRateHz;
  const cosStep = Math.cos(step);
  const sinStep = Math.sin(step);
  let s = Math.sin(phaseRad);
  let c = Math.cos(phaseRad);
  const rateAmplitude = amplitude * omega;
  for (let i = 0; i < value.length; i++) {
    value[i] = (value[i] ?? 0) + amplitude * s;
    if (rate) rate[i] = (rate[i] ?? 0) + rateAmplitude * c;
    const nextS = s * cosStep + c * sinStep;
    c = c * cosStep - s * sinStep;
    s = nextS;
  }
}
