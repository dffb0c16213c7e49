import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, integer, logLevel, nonEmpty, port, readEnv } from '../src/index.js';

const variables = {
  HOST: { schema: nonEmpty, fallback: '127.0.0.1' },
  PORT: { schema: port, fallback: '3000' },
  BATCH: { schema: integer(1, 1000), fallback: '50' },
  LOG_LEVEL: { schema: logLevel, fallback: 'info' },
  TOKEN: { schema: z.string().min(8, 'must be at least 8 characters').optional(), fallback: undefined, secret: true },
};

function problem(env: Record<string, string>): ConfigError {
  let caught: unknown;
  try {
    readEnv(variables, env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe('readEnv', () => {
  it('fills in defaults, reads empty values as unset and parses what is given', () => {
    expect(readEnv(variables, { PORT: '', BATCH: ' 7 ', LOG_LEVEL: 'debug' })).toEqual({
      HOST: '127.0.0.1',
      PORT: 3000,
      BATCH: 7,
      LOG_LEVEL: 'debug',
      TOKEN: undefined,
    });
  });

  it('names every bad variable at once, with the value it got', () => {
    const err = problem({ HOST: '  ', PORT: '65536', BATCH: '0', LOG_LEVEL: 'loud' });
    expect(err.problems).toHaveLength(4);
    expect(err.message).toMatch(/^Invalid configuration: /);
    expect(err.message).toContain('HOST must not be empty');
    expect(err.message).toContain('PORT must be at most 65535 (got "65536")');
    expect(err.message).toContain('BATCH must be at least 1 (got "0")');
    expect(err.message).toMatch(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/);
  });

  it('never echoes a secret variable', () => {
    const err = problem({ TOKEN: 'hunter2', PORT: 'x' });
    expect(err.message).toContain('TOKEN must be at least 8 characters');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('PORT must be a whole number between 0 and 65535 (got "x")');
  });

  it('reads only the named variables when given a list', () => {
    expect(readEnv(variables, { BATCH: 'lots' }, ['HOST', 'PORT'])).toEqual({ HOST: '127.0.0.1', PORT: 3000 });
  });
});
