/**
 * The glove's IMU on the back of the hand. The wrist's orientation (roll,
 * pitch, yaw) drifts slowly as a sum of two sinusoids per angle; the
 * accelerometer reads gravity in that orientation, the gyroscope the matching
 * body rates; finger movements jolt the hand a little; tremor shakes it.
 */
import { addNoise } from './noise.js';
import type { SeededRandom } from './random.js';
import { addSinusoid } from './sinusoid.js';
import type { TremorSignal } from './tremor.js';

export const GRAVITY_MS2 = 9.81;
/** Accelerometer noise sd, m/s². */
export const ACC_NOISE_MS2 = 0.03;
/** Gyroscope noise sd, deg/s. */
export const GYRO_NOISE_DEGS = 0.3;
/** Hand acceleration per unit of summed finger angular acceleration, (m/s²)/(deg/s²). */
const FINGER_JOLT = 3e-5;
/** Share of the tremor's angular velocity the IMU sees about x and y. */
const TREMOR_GYRO_X = 0.5;
const TREMOR_GYRO_Y = 0.3;

const DEG = Math.PI / 180;

export interface ImuSignals {
  /** x, y, z, m/s². */
  acc: [Float64Array, Float64Array, Float64Array];
  /** x, y, z, deg/s. */
  gyro: [Float64Array, Float64Array, Float64Array];
}

/**
 * The IMU channels over `sampleCount` samples.
 *
 * - Orientation: roll offset ±10°, pitch offset −15..5°, each angle plus
 *   sinusoids of 2–6° at 0.01–0.05 Hz and 0.5–2° at 0.05–0.15 Hz.
 * - Accelerometer (specific force, +g on z when flat): g·(−sin θ, sin φ cos θ,
 *   cos φ cos θ) for roll φ and pitch θ, plus FINGER_JOLT × the summed finger
 *   angular acceleration (from `movementSum`, degrees, by second differences)
 *   on z and 40% of it on x, plus gaussian noise (sd ACC_NOISE_MS2).
 * - Gyroscope: body rates from the Euler angle rates, p = φ' − ψ' sin θ,
 *   q = θ' cos φ + ψ' sin φ cos θ, r = −θ' sin φ + ψ' cos φ cos θ, plus the
 *   tremor's angular velocity (× 0.5 on x, × 0.3 on y), plus gaussian noise
 *   (sd GYRO_NOISE_DEGS).
 */
export function synthesizeImu(
  random: SeededRandom,
  sampleCount: number,
  sampleRateHz: number,
  movementSum: Float64Array,
  tremor: TremorSignal | null,
): ImuSignals {
  const n = sampleCount;
  const angle = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  const rate = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  const offsets = [random.between(-10, 10), random.between(-15, 5), random.between(-180, 180)];
  angle.forEach((values, axis) => {
    values.fill(offsets[axis]!);
    addSinusoid(values, rate[axis]!, sampleRateHz, random.between(2, 6), random.between(0.01, 0.05), random.between(0, 2 * Math.PI));
    addSinusoid(values, rate[axis]!, sampleRateHz, random.between(0.5, 2), random.between(0.05, 0.15), random.between(0, 2 * Math.PI));
  });
  const [roll, pitch] = angle;
  const [rollRate, pitchRate, yawRate] = rate;

  const acc = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as [Float64Array, Float64Array, Float64Array];
  const gyro = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as [Float64Array, Float64Array, Float64Array];
  const [ax, ay, az] = acc;
  const [gx, gy, gz] = gyro;
  const fs2 = sampleRateHz * sampleRateHz;
  const tremorX = tremor ? TREMOR_GYRO_X * 2 * Math.PI * tremor.frequencyHz : 0;
  const tremorY = tremor ? TREMOR_GYRO_Y * 2 * Math.PI * tremor.frequencyHz : 0;
  for (let i = 0; i < n; i++) {
    const phi = (roll[i] ?? 0) * DEG;
    const theta = (pitch[i] ?? 0) * DEG;
    const sinPhi = Math.sin(phi);
    const cosPhi = Math.cos(phi);
    const sinTheta = Math.sin(theta);
    const cosTheta = Math.cos(theta);
    const jolt = i > 0 && i < n - 1
      ? FINGER_JOLT * ((movementSum[i + 1] ?? 0) - 2 * (movementSum[i] ?? 0) + (movementSum[i - 1] ?? 0)) * fs2
      : 0;
    ax[i] = -GRAVITY_MS2 * sinTheta + 0.4 * jolt;
    ay[i] = GRAVITY_MS2 * sinPhi * cosTheta;
    az[i] = GRAVITY_MS2 * cosPhi * cosTheta + jolt;

    const dPhi = rollRate[i] ?? 0;
    const dTheta = pitchRate[i] ?? 0;
    const dPsi = yawRate[i] ?? 0;
    gx[i] = dPhi - dPsi * sinTheta;
    gy[i] = dTheta * cosPhi + dPsi * sinPhi * cosTheta;
    gz[i] = -dTheta * sinPhi + dPsi * cosPhi * cosTheta;
    if (tremor) {
      const q = tremor.quadrature[i] ?? 0;
      gx[i] = (gx[i] ?? 0) + tremorX * q;
      gy[i] = (gy[i] ?? 0) + tremorY * q;
    }
  }
  for (const channel of acc) addNoise(random, channel, ACC_NOISE_MS2);
  for (const channel of gyro) addNoise(random, channel, GYRO_NOISE_DEGS);
  return { acc, gyro };
}
