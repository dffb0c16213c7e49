/** Sensor noise: independent gaussian samples. */
import type { SeededRandom } from './random.js';

/**
 * Adds gaussian noise of standard deviation `sd` (the unit of `values`) to
 * every sample. Draws nothing when sd is 0, so a noiseless channel leaves the
 * generator where it was.
 */
export function addNoise(random: SeededRandom, values: Float64Array, sd: number): void {
  if (sd === 0) return;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) + sd * random.normal();
}
