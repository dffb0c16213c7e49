import { describe, expect, it } from 'vitest';
import { parseCommandLine, runCommandLine, UsageError } from '../src/index.js';

const spec = {
  options: {
    url: { type: 'string' },
    skew: { type: 'string' },
    user: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

function usage(argv: string[], context?: string): string {
  try {
    parseCommandLine(argv, { ...spec, ...(context ? { context } : {}) });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('reads both spellings, repeated options, switches, and values that start with a dash', () => {
    expect(parseCommandLine(['--url=http://x', '--skew', '-6,0', '--user', 'a', '--user=b', '--quiet', '-h'], spec)).toEqual({
      values: { url: 'http://x', skew: '-6,0', user: ['a', 'b'], quiet: true, help: true },
      positionals: [],
    });
  });

  it('names the option at fault', () => {
    expect(usage(['--colour', 'red'])).toBe('unknown option --colour');
    expect(usage(['--quiet=yes'])).toBe('--quiet takes no value');
    expect(usage(['--url'])).toBe('--url needs a value');
    expect(usage(['--url', '--quiet'])).toBe('--url needs a value');
    expect(usage(['--url', 'a', '--url', 'b'])).toBe('--url is given more than once');
    expect(usage(['stray'])).toBe('unexpected argument "stray"');
    expect(usage(['--colour'], 'status')).toBe('status: unknown option --colour');
  });

  it('keeps positionals when allowed', () => {
    expect(parseCommandLine(['status', '--quiet'], { ...spec, allowPositionals: true }).positionals).toEqual(['status']);
  });
});

describe('runCommandLine', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } };
  };

  it('prints the message and the usage on a usage error and answers 2', async () => {
    const { out, io: streams } = io();
    const code = await runCommandLine({ name: 'm2m-x', usage: 'Usage: m2m-x', io: streams }, () => {
      throw new UsageError('unknown option --y');
    }, async () => 0);
    expect(code).toBe(2);
    expect(out.stderr).toBe('m2m-x: unknown option --y\n\nUsage: m2m-x\n');
  });

  it('prints the usage on stdout for help and runs nothing', async () => {
    const { out, io: streams } = io();
    let ran = false;
    const code = await runCommandLine({ name: 'm2m-x', usage: 'Usage: m2m-x', io: streams }, () => 'help' as const, async () => ((ran = true), 0));
    expect([code, ran, out.stdout]).toEqual([0, false, 'Usage: m2m-x\n']);
  });
});
