import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { GATEWAY_ENV_VARS, loadConfig } from '@m2m/server/config';
import { loadWorkerConfig, WORKER_ENV_VARS } from '@m2m/sync/config';
import { describe, expect, it } from 'vitest';
import {
  dockerfileStages,
  environmentOf,
  interpolate,
  mergeCompose,
  parseCompose,
  parseEnvFile,
  publishedPorts,
  readRepoFile,
  referencedVariables,
  repoFile,
  type ComposeService,
} from './support/composeFile.js';

const composeText = readRepoFile('docker-compose.yml');
const compose = parseCompose(composeText);
/** The variables a user starts from: .env.example as committed. */
const dotenv = parseEnvFile(readRepoFile('.env.example'));
const dockerfile = dockerfileStages(readRepoFile('Dockerfile'));
const rootManifest = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };

const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const GATEWAY = 'gateway';
const WORKERS = Object.keys(compose.services).filter((name) => /^worker-\d+$/.test(name));
const APP_SERVICES = [GATEWAY, ...WORKERS];

/** A service's environment after Compose's interpolation from .env. */
const resolvedEnv = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(environmentOf(service(name))).map(([key, value]) => [key, interpolate(value, dotenv)]));
const commandOf = (name: string): string[] => {
  const command = service(name).command;
  if (!Array.isArray(command)) throw new Error(`${name}: command must be a list (exec form)`);
  return command;
};
const healthTest = (name: string): string => [service(name).healthcheck?.test ?? []].flat().join(' ');

/** Workspace folder → its manifest. */
const manifests = new Map(
  rootManifest.workspaces.map((folder) => [
    folder,
    JSON.parse(readRepoFile(`${folder}/package.json`)) as { name: string; bin?: Record<string, string>; dependencies?: Record<string, string> },
  ]),
);
/** Every package bin, as a path from the repository root ("server/dist/main.js"). */
const binTargets = new Map<string, string>(
  [...manifests].flatMap(([folder, manifest]) =>
    Object.entries(manifest.bin ?? {}).map(([bin, target]) => [`${folder}/${target.replace(/^\.\//, '')}`, bin] as const),
  ),
);

describe('docker-compose.yml against the code', () => {
  it('has CouchDB, the gateway and two worker shards, the app services built from the one Dockerfile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['couchdb', 'gateway', 'worker-0', 'worker-1']);
    for (const name of APP_SERVICES) {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : build?.context;
      expect(context, name).toBe('.');
      expect(typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile', name).toBe('Dockerfile');
    }
  });

  it('runs the official CouchDB 3.5 image with its admin from .env, a data volume and a health check on /_up', () => {
    const couchdb = service('couchdb');
    expect(couchdb.image).toBe('couchdb:3.5');
    expect(Object.keys(environmentOf(couchdb)).sort()).toEqual(['COUCHDB_PASSWORD', 'COUCHDB_USER']);
    const volumes = (couchdb.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    expect(volumes).toContain('/opt/couchdb/data');
    expect(healthTest('couchdb')).toMatch(/http:\/\/127\.0\.0\.1:5984\/_up/);
  });

  it.each(APP_SERVICES)('%s runs a built entry point that a package declares as a bin', (name) => {
    const [program, entry, ...args] = commandOf(name);
    expect(program).toBe('node');
    expect(binTargets.has(entry as string), `${entry} is no package's bin`).toBe(true);
    expect(existsSync(repoFile(entry as string)), `${entry} is not built`).toBe(true);
    // The command line is one the program accepts: without its store URL it stops on configuration (1), not usage (2).
    const run = spawnSync(process.execPath, [repoFile(entry as string), ...args], {
      env: { PATH: process.env['PATH'] ?? '', COUCHDB_URL: 'not a url', NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Invalid configuration: .*COUCHDB_URL/);
  });

  it('the runtime image holds every command entry point and the packages it imports', () => {
    const runtime = [...dockerfile.values()].at(-1) ?? [];
    const copied = (folder: string): boolean => runtime.some((line) => new RegExp(`^COPY --from=build /app/${folder}/dist ${folder}/dist$`).test(line));
    const needed = new Set<string>();
    const need = (folder: string): void => {
      if (needed.has(folder)) return;
      needed.add(folder);
      for (const dependency of Object.keys(manifests.get(folder)?.dependencies ?? {})) {
        const workspace = [...manifests].find(([, manifest]) => manifest.name === dependency)?.[0];
        if (workspace) need(workspace);
      }
    };
    for (const name of APP_SERVICES) need((commandOf(name)[1] as string).split('/')[0] as string);
    expect([...needed].sort()).toEqual(['analysis-core', 'contract', 'couch', 'kit', 'server', 'sync']);
    for (const folder of needed) expect(copied(folder), `${folder}/dist is not copied into the runtime image`).toBe(true);
  });

  it('sets for the gateway only variables its configuration reads, and a configuration that loads', () => {
    const env = resolvedEnv(GATEWAY);
    const unknown = Object.keys(env).filter((name) => !(GATEWAY_ENV_VARS as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
    // Loading from the compose environment alone proves every required variable is set (JWT_SECRET in production, say).
    const config = loadConfig(env);
    expect(config.nodeEnv).toBe('production');
    // Without COUCHDB_URL the gateway would run its embedded store inside the container.
    expect(config.couchdbUrl).toBeDefined();
    const store = new URL(config.couchdbUrl as string);
    expect(store.hostname).toBe('couchdb');
    expect(Number(store.port)).toBe(5984);
    const couchdbEnv = resolvedEnv('couchdb');
    expect(decodeURIComponent(store.username)).toBe(couchdbEnv['COUCHDB_USER']);
    expect(decodeURIComponent(store.password)).toBe(couchdbEnv['COUCHDB_PASSWORD']);
    // Reachable through the published port from outside the container.
    expect(config.host).toBe('0.0.0.0');
    // The published port serves /metrics only with the configured bearer token.
    expect(config.signIn.metricsToken).toBeDefined();
  });

  it('sets for each worker only variables its configuration reads, and the workers split every shard once', () => {
    const gateway = loadConfig(resolvedEnv(GATEWAY));
    const shards = WORKERS.map((name) => {
      const env = resolvedEnv(name);
      const unknown = Object.keys(env).filter((variable) => !(WORKER_ENV_VARS as readonly string[]).includes(variable));
      expect(unknown, name).toEqual([]);
      const config = loadWorkerConfig(env);
      expect(config.couchdbUrl, name).toBe(gateway.couchdbUrl);
      expect(config.dbPrefix, name).toBe(gateway.dbPrefix);
      return config.shard;
    });
    expect(shards.map((s) => s.count)).toEqual(WORKERS.map(() => WORKERS.length));
    expect(shards.map((s) => s.index).sort()).toEqual(WORKERS.map((_, i) => i));
  });

  it('publishes the port the gateway listens on, and CouchDB only on 127.0.0.1', () => {
    const gateway = loadConfig(resolvedEnv(GATEWAY));
    const gatewayPorts = publishedPorts(service(GATEWAY), dotenv);
    expect(gatewayPorts).toHaveLength(1);
    expect(gatewayPorts[0]?.target).toBe(gateway.port);
    expect(gatewayPorts[0]?.published).toBe(dotenv['GATEWAY_PORT']);

    const couchdbPorts = publishedPorts(service('couchdb'), dotenv);
    expect(couchdbPorts).toEqual([{ hostIp: '127.0.0.1', published: '5984', target: 5984 }]);
    for (const name of WORKERS) expect(service(name).ports ?? [], name).toEqual([]);
  });

  it('checks health where each service listens', () => {
    const gateway = loadConfig(resolvedEnv(GATEWAY));
    expect(healthTest(GATEWAY)).toContain(`http://127.0.0.1:${gateway.port}/ready`);
    for (const name of WORKERS) {
      const worker = loadWorkerConfig(resolvedEnv(name));
      expect(worker.metricsPort, name).toBeDefined();
      expect(healthTest(name), name).toContain(`http://127.0.0.1:${worker.metricsPort}/health`);
    }
  });

  it('starts each service only once what it needs is healthy', () => {
    const dependsOn = (name: string): Record<string, { condition?: string }> => {
      const value = service(name).depends_on ?? {};
      return Array.isArray(value) ? Object.fromEntries(value.map((d) => [d, {}])) : value;
    };
    expect(Object.keys(dependsOn(GATEWAY))).toEqual(['couchdb']);
    for (const name of WORKERS) expect(Object.keys(dependsOn(name)), name).toEqual([GATEWAY]);
    for (const name of APP_SERVICES) {
      for (const [target, { condition }] of Object.entries(dependsOn(name))) {
        expect(condition, `${name} → ${target}`).toBe('service_healthy');
        expect(service(target).healthcheck?.test, `${target} has no health check`).toBeDefined();
      }
    }
  });

  it('keeps the workers\' DATA_DIR (the export\'s pseudonym key) on one named volume the image\'s user owns', () => {
    const dirs = WORKERS.map((name) => loadWorkerConfig(resolvedEnv(name)).dataDir);
    expect(new Set(dirs).size).toBe(1);
    const dataDir = dirs[0]!;
    expect(dataDir).toMatch(/^\//);
    for (const name of WORKERS) {
      const mounts = (service(name).volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.target}`));
      const volume = mounts.find((v) => v.split(':')[1] === dataDir)?.split(':')[0];
      expect(volume, name).toBe('worker-data');
    }
    expect(Object.keys(compose.volumes ?? {})).toContain('worker-data');
    const runtime = dockerfile.get('runtime') ?? [];
    const owned = runtime.findIndex((line) => line.startsWith('RUN ') && line.includes(`chown node:node ${dataDir}`));
    expect(owned).toBeGreaterThanOrEqual(0);
    expect(owned).toBeLessThan(runtime.indexOf('USER node'));
  });

  it('takes from the environment only variables that .env.example documents, and commits no real secret', () => {
    const undocumented = [...referencedVariables(composeText)].filter((name) => !(name in dotenv));
    expect(undocumented).toEqual([]);
    for (const secret of ['COUCHDB_PASSWORD', 'JWT_SECRET', 'METRICS_TOKEN']) expect(dotenv[secret], secret).toMatch(/^change-me/);
    expect(readRepoFile('.gitignore').split('\n')).toContain('.env');
  });
});

describe('docker-compose.cluster.yml over docker-compose.yml', () => {
  const overlayText = readRepoFile('docker-compose.cluster.yml');
  const cluster = mergeCompose(compose, parseCompose(overlayText));
  const clusterService = (name: string): ComposeService => {
    const found = cluster.services[name];
    if (!found) throw new Error(`the cluster has no service ${name}`);
    return found;
  };
  const clusterEnv = (name: string): Record<string, string> =>
    Object.fromEntries(Object.entries(environmentOf(clusterService(name))).map(([key, value]) => [key, interpolate(value, dotenv)]));
  const NODES = ['couchdb', 'couchdb-2', 'couchdb-3'];
  const LB = 'couchdb-lb';
  const SETUP = 'couchdb-cluster-setup';
  const haproxy = readRepoFile('docker/haproxy.cfg');
  const setupScript = readRepoFile('docker/couchdb-cluster-setup.sh');
  const dependsOn = (name: string): Record<string, { condition?: string }> =>
    (clusterService(name).depends_on ?? {}) as Record<string, { condition?: string }>;

  it('adds two CouchDB nodes, a one-shot cluster setup and the HAProxy load balancer to the same app services', () => {
    expect(Object.keys(cluster.services).sort()).toEqual([...Object.keys(compose.services), 'couchdb-2', 'couchdb-3', SETUP, LB].sort());
    expect(overlayText).toMatch(/^name: m2m-sync-cluster$/m);
  });

  it('runs three CouchDB 3.5 nodes, each named after its service, sharing admin, cookie secret and Erlang cookie, each with its own data', () => {
    const envs = NODES.map((name) => clusterEnv(name));
    for (const [index, name] of NODES.entries()) {
      expect(clusterService(name).image, name).toBe('couchdb:3.5');
      expect(envs[index]?.['NODENAME'], name).toBe(name);
      expect([clusterService(name).healthcheck?.test ?? []].flat().join(' '), name).toMatch(/http:\/\/127\.0\.0\.1:5984\/_up/);
      for (const shared of ['COUCHDB_USER', 'COUCHDB_PASSWORD', 'COUCHDB_SECRET', 'COUCHDB_ERLANG_COOKIE']) {
        expect(envs[index]?.[shared], `${name} ${shared}`).toBe(envs[0]?.[shared]);
        expect(envs[index]?.[shared], `${name} ${shared}`).not.toBe('');
      }
    }
    const dataVolumes = NODES.map((name) =>
      (clusterService(name).volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.target}`)).find((v) => v.endsWith(':/opt/couchdb/data')),
    );
    expect(new Set(dataVolumes).size).toBe(NODES.length);
    for (const volume of dataVolumes) expect(Object.keys(cluster.volumes ?? {})).toContain(volume?.split(':')[0]);
  });

  it('balances over every node with CouchDB\'s documented HAProxy health check, and checks its own health where it listens', () => {
    expect(clusterService(LB).image).toMatch(/^haproxy:\d/);
    expect(clusterService(LB).volumes).toContain('./docker/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(haproxy).toMatch(/^\s*option httpchk GET \/_up$/m);
    expect(haproxy).toMatch(/^\s*bind \*:5984$/m);
    const servers = [...haproxy.matchAll(/^\s*server (\S+) (\S+):5984 check/gm)].map((m) => [m[1], m[2]]);
    expect(servers).toEqual(NODES.map((name) => [name, name]));
    const monitor = /^\s*monitor-uri (\S+)$/m.exec(haproxy)?.[1];
    expect(monitor).toBeDefined();
    expect([clusterService(LB).healthcheck?.test ?? []].flat().join(' ')).toContain(`/dev/tcp/127.0.0.1/5984`);
    expect([clusterService(LB).healthcheck?.test ?? []].flat().join(' ')).toContain(`GET ${monitor} `);
  });

  it('joins the nodes once all are healthy, before the balancer starts', () => {
    expect(clusterService(SETUP).volumes).toContain('./docker/couchdb-cluster-setup.sh:/cluster-setup.sh:ro');
    expect(setupScript).toContain(`first="http://${NODES[0]}:5984"`);
    expect(setupScript).toContain(`others="${NODES.slice(1).join(' ')}"`);
    for (const action of ['enable_cluster', 'add_node', 'finish_cluster']) expect(setupScript).toMatch(new RegExp(`"action\\\\?":\\\\?"${action}`));
    expect(dependsOn(SETUP)).toEqual(Object.fromEntries(NODES.map((name) => [name, { condition: 'service_healthy' }])));
    expect(dependsOn(LB)).toEqual({ [SETUP]: { condition: 'service_completed_successfully' } });
  });

  it('points the gateway and every worker at the balancer first and the first node second, with the nodes\' admin', () => {
    const gateway = loadConfig(clusterEnv(GATEWAY));
    const urls = (gateway.couchdbUrl ?? '').split(',').map((url) => new URL(url));
    expect(urls.map((url) => `${url.hostname}:${url.port}`)).toEqual([`${LB}:5984`, `${NODES[0]}:5984`]);
    const admin = clusterEnv(NODES[0] as string);
    for (const url of urls) {
      expect(decodeURIComponent(url.username)).toBe(admin['COUCHDB_USER']);
      expect(decodeURIComponent(url.password)).toBe(admin['COUCHDB_PASSWORD']);
    }
    for (const name of WORKERS) expect(loadWorkerConfig(clusterEnv(name)).couchdbUrl, name).toBe(gateway.couchdbUrl);
    for (const name of APP_SERVICES) expect(dependsOn(name)[LB], name).toEqual({ condition: 'service_healthy' });
  });

  it('takes from the environment only variables that .env.example documents, with placeholders for the new secrets', () => {
    const undocumented = [...referencedVariables(overlayText)].filter((name) => !(name in dotenv));
    expect(undocumented).toEqual([]);
    for (const secret of ['COUCHDB_SECRET', 'COUCHDB_ERLANG_COOKIE']) expect(dotenv[secret], secret).toMatch(/^change-me/);
  });
});

describe('Dockerfile', () => {
  const [build, runtime] = [...dockerfile.values()];

  it('builds with every dependency and ships production dependencies only, as a non-root user', () => {
    expect(dockerfile.size).toBe(2);
    expect(build?.some((line) => /^RUN npm ci\b/.test(line) && !line.includes('--omit=dev'))).toBe(true);
    expect(build?.some((line) => /^RUN npx tsc -b\b/.test(line))).toBe(true);
    expect(runtime?.some((line) => /^RUN npm ci\b.*--omit=dev/.test(line))).toBe(true);
    const users = runtime?.filter((line) => /^USER\s/.test(line)) ?? [];
    expect(users.at(-1)).toBe('USER node');
  });

  it('installs only the gateway\'s and the worker\'s packages, so the embedded store never ships', () => {
    const install = runtime?.find((line) => /^RUN npm ci\b/.test(line)) ?? '';
    const workspaces = [...install.matchAll(/--workspace[= ](\S+)/g)].map((match) => match[1]).sort();
    expect(workspaces).toEqual(['server', 'sync']);
    // npm follows every declared edge of an installed workspace (development ones too) to another workspace,
    // and a workspace's own dependencies count as production: the store is declared at the root only.
    for (const folder of workspaces) {
      const manifest = JSON.parse(readRepoFile(`${folder}/package.json`)) as Record<string, Record<string, string> | undefined>;
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const name of ['@m2m/embedded-store', 'express-pouchdb', 'pouchdb', 'leveldown']) {
          expect(manifest[field]?.[name], `${folder} ${field} ${name}`).toBeUndefined();
        }
      }
    }
  });

  it('copies the manifest of every workspace before installing, as npm ci needs them all', () => {
    for (const stage of [build, runtime]) {
      for (const folder of rootManifest.workspaces) {
        expect(stage?.includes(`COPY ${folder}/package.json ${folder}/`), `${folder}/package.json`).toBe(true);
      }
    }
  });
});
