/**
 * Tremor: a sinusoid at a fixed frequency whose amplitude wanders slowly
 * (±20% at 0.05–0.15 Hz), as physiological and pathological tremors do.
 */
import { FINGERS } from '../model/types.js';
import type { SeededRandom } from './random.js';
import { addSinusoid } from './sinusoid.js';

export interface TremorSignal {
  frequencyHz: number;
  /** A(t)·sin(2πft + φ), degrees. */
  inPhase: Float64Array;
  /** A(t)·cos(2πft + φ), degrees. */
  quadrature: Float64Array;
  /** Each finger's phase lead, radians (within ±0.3: the fingers tremble nearly together). */
  fingerPhaseRad: number[];
}

/**
 * The tremor over `sampleCount` samples: mean amplitude `amplitudeDeg`
 * (degrees of flex angle), frequency `frequencyHz`. Always draws the same
 * numbers from `random`, whatever the amplitude.
 */
export function synthesizeTremor(random: SeededRandom, sampleCount: number, sampleRateHz: number, frequencyHz: number, amplitudeDeg: number): TremorSignal {
  const phase = random.between(0, 2 * Math.PI);
  const envelopeHz = random.between(0.05, 0.15);
  const envelopePhase = random.between(0, 2 * Math.PI);
  const fingerPhaseRad = FINGERS.map(() => random.between(-0.3, 0.3));

  const envelope = new Float64Array(sampleCount).fill(amplitudeDeg);
  addSinusoid(envelope, null, sampleRateHz, 0.2 * amplitudeDeg, envelopeHz, envelopePhase);
  const inPhase = new Float64Array(sampleCount);
  const quadrature = new Float64Array(sampleCount);
  // addSinusoid with amplitude 1 gives sin in `inPhase` and 2πf·cos in `quadrature`.
  addSinusoid(inPhase, quadrature, sampleRateHz, 1, frequencyHz, phase);
  const cosScale = 1 / (2 * Math.PI * frequencyHz);
  for (let i = 0; i < sampleCount; i++) {
    const a = envelope[i] ?? 0;
    inPhase[i] = a * (inPhase[i] ?? 0);
    quadrature[i] = a * cosScale * (quadrature[i] ?? 0);
  }
  return { frequencyHz, inPhase, quadrature, fingerPhaseRad };
}
