import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** docker-compose.yml, .env.example and the Dockerfile as the drift tests read them. */

export const repoFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
export const readRepoFile = (path: string): string => readFileSync(repoFile(path), 'utf8');

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: string | number; host_ip?: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string };
  volumes?: Array<string | { target: string }>;
  entrypoint?: string[] | string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Parses the compose file as Compose does: YAML with anchors and `<<` merge keys. */
export function parseCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/** KEY=VALUE lines of an env file; comments and blank lines skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) vars[match[1] as string] = (match[2] as string).trim();
  }
  return vars;
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Names of the variables a compose file takes from the environment (`${VAR}`, `${VAR:-default}`, `$VAR`, ...). */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] ?? match[4];
    if (name) names.add(name);
  }
  return names;
}

/** Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$VAR`, `$$`. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(REFERENCE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const set = Object.hasOwn(vars, name);
    const given = vars[name] ?? '';
    switch (operator) {
      case ':-':
        return given !== '' ? given : (argument ?? '');
      case '-':
        return set ? given : (argument ?? '');
      case ':?':
        if (given === '') throw new Error(`${name}: ${argument}`);
        return given;
      case '?':
        if (!set) throw new Error(`${name}: ${argument}`);
        return given;
      default:
        return given;
    }
  });
}

/** A service's environment as name → raw value, from either of Compose's two forms. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === null ? '' : String(value)]));
}

export interface PublishedPort {
  hostIp: string | undefined;
  published: string;
  target: number;
}

/** Short (`[ip:]published:target`) and long port syntax. */
export function publishedPorts(service: ComposeService, vars: Record<string, string>): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { hostIp: port.host_ip, published: String(port.published ?? ''), target: port.target };
    const parts = interpolate(port, vars).split(':');
    const target = Number(parts.pop());
    const published = parts.pop() ?? '';
    return { hostIp: parts.pop(), published, target };
  });
}

/** The stages of a Dockerfile: name → its instruction lines (continuations joined). */
export function dockerfileStages(text: string): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current: string[] | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = [];
      stages.set(from[1] ?? `stage${stages.size}`, current);
    } else {
      current?.push(line);
    }
  }
  return stages;
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `depends_on` in either form, as a map. */
function dependsOnMap(value: unknown): Record<string, unknown> {
  return Array.isArray(value) ? Object.fromEntries(value.map((name) => [String(name), {}])) : isMap(value) ? value : {};
}

/**
 * `docker compose -f base -f overlay`: Compose's merge for the keys these
 * files use. Maps (a service, its healthcheck) merge key by key,
 * `environment` and `depends_on` merge by name, `volumes` and `ports` add up,
 * anything else (image, command, entrypoint) is replaced.
 */
export function mergeCompose(base: ComposeFile, overlay: ComposeFile): ComposeFile {
  const services: Record<string, ComposeService> = { ...base.services };
  for (const [name, extra] of Object.entries(overlay.services)) {
    const merged: Record<string, unknown> = { ...(services[name] ?? {}) };
    for (const [key, value] of Object.entries(extra)) {
      const current = merged[key];
      if (key === 'environment') merged[key] = { ...environmentOf(merged as ComposeService), ...environmentOf(extra) };
      else if (key === 'depends_on') merged[key] = { ...dependsOnMap(current), ...dependsOnMap(value) };
      else if ((key === 'volumes' || key === 'ports') && Array.isArray(current) && Array.isArray(value)) merged[key] = [...(current as unknown[]), ...(value as unknown[])];
      else if (isMap(current) && isMap(value)) merged[key] = { ...current, ...value };
      else merged[key] = value;
    }
    services[name] = merged as ComposeService;
  }
  return { services, volumes: { ...base.volumes, ...overlay.volumes } };
}
