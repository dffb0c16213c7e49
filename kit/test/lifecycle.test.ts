import { describe, expect, it } from 'vitest';
import { Lifecycle, type Component, type ServiceLogger } from '../src/index.js';

function recorder() {
  const events: string[] = [];
  const part = (name: string, behaviour: { failStart?: boolean; failStop?: boolean } = {}): Component => ({
    name,
    start: async () => {
      events.push(`start ${name}`);
      if (behaviour.failStart) throw new Error(`${name} cannot start`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
      if (behaviour.failStop) throw new Error(`${name} cannot stop`);
    },
  });
  return { events, part };
}

function memoryLogger(): ServiceLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (_obj: object, msg?: string): void => void lines.push(msg ?? '');
  return { lines, debug: log, info: log, warn: log, error: log };
}

describe('Lifecycle', () => {
  it('starts in order and stops in reverse, each once', async () => {
    const { events, part } = recorder();
    const lifecycle = new Lifecycle();
    for (const name of ['store', 'pool', 'feed']) lifecycle.add(part(name));
    await lifecycle.start();
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    await lifecycle.stop();
    expect(events).toEqual(['start store', 'start pool', 'start feed', 'stop feed', 'stop pool', 'stop store']);
  });

  it('stops those already started when a start fails, and rethrows the failure', async () => {
    const { events, part } = recorder();
    const lifecycle = new Lifecycle();
    lifecycle.add(part('store'));
    lifecycle.add(part('pool'));
    lifecycle.add(part('feed', { failStart: true }));
    lifecycle.add(part('metrics'));
    await expect(lifecycle.start()).rejects.toThrow('feed cannot start');
    expect(events).toEqual(['start store', 'start pool', 'start feed', 'stop pool', 'stop store']);
    await lifecycle.stop();
    expect(events).toHaveLength(5);
  });

  it('stops every component even when one fails to stop, then reports the failure', async () => {
    const { events, part } = recorder();
    const lifecycle = new Lifecycle();
    lifecycle.add(part('store'));
    lifecycle.add(part('pool', { failStop: true }));
    lifecycle.add(part('feed'));
    await lifecycle.start();
    await expect(lifecycle.stop()).rejects.toThrow('pool cannot stop');
    expect(events.slice(3)).toEqual(['stop feed', 'stop pool', 'stop store']);
  });

  it('a stop asked for during start-up waits for the component starting, then stops what started', async () => {
    const { events, part } = recorder();
    let release: () => void = () => {};
    const slow: Component = {
      name: 'slow',
      start: () => new Promise<void>((resolve) => (release = () => (events.push('start slow'), resolve()))),
      stop: async () => void events.push('stop slow'),
    };
    const lifecycle = new Lifecycle();
    lifecycle.add(part('store'));
    lifecycle.add(slow);
    lifecycle.add(part('never'));
    const started = lifecycle.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const stopped = lifecycle.stop();
    release();
    await started;
    await stopped;
    expect(events).toEqual(['start store', 'start slow', 'stop slow', 'stop store']);
  });

  it('says what a slow stop is waiting for', async () => {
    const logger = memoryLogger();
    let inFlight = 3;
    const lifecycle = new Lifecycle({ logger, reportWaitEveryMs: 20 });
    lifecycle.add({
      name: 'the gateway',
      start: async () => {},
      stop: () => new Promise((resolve) => setTimeout(() => ((inFlight = 0), resolve()), 150)),
      pending: () => (inFlight > 0 ? `${inFlight} requests in flight` : undefined),
    });
    await lifecycle.start();
    await lifecycle.stop();
    expect(logger.lines).toContain('waiting for the gateway: 3 requests in flight');
  });
});
