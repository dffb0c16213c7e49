import { z } from 'zod';

/** A whole number read from its decimal text, within [min, max]. */
export function integer(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** A TCP port; 0 picks a free one. */
export const port = integer(0, 65535);

/** A value that must not be blank, trimmed (a host name, a folder). */
export const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` });

/** A secret of at least `bytes` UTF-8 bytes (a signing key, a bearer token). */
export function secretOfBytes(bytes: number) {
  return z.string().refine((value) => Buffer.byteLength(value, 'utf8') >= bytes, `must be at least ${bytes} bytes long`);
}
