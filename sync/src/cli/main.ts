#!/usr/bin/env node
import { createProgress, errorText, exitWithCode, isEntryPoint, Lifecycle, onShutdownSignal, runCommandLine, runService, type ProgressStream } from '@m2m/service-kit';
import { pino } from 'pino';
import { collectStatus, formatStatus } from '../commands/status.js';
import { exportAnalyses } from '../commands/exportAnalyses.js';
import { reanalyse, type ReanalyseProgress } from '../commands/reanalyse.js';
import { loadWorkerConfig, type WorkerConfig } from '../config.js';
import { createLogger } from '../logging.js';
import { startWorker, type RunningWorker } from '../worker/startWorker.js';
import { parseArgs, USAGE, type Command } from './args.js';

type Env = Record<string, string | undefined>;

interface Io {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

/** Exit codes: 0 done, 1 failed (configuration, store), 2 bad command line, 130 interrupted. */
export async function main(argv: readonly string[], env: Env, io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parse = (): Exclude<Command, { name: 'help' }> | 'help' => {
    const command = parseArgs(argv);
    return command.name === 'help' ? 'help' : command;
  };
  return runCommandLine({ name: 'm2m-sync', usage: USAGE, io }, parse, async (command) => {
    let config: WorkerConfig;
    try {
      config = loadWorkerConfig(env);
    } catch (err) {
      io.stderr.write(`m2m-sync: ${errorText(err)}\n`);
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
        case 'export':
          return await runExport(config, command, io);
      }
    } catch (err) {
      // Configuration and store problems are for a person to fix: the message, not a stack.
      io.stderr.write(`m2m-sync: ${errorText(err)}\n`);
      return 1;
    }
  });
}

/** The worker until SIGTERM or SIGINT: the batches in hand finish and their checkpoints are saved, then exit 0. */
async function runWorker(config: WorkerConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  let fatal: Error | undefined;
  let onFatal: () => void = () => {};
  const failed = new Promise<void>((resolve) => (onFatal = resolve));
  let worker: RunningWorker | undefined;
  const lifecycle = new Lifecycle({ logger });
  lifecycle.add({
    name: 'the sync worker',
    start: async () => {
      worker = await startWorker(config, {
        logger,
        onFatal: (err) => {
          fatal = err;
          onFatal();
        },
      });
    },
    stop: async () => worker?.stop(),
    pending: () => 'the batches in hand and their checkpoints',
  });
  await runService(lifecycle, logger, { message: 'shutting down: finishing the batches in hand', until: failed });
  return fatal ? 1 : 0;
}

async function runReanalyse(config: WorkerConfig, command: Extract<Command, { name: 'reanalyse' }>, io: Io): Promise<number> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const controller = new AbortController();
  // The first signal ends the run after the session in hand (it can be run again); a second exits at once.
  const signal = onShutdownSignal(logger, { message: 'interrupted: stopping after the sessions in hand', secondExitCode: 130 });
  void signal.received.then(() => controller.abort());
  // A terminal only: the command's one line of output is its summary.
  const progress = createProgress(io.stderr, { plainEveryMs: false });
  const draw = (p: ReanalyseProgress, force = false): void => {
    if (p.phase === 'scan') progress.update(p.usersDone, p.usersTotal, `${p.usersDone}/${p.usersTotal} users checked`, force);
    else progress.update(p.sessionsDone, p.sessionsTotal, `${p.sessionsDone}/${p.sessionsTotal} sessions (${p.usersDone}/${p.usersTotal} users)`, force);
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
          progress.finish();
        }
        last = p;
        draw(p);
      },
    });
    if (last) draw(last, true);
    progress.finish();
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
    progress.finish();
    signal.dispose();
  }
}

async function runExport(config: WorkerConfig, command: Extract<Command, { name: 'export' }>, io: Io): Promise<number> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const controller = new AbortController();
  // The first signal stops after the page in hand and keeps the previous export; a second exits at once.
  const signal = onShutdownSignal(logger, { message: 'interrupted: stopping the export, the previous files stay', secondExitCode: 130 });
  void signal.received.then(() => controller.abort());
  const progress = createProgress(io.stderr, { plainEveryMs: false });
  try {
    const report = await exportAnalyses(config, {
      outDir: command.outDir,
      formats: command.formats,
      signal: controller.signal,
      onProgress: (p) => progress.update(p.usersDone, p.usersTotal, `${p.usersDone}/${p.usersTotal} users, ${p.analyses} analyses`, p.usersDone === p.usersTotal),
    });
    progress.finish();
    if (report.interrupted) {
      io.stderr.write('m2m-sync: interrupted; nothing was replaced. Run the same command again.\n');
      return 130;
    }
    io.stdout.write(`exported ${report.analyses} analyses of ${report.users} user(s) to ${report.files.join(' and ')}\n`);
    return 0;
  } finally {
    progress.finish();
    signal.dispose();
  }
}

if (isEntryPoint(import.meta.url)) exitWithCode('m2m-sync', () => main(process.argv.slice(2), process.env));
