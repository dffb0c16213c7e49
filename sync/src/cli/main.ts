#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { collectStatus, formatStatus } from '../commands/status.js';
import { reanalyse, type ReanalyseProgress } from '../commands/reanalyse.js';
import { loadWorkerConfig, type WorkerConfig } from '../config.js';
import { createLogger } from '../logging.js';
import { startWorker } from '../worker/startWorker.js';
import { parseArgs, UsageError, USAGE, type Command } from './args.js';
import { ProgressBar } from './progressBar.js';

type Env = Record<string, string | undefined>;

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Exit codes: 0 done, 1 failed (configuration, store), 2 bad command line, 130 interrupted. */
export async function main(argv: readonly string[], env: Env, io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`m2m-sync: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig(env);
  } catch (err) {
    io.stderr.write(`m2m-sync: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    switch (command.name) {
      case 'run':
        return await runWorker(config);
      case 'status': {
        const report = await collectStatus(config);
        io.stdout.write(`${command.json ? JSON.stringify(report, null, 2) : formatStatus(report, { all: command.allDatabases })}\n`);
        return 0;
      }
      case 'reanalyse':
        return await runReanalyse(config, command, io);
    }
  } catch (err) {
    // Configuration and store problems are for a person to fix: the message, not a stack.
    io.stderr.write(`m2m-sync: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The worker until SIGTERM or SIGINT: the batches in hand finish and their checkpoints are saved, then exit 0. */
async function runWorker(config: WorkerConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  let fatal: Error | undefined;
  let wake: () => void = () => {};
  const ended = new Promise<void>((resolve) => (wake = resolve));
  // Installed before start-up: a signal that arrives while starting stops the worker as soon as it runs.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down: finishing the batches in hand');
    wake();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const worker = await startWorker(config, {
    logger,
    onFatal: (err) => {
      fatal = err;
      wake();
    },
  });
  await ended;
  await worker.stop();
  return fatal ? 1 : 0;
}

async function runReanalyse(config: WorkerConfig, command: Extract<Command, { name: 'reanalyse' }>, io: Io): Promise<number> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = io.stderr.isTTY ? new ProgressBar(io.stderr) : undefined;
  const draw = (p: ReanalyseProgress, force = false): void => {
    if (!bar) return;
    if (p.phase === 'scan') bar.update(p.usersDone, p.usersTotal, 'users checked', force);
    else bar.update(p.sessionsDone, p.sessionsTotal, `sessions (${p.usersDone}/${p.usersTotal} users)`, force);
  };
  let last: ReanalyseProgress | undefined;
  try {
    const report = await reanalyse(config, {
      ...(command.all ? { all: true } : { userIds: command.userIds }),
      force: command.force,
      logger,
      signal: controller.signal,
      onProgress: (p) => {
        if (last && last.phase !== p.phase) {
          draw(last, true);
          bar?.finish();
        }
        last = p;
        draw(p);
      },
    });
    if (last) draw(last, true);
    bar?.finish();
    const summary =
      `reanalysed ${report.analysed} of ${report.sessions} session(s) of ${report.users} user(s) to analysis version ${report.analysisVersion}: ` +
      `${report.updated} updated, ${report.unchanged} unchanged, ${report.removed} removed; ${report.progressUpdated} progress document(s) updated`;
    io.stdout.write(`${summary}\n`);
    if (report.interrupted) {
      io.stderr.write('m2m-sync: interrupted; run the same command again to finish.\n');
      return 130;
    }
    return 0;
  } finally {
    bar?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`m2m-sync: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
