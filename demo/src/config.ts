/** Where the demo finds the gateway. */
export interface DemoConfig {
  gatewayUrl: string;
}

/** `npm start`'s gateway, for a page served without a config (e.g. `vite dev`). */
const FALLBACK_GATEWAY = 'http://127.0.0.1:3000';
/** The last `/config.json` read: a page opened offline from the service worker's cache still knows its gateway. */
const KEPT_CONFIG_KEY = 'm2m-demo-config';

/**
 * Reads `/config.json`, which `npm start` generates beside the built demo,
 * and keeps it. Without it (offline, or not served): the kept one, else
 * `VITE_GATEWAY_URL` at build time, else the default gateway.
 */
export async function loadDemoConfig(): Promise<DemoConfig> {
  const fromFile = await readConfigFile();
  if (fromFile) keep(fromFile);
  const fromBuild = import.meta.env['VITE_GATEWAY_URL'] as string | undefined;
  return { gatewayUrl: fromFile ?? kept() ?? (fromBuild || FALLBACK_GATEWAY) };
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

function keep(gatewayUrl: string): void {
  try {
    localStorage.setItem(KEPT_CONFIG_KEY, gatewayUrl);
  } catch {
    // Storage refused (private mode, quota): the page still works while online.
  }
}

function kept(): string | undefined {
  try {
    return localStorage.getItem(KEPT_CONFIG_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
