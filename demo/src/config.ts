/** Where the demo finds the gateway. */
export interface DemoConfig {
  gatewayUrl: string;
}

/** `npm start`'s gateway, for a page served without a config (e.g. `vite dev`). */
const FALLBACK_GATEWAY = 'http://127.0.0.1:3000';

/**
 * Reads `/config.json`, which `npm start` generates beside the built demo.
 * Without it: `VITE_GATEWAY_URL` at build time, else the default gateway.
 */
export async function loadDemoConfig(): Promise<DemoConfig> {
  const fromFile = await readConfigFile();
  const fromBuild = import.meta.env['VITE_GATEWAY_URL'] as string | undefined;
  return { gatewayUrl: fromFile ?? (fromBuild || FALLBACK_GATEWAY) };
}

async function readConfigFile(): Promise<string | undefined> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
    if (!response.ok) return undefined;
    // A dev server answers unknown paths with index.html: only JSON counts.
    const body: unknown = await response.json();
    const url = (body as { gatewayUrl?: unknown } | null)?.gatewayUrl;
    return typeof url === 'string' && url.length > 0 ? url : undefined;
  } catch {
    return undefined;
  }
}
