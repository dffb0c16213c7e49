import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary } from '@m2m/fleet';
import { freePort, startStack, type Stack } from './support/stack.mjs';

// The command as npm installs it: the package's own `bin` entry, built.
const packageJson = createRequire(import.meta.url).resolve('@m2m/fleet/package.json');
const CLI = join(dirname(packageJson), 'dist/cli/main.js');

function runCli(args: string[], timeoutMs = 120_000): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? 'unknown', stdout, stderr });
    }),
  );
}

describe('m2m-sim', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    stack = await startStack();
    dir = await mkdtemp(join(tmpdir(), 'm2m-sim-'));
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('simulates a fleet against a gateway URL, shows progress, prints and writes the summary', async () => {
    const out = join(dir, 'summary.json');
    const { code, stdout, stderr } = await runCli(['--url', stack.gatewayUrl, '--devices', '8', '--sessions', '2', '--rate', '1s', '--duration-s', '10', '--per-thread', '4', '--json', out]);
    expect(stderr).toMatch(/registering \d+\/8 devices/);
    expect(stderr).toMatch(/100% recorded 16, uploaded 16, confirmed 16\/16/);
    // stderr is a pipe here: plain lines, no carriage-return frames.
    expect(stderr).not.toContain('\r');
    expect(stdout).toMatch(/^OK: 8 devices × 2 sessions against http:\/\/127\.0\.0\.1:\d+ \(run \w+, seed 1, 2 threads\)/);
    expect(stdout).toMatch(/missing 0, duplicated 0, written twice 0/);
    expect(stdout).toMatch(/device-to-device latency \(recorded → server analysis on the device\): p50 \d+ ms, p95 \d+ ms, p99 \d+ ms/);
    expect(code).toBe(0);
    const summary = JSON.parse(await readFile(out, 'utf8')) as FleetSummary;
    expect(summary.ok).toBe(true);
    expect(summary.sessions).toMatchObject({ planned: 16, recorded: 16, uploaded: 16, analysed: 16, confirmed: 16, missing: 0, duplicated: 0 });
    expect(summary.latencyMs.count).toBe(16);
    expect(summary.wire.bytesPerSession).toBeGreaterThan(0);
  }, 150_000);

  it('exits 1 and says why when the gateway cannot be reached', async () => {
    const port = await freePort();
    const { code, stdout } = await runCli(['--url', `http://127.0.0.1:${port}`, '--devices', '2', '--sessions', '1', '--register-timeout-s', '2', '--quiet']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^PROBLEMS: 2 devices/);
    expect(stdout).toMatch(/devices failed 2/);
    expect(stdout).toMatch(/registration failed: registration did not succeed in time: the gateway is unreachable/);
  }, 60_000);

  it('exits 2 on a bad command line', async () => {
    const { code, stderr } = await runCli(['--url', stack.gatewayUrl, '--offline-prob', '2']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^m2m-sim: --offline-prob must be a probability from 0 to below 1, got "2"/);
  });
});
