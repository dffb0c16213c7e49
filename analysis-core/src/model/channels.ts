import { FINGERS, type Finger } from './types.js';

/**
 * The glove's channels: five flex angles, a three-axis accelerometer and a
 * three-axis gyroscope. Scales are the quantisation steps the glove stores.
 */
export const flexChannelId = (finger: Finger): string => `flex.${finger}`;

export const STANDARD_CHANNELS = [
  ...FINGERS.map((f) => ({ id: flexChannelId(f), unit: 'deg', scale: 0.1, range: [-30, 150] as [number, number] })),
  ...(['x', 'y', 'z'] as const).map((a) => ({ id: `acc.${a}`, unit: 'm/s2', scale: 0.01, range: [-156.9, 156.9] as [number, number] })),
  ...(['x', 'y', 'z'] as const).map((a) => ({ id: `gyro.${a}`, unit: 'deg/s', scale: 0.1, range: [-2000, 2000] as [number, number] })),
];

export const GYRO_CHANNEL_IDS = ['gyro.x', 'gyro.y', 'gyro.z'] as const;
export const ACC_CHANNEL_IDS = ['acc.x', 'acc.y', 'acc.z'] as const;
