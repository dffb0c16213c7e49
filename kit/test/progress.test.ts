import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/index.js';
import { runFixture } from './support.js';

function stream(isTTY: boolean) {
  const out = { text: '', isTTY, columns: 80, write: (text: string) => void (out.text += text) };
  return out;
}

describe('progress', () => {
  it('redraws one line in place on a terminal and ends it', () => {
    const tty = stream(true);
    const progress = createProgress(tty, { width: 10 });
    progress.update(3, 10, '3/10 sessions', true);
    progress.update(10, 10, '10/10 sessions', true);
    progress.finish();
    expect(tty.text).toBe('\r[###-------]  30% 3/10 sessions\r[##########] 100% 10/10 sessions\n');
  });

  it('off a terminal prints plain lines: the first, then at most one per interval, and the forced last', () => {
    let now = 0;
    const pipe = stream(false);
    const progress = createProgress(pipe, { plainEveryMs: 1000, now: () => now });
    for (let done = 0; done <= 100; done++) {
      now = done * 25;
      progress.update(done, 100, `${done} done`, done === 100);
    }
    progress.finish();
    expect(pipe.text).not.toContain('\r');
    expect(pipe.text.split('\n').filter(Boolean)).toEqual(['  0% 0 done', ' 40% 40 done', ' 80% 80 done', '100% 100 done']);
  });

  it('can stay silent off a terminal', () => {
    const pipe = stream(false);
    const progress = createProgress(pipe, { plainEveryMs: false });
    progress.update(1, 2, 'half', true);
    progress.finish();
    expect(pipe.text).toBe('');
  });

  it('writes no carriage return into a pipe from a real process', async () => {
    const child = runFixture('progress');
    expect(await child.exited).toBe(0);
    expect(child.output()).not.toContain('\r');
    expect(child.output()).toBe('  0% step 0/200\n100% step 200/200\n');
  });
});
