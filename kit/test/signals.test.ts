import { describe, expect, it } from 'vitest';
import { runFixture, until } from './support.js';

describe('one signal handler per service', () => {
  it('stops the components in reverse on SIGTERM and exits 0', async () => {
    const service = runFixture('service');
    await until(() => service.output().includes('started the second'), 'start-up');
    service.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const messages = service
      .output()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('shutting down');
    expect(messages.filter((msg) => msg !== 'shutting down')).toEqual(['started the first', 'started the second', 'stopped the second', 'stopped the first', 'exiting']);
  });

  it('says what the stop waits for, and a second signal exits at once', async () => {
    const service = runFixture('service', ['hang']);
    await until(() => service.output().includes('started the second'), 'start-up');
    service.kill('SIGINT');
    await until(() => service.output().includes('waiting for the second: a request in flight'), 'the waiting report');
    service.kill('SIGINT');
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('second signal: exiting at once');
    expect(service.output()).not.toContain('stopped the first');
  });
});
