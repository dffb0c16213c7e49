import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('npm start while stopping', () => {
  it('names the child it waits for, and the child says what it waits for', async () => {
    const runner = fileURLToPath(new URL('./support/slowStopGroup.mjs', import.meta.url));
    const child = spawn(process.execPath, [runner], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ {2}waiting for the gateway to stop \(killed after 30 s\)\n {2}gateway stopped\n$/);
    expect(stderr).toMatch(/^\[gateway\] +warn waiting for the gateway: 3 requests in flight/m);
  });
});
