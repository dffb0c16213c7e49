import { describe, expect, it } from 'vitest';
import { loggableError } from '../src/http/errors.js';

describe('error logging', () => {
  it("keeps a store client's request, and the password hash in its body, out of the log", () => {
    // nano attaches the request it sent to the errors it throws.
    const err = Object.assign(new Error('Document update conflict.'), {
      statusCode: 409,
      request: { method: 'PUT', body: '{"passwordHash":"scrypt$secret-hash","salt":"pepper"}' },
    });
    const logged = JSON.stringify(loggableError(err));
    expect(logged).not.toContain('secret-hash');
    expect(logged).not.toContain('pepper');
    expect(JSON.parse(logged)).toMatchObject({ type: 'Error', message: 'Document update conflict.', statusCode: 409 });
    expect(loggableError('plain')).toEqual({ message: 'plain' });
  });
});
