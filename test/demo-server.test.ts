import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../scripts/supervisor/demoServer.mjs';

const CONFIG = { gatewayUrl: 'http://127.0.0.1:3999' };

describe('the demo server of npm start', () => {
  let root: string;
  const servers: DemoServer[] = [];
  const start = async (distDir: string): Promise<DemoServer> => {
    const server = await startDemoServer({ host: '127.0.0.1', port: 0, distDir, config: CONFIG, variable: 'DEMO_PORT' });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'm2m-demo-server-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(root, { recursive: true, force: true });
  });

  it('serves the built files, the app page for its own routes, and a generated config.json', async () => {
    const dist = join(root, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><html><body>demo</body></html>');
    await writeFile(join(dist, 'assets', 'app.js'), 'console.log("demo")');
    const server = await start(dist);
    expect(server.built).toBe(true);

    const config = await fetch(`${server.url}/config.json`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    expect(await config.json()).toEqual(CONFIG);
    expect(await (await fetch(`${server.url}/assets/app.js`)).text()).toBe('console.log("demo")');
    for (const path of ['/', '/progress']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toContain('demo</body>');
    }
  });

  it('still serves config.json when the demo is not built, and says how to build it', async () => {
    const server = await start(join(root, 'missing'));
    expect(server.built).toBe(false);
    expect(await (await fetch(`${server.url}/config.json`)).json()).toEqual(CONFIG);
    const page = await fetch(server.url);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build --workspace demo');
  });

  it('names DEMO_PORT when its port is taken', async () => {
    const first = await start(join(root, 'missing'));
    const port = Number(new URL(first.url).port);
    await expect(startDemoServer({ host: '127.0.0.1', port, distDir: root, config: CONFIG, variable: 'DEMO_PORT' })).rejects.toThrow(
      `port ${port} is in use: set DEMO_PORT to a free port`,
    );
  });
});
