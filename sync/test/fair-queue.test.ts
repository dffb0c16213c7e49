import { describe, expect, it } from 'vitest';
import { FairQueue } from '../src/pool/fairQueue.js';

function drainAll(queue: FairQueue<string>): string[] {
  const out: string[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
  return out;
}

describe('fair queue', () => {
  it('alternates between tenants of equal cost, whoever queued first and most', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 4; i++) queue.push('a', `a${i}`, 10);
    queue.push('b', 'b0', 10);
    queue.push('b', 'b1', 10);
    expect(drainAll(queue)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'a3']);
  });

  it('weighs by cost: one expensive job is worth many cheap ones', () => {
    const queue = new FairQueue<string>();
    queue.push('heavy', 'h0', 100);
    queue.push('heavy', 'h1', 100);
    for (let i = 0; i < 5; i++) queue.push('light', `l${i}`, 10);
    expect(drainAll(queue)).toEqual(['h0', 'l0', 'l1', 'l2', 'l3', 'l4', 'h1']);
  });

  it('gives an idle tenant no credit: it joins at the current virtual time', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 3; i++) queue.push('a', `a${i}`, 10);
    expect(queue.shift()).toBe('a0');
    expect(queue.shift()).toBe('a1');
    // b was idle while a was served 20: it goes next, once, then they take turns.
    queue.push('b', 'b0', 10);
    queue.push('b', 'b1', 10);
    queue.push('b', 'b2', 10);
    expect(drainAll(queue)).toEqual(['b0', 'a2', 'b1', 'b2']);
  });

  it('skips jobs the caller cannot take now, and puts a retried job back at the head of its list', () => {
    const queue = new FairQueue<string>();
    queue.push('heavy', 'h0', 100);
    queue.push('light', 'l0', 1);
    expect(queue.shift((_, cost) => cost < 50)).toBe('l0');
    expect(queue.shift((_, cost) => cost < 50)).toBeUndefined();
    expect(queue.size).toBe(1);
    // A retried job goes back to the head of its tenant's list; heavy, not served yet, still goes first.
    queue.push('light', 'l1', 1);
    queue.unshift('light', 'l-retry', 1);
    expect(drainAll(queue)).toEqual(['h0', 'l-retry', 'l1']);
  });

  it('charges a retried job once: its tenant keeps its turn against another', () => {
    const queue = new FairQueue<string>();
    queue.push('a', 'a0', 10);
    queue.push('a', 'a1', 10);
    queue.push('b', 'b0', 10);
    queue.push('b', 'b1', 10);
    expect(queue.shift()).toBe('a0');
    // a0's thread failed: it is retried. Charged twice, a would fall behind b by a whole job (b0, b1, a0, a1).
    queue.unshift('a', 'a0', 10);
    expect(drainAll(queue)).toEqual(['b0', 'a0', 'a1', 'b1']);
  });
});
