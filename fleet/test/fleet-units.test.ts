import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/cli/args.js';
import { main } from '../src/cli/main.js';
import { planDevice, touchesOffline } from '../src/device/devicePlan.js';
import { auditIds } from '../src/device/idAudit.js';
import { NetworkLink } from '../src/network/networkLink.js';
import { WireMeter } from '../src/network/wireMeter.js';
import { distribution, percentile } from '../src/stats/percentiles.js';
import { summarize, type RunFacts } from '../src/summary/fleetSummary.js';
import type { DeviceCheck, DeviceReport } from '../src/threads/threadProtocol.js';
import { warmRecordingCode } from '../src/threads/warmRecordingCode.js';

describe('percentiles', () => {
  it('is the nearest rank: always a measured value', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('is null for no values and refuses nonsense', () => {
    expect(percentile([], 50)).toBeNull();
    expect(distribution([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(/\(0, 100\]/);
    expect(() => percentile([1, Number.NaN], 50)).toThrow(/finite/);
  });

  it('rounds a distribution to whole units', () => {
    expect(distribution([1.4, 2.6, 10.5])).toEqual({ count: 3, p50: 3, p95: 11, p99: 11, max: 11 });
  });
});

describe('m2m-sim command line', () => {
  const run = (...argv: string[]) => parseArgs(['--url', 'http://127.0.0.1:3000', ...argv]);
  const usage = (...argv: string[]): string => {
    try {
      parseArgs(argv);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error(`expected a usage error for ${argv.join(' ')}`);
  };

  it('reads every option, in both spellings', () => {
    const command = parseArgs([
      '--url=http://gw.example:8080/',
      '--devices', '100',
      '--sessions=10',
      '--rate', '0.5',
      '--duration-s', '12',
      '--offline-prob', '0.2',
      '--flap-s', '3',
      '--seed', '42',
      '--clock-skew-h', '-6,0,9.5',
      '--per-thread', '5',
      '--analysis', 'worker',
      '--retry-ms', '500',
      '--no-sync-on-reconnect',
      '--settle-timeout-s', '30',
      '--register-timeout-s', '90',
      '--register-concurrency', '3',
      '--json', 'out.json',
      '--quiet',
    ]);
    expect(command).toEqual({
      name: 'run',
      jsonPath: 'out.json',
      quiet: true,
      options: {
        url: 'http://gw.example:8080/',
        devices: 100,
        sessions: 10,
        intervalMs: 2000,
        sessionDurationS: 12,
        offlineProb: 0.2,
        flapMs: 3000,
        seed: 42,
        clockSkewHours: [-6, 0, 9.5],
        perThread: 5,
        analysis: 'worker',
        warmUp: true,
        warmRoundTrip: false,
        retryMs: 500,
        syncOnReconnect: false,
        settleTimeoutMs: 30_000,
        registerTimeoutMs: 90_000,
        registerConcurrency: 3,
      },
    });
  });

  it('takes the rate as sessions per second or as an interval', () => {
    const interval = (rate: string): number => {
      const command = run('--rate', rate);
      if (command.name !== 'run') throw new Error('expected a run');
      return command.options.intervalMs;
    };
    expect(interval('2')).toBe(500);
    expect(interval('500ms')).toBe(500);
    expect(interval('3s')).toBe(3000);
    expect(interval('1m')).toBe(60_000);
    expect(interval('0.25')).toBe(4000);
  });

  it('fills in defaults and asks for help', () => {
    const command = run();
    expect(command.name === 'run' && command.options.devices).toBe(10);
    expect(parseArgs(['--help'])).toEqual({ name: 'help' });
    expect(parseArgs(['-h'])).toEqual({ name: 'help' });
  });

  it('names the option at fault in a bad command line', () => {
    expect(usage('--devices', '3')).toMatch(/--url is required/);
    expect(usage('--url', 'ftp://x', '--devices', '3')).toMatch(/--url must be http or https/);
    expect(usage('--url', 'not a url')).toMatch(/--url must be the gateway's http\(s\) URL/);
    expect(usage('--url', 'http://x', '--devices', '0')).toBe('--devices must be a whole number from 1 to 100000, got "0"');
    expect(usage('--url', 'http://x', '--devices', 'ten')).toMatch(/--devices must be a whole number/);
    expect(usage('--url', 'http://x', '--devices', '2.5')).toMatch(/--devices must be a whole number/);
    expect(usage('--url', 'http://x', '--sessions', '')).toMatch(/--sessions must be/);
    expect(usage('--url', 'http://x', '--offline-prob', '1')).toMatch(/--offline-prob must be a probability from 0 to below 1, got "1"/);
    expect(usage('--url', 'http://x', '--offline-prob', '-0.1')).toMatch(/--offline-prob/);
    expect(usage('--url', 'http://x', '--per-thread', '8')).toMatch(/--per-thread .*RxDB opens at most 14 collections per thread/);
    expect(usage('--url', 'http://x', '--rate', 'fast')).toMatch(/--rate must be sessions per second .* got "fast"/);
    expect(usage('--url', 'http://x', '--rate', '0')).toMatch(/--rate/);
    expect(usage('--url', 'http://x', '--rate', '0s')).toMatch(/--rate/);
    expect(usage('--url', 'http://x', '--analysis', 'gpu')).toMatch(/--analysis must be inline or worker/);
    expect(usage('--url', 'http://x', '--clock-skew-h', '3,,4')).toMatch(/--clock-skew-h/);
    expect(usage('--url', 'http://x', '--duration-s', '-1')).toMatch(/--duration-s must be seconds above 0/);
    expect(usage('--url', 'http://x', '--devices')).toBe('--devices needs a value');
    expect(usage('--url', 'http://x', '--devices', '--sessions', '3')).toBe('--devices needs a value');
    expect(usage('--url', 'http://x', '--url', 'http://y')).toBe('--url is given more than once');
    expect(usage('--url', 'http://x', '--turbo')).toBe('unknown option --turbo');
    expect(usage('--url', 'http://x', 'extra')).toBe('unexpected argument "extra"');
    expect(usage('--url', 'http://x', '--quiet=yes')).toBe('--quiet takes no value');
    expect(usage('--url', 'http://x', '--register-concurrency', '0')).toMatch(/--register-concurrency must be a whole number from 1 to 1000/);
  });

  it('exits 2 with the reason and the usage on stderr', async () => {
    let stderr = '';
    let stdout = '';
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    expect(await main(['--url', 'http://x', '--devices', '-3'], io)).toBe(2);
    expect(stderr).toMatch(/^m2m-sim: --devices must be a whole number from 1 to 100000, got "-3"\n\nUsage: m2m-sim/);
    expect(stdout).toBe('');
    expect(await main(['--help'], io)).toBe(0);
    expect(stdout).toMatch(/^Usage: m2m-sim --url <gateway>/);
  });
});

describe('device thread warm-up', () => {
  it('runs throwaway sessions of the run length through synthesis, the codec, validation and the analysis', () => {
    const sessions = warmRecordingCode(5);
    expect(sessions).toHaveLength(3);
    for (const s of sessions) {
      expect(s.status).toBe('ok');
      expect(s.durationMs).toBe(5_000);
    }
  });
});

describe('device plans', () => {
  const options = { sessions: 20, intervalMs: 1000, offlineProb: 0.4, flapMs: 500 };

  it('are the same for the same run seed and device, and differ between devices and between seeds', () => {
    expect(planDevice(options, 1, 7)).toEqual(planDevice(options, 1, 7));
    expect(planDevice(options, 1, 7)).not.toEqual(planDevice(options, 1, 8));
    expect(planDevice(options, 1, 7)).not.toEqual(planDevice(options, 2, 7));
  });

  it('spread sessions at jittered intervals and go offline in disjoint periods', () => {
    const plan = planDevice(options, 1, 3);
    expect(plan.recordAtMs).toHaveLength(20);
    expect(plan.recordAtMs[0]).toBeLessThan(1000);
    for (let i = 1; i < 20; i++) {
      const gap = (plan.recordAtMs[i] as number) - (plan.recordAtMs[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(499);
      expect(gap).toBeLessThanOrEqual(1501);
    }
    expect(plan.offline.length).toBeGreaterThan(0);
    let previousEnd = -1;
    for (const [start, end] of plan.offline) {
      expect(start).toBeGreaterThan(previousEnd);
      expect(end).toBeGreaterThan(start);
      expect(start % 500).toBe(0);
      expect(start).toBeLessThanOrEqual(plan.recordAtMs[19] as number);
      previousEnd = end;
    }
    const [start, end] = plan.offline[0] as [number, number];
    expect(touchesOffline(plan, start - 10, start)).toBe(true);
    expect(touchesOffline(plan, end + 1, end + 2)).toBe(plan.offline.some(([s]) => s <= end + 2 && s > end));
  });

  it('never go offline with probability 0', () => {
    expect(planDevice({ ...options, offlineProb: 0 }, 1, 3).offline).toEqual([]);
  });
});

describe('id audit', () => {
  it('finds what is missing, twice, or never recorded', () => {
    expect(auditIds(['a', 'b', 'c'], ['c', 'a', 'a', 'x'])).toEqual({ missing: ['b'], duplicated: ['a'], unexpected: ['x'] });
    expect(auditIds(['a'], ['a'])).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });
});

describe('fleet summary', () => {
  const facts: RunFacts = { url: 'http://gw', runId: 'r', seed: 1, devices: 2, sessionsPerDevice: 2, threads: 1, registrationMs: 1500, runMs: 4000, runProblems: [] };
  const clean: DeviceCheck = {
    device: { missing: [], duplicated: [], unexpected: [] },
    unconfirmed: [],
    server: { missing: [], duplicated: [], unexpected: [] },
    rewritten: [],
    unanalysed: [],
    pendingUploads: 0,
    progressProblem: null,
    serverProblem: null,
  };
  const report = (device: number, check: DeviceCheck | null, latencies: number[]): DeviceReport => ({
    device,
    username: `u${device}`,
    userId: `id${device}`,
    clockSkewHours: 0,
    sessions: latencies.map((ms, i) => ({ id: `s${device}-${i}`, recordedAt: 1000 * i, uploadedAt: 1000 * i + ms / 2, confirmedAt: 1000 * i + ms, offlineBetween: i === 1 })),
    wire: { requests: 10, unanswered: 1, errorAnswers: 2, errorStatuses: { '503': 2 }, bytesUp: 3000, bytesDown: 5000 },
    offlineFailures: 1,
    check,
    error: null,
  });

  it('counts sessions, latencies and bytes over every device', () => {
    const summary = summarize([report(0, clean, [100, 300]), report(1, clean, [200, 400])], facts);
    expect(summary.ok).toBe(true);
    expect(summary.sessions).toEqual({ planned: 4, recorded: 4, uploaded: 4, analysed: 4, confirmed: 4, missing: 0, duplicated: 0, rewritten: 0 });
    expect(summary.latencyMs).toEqual({ count: 4, p50: 200, p95: 400, p99: 400, max: 400 });
    expect(summary.latencyOnlineMs).toEqual({ count: 2, p50: 100, p95: 200, p99: 200, max: 200 });
    expect(summary.uploadMs).toEqual({ count: 4, p50: 100, p95: 200, p99: 200, max: 200 });
    expect(summary.serverMs).toEqual({ count: 4, p50: 100, p95: 200, p99: 200, max: 200 });
    expect(summary.wire).toEqual({ requests: 20, unanswered: 2, errorAnswers: 4, errorStatuses: { '503': 4 }, bytesUp: 6000, bytesDown: 10000, bytesPerSession: 4000 });
    // Four uploads from the first recording (0) to the last upload (1000 + 200).
    expect(summary.uploadsPerSecond).toBe(3.3);
    expect(summary.seconds).toEqual({ registration: 1.5, run: 4 });
  });

  it('is not ok when anything is missing, duplicated, pending or wrong', () => {
    const bad: DeviceCheck = {
      ...clean,
      device: { missing: ['s1-0'], duplicated: [], unexpected: ['zz'] },
      unconfirmed: ['s1-0'],
      unanalysed: ['s1-1'],
      pendingUploads: 1,
      progressProblem: 'differs in sessionCount',
    };
    const summary = summarize([report(0, clean, [100, 300]), report(1, bad, [200, 400])], facts);
    expect(summary.ok).toBe(false);
    expect(summary.sessions.missing).toBe(2);
    expect(summary.sessions.analysed).toBe(3);
    expect(summary.sessions.duplicated).toBe(1);
    expect(summary.devicesWithPendingUploads).toBe(1);
    expect(summary.progressMismatches).toBe(1);
    expect(summary.problems.join('\n')).toMatch(/device 1 \(u1\): 2 session\(s\) missing/);
  });

  it('counts a device that never reported as failed with its sessions missing', () => {
    const summary = summarize([report(0, clean, [100, 300])], { ...facts, runProblems: ['a thread ended early'] });
    expect(summary.devicesFailed).toBe(1);
    expect(summary.sessions.missing).toBe(2);
    expect(summary.ok).toBe(false);
  });
});

describe('simulated network', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') {
        // A longpoll: headers now, the rest much later.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"results":[');
        setTimeout(() => res.end(']}'), 10_000).unref();
        return;
      }
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`echo:${body}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails requests with the TypeError of a lost network while offline', async () => {
    const link = new NetworkLink();
    const linked = link.wrap(fetch);
    expect(await (await linked(`${url}/x`, { method: 'POST', body: 'hi' })).text()).toBe('echo:hi');
    link.setOnline(false);
    const refused = await linked(`${url}/x`).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as Error).message).toBe('fetch failed');
    link.setOnline(true);
    expect(await (await linked(`${url}/x`, { method: 'POST', body: 'again' })).text()).toBe('echo:again');
    expect(link.failures).toBe(1);
  });

  it('breaks a streaming answer when the network goes', async () => {
    const link = new NetworkLink();
    const response = await link.wrap(fetch)(`${url}/slow`);
    const body = response.text();
    link.setOnline(false);
    const err = await body.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(link.failures).toBe(1);
  });

  it('counts the bytes of requests and answers', async () => {
    const meter = new WireMeter();
    const response = await meter.wrap(fetch)(`${url}/x`, { method: 'POST', body: 'é'.repeat(10), headers: { 'content-type': 'text/plain' } });
    expect(await response.text()).toBe(`echo:${'é'.repeat(10)}`);
    const { requests, bytesUp, bytesDown } = meter.count;
    expect(requests).toBe(1);
    // Request line, one header, blank line, 20 bytes of body.
    expect(bytesUp).toBe('POST /x HTTP/1.1\r\n'.length + 'content-type: text/plain\r\n'.length + 2 + 20);
    // The answer's 25 body bytes on top of its status line and headers.
    expect(bytesDown).toBeGreaterThan(25 + 'HTTP/1.1 200 OK\r\n'.length);
  });

  it('counts requests without an answer and error answers', async () => {
    const meter = new WireMeter();
    const metered = meter.wrap(async (input) => {
      if (String(input).endsWith('/down')) throw new TypeError('fetch failed');
      return new Response('{"error":"not_found"}', { status: String(input).endsWith('/missing') ? 404 : 200 });
    });
    await expect(metered('http://gw/down')).rejects.toThrow('fetch failed');
    expect((await metered('http://gw/missing')).status).toBe(404);
    expect((await metered('http://gw/ok')).status).toBe(200);
    expect(meter.count).toMatchObject({ requests: 3, unanswered: 1, errorAnswers: 1, errorStatuses: { '404': 1 } });
  });
});
