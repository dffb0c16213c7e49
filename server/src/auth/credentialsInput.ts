import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '../accounts/accountService.js';
import { HttpError } from '../http/errors.js';

/** A string field whose error says whether it was missing or of another type. */
function stringField(name: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a string`) });
}

const username = stringField('username');
const password = stringField('password');

const newUsername = username.regex(USERNAME_PATTERN, 'username must be 3 to 64 of a-z, 0-9, ".", "_" and "-"');
// Length in characters, not UTF-16 units: an emoji counts once.
const newPassword = password
  .refine((value) => [...value].length >= MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .refine((value) => value.length <= MAX_PASSWORD_LENGTH, `password must be at most ${MAX_PASSWORD_LENGTH} characters`);

/** A device token is a short JWT; anything longer is not one. */
const deviceToken = stringField('deviceToken').max(1024, 'deviceToken is not a device token');

export const registrationInput = z.object({
  username: newUsername,
  password: newPassword,
  // An invitation is 25 characters; the bound keeps a hostile body from costing more than a lookup.
  invitation: stringField('invitation').max(200, 'invitation is not an invitation code').optional(),
});
export const loginInput = z.object({
  // No account has a longer name; the guess budget is keyed by it, so its keys stay small.
  username: username.max(MAX_USERNAME_LENGTH, `username must be at most ${MAX_USERNAME_LENGTH} characters`),
  password: password.max(MAX_PASSWORD_LENGTH, `password must be at most ${MAX_PASSWORD_LENGTH} characters`),
  deviceToken: deviceToken.optional(),
});
export const refreshInput = z.object({ refreshToken: stringField('refreshToken').max(256, 'refreshToken is not a refresh token') });
export const passwordInput = z.object({ password: loginInput.shape.password });

/** Parses a JSON body or throws 400 with a reason naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError('invalid_request', 'the body must be a JSON object (Content-Type: application/json)');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new HttpError('invalid_request', result.error.issues[0]?.message ?? 'invalid body');
}
