#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runFleet } from '../threads/fleetRunner.js';
import { parseArgs, UsageError, USAGE, type Command } from './args.js';
import { formatSummary } from './formatSummary.js';
import { ProgressBar } from './progressBar.js';
import { progressLine } from './progressLine.js';

interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** Exit codes: 0 nothing lost, duplicated or pending; 1 problems found or the run failed; 2 bad command line. */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`m2m-sim: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const bar = command.quiet ? null : new ProgressBar(io.stderr);
  try {
    const summary = await runFleet(command.options, {
      onProgress: (p) => {
        if (!bar) return;
        const { done, total, label } = progressLine(p);
        bar.update(done, total, label, p.phase === 'done');
      },
    });
    bar?.finish();
    io.stdout.write(`${formatSummary(summary)}\n`);
    if (command.jsonPath !== null) await writeFile(command.jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
    return summary.ok ? 0 : 1;
  } catch (err) {
    bar?.finish();
    io.stderr.write(`m2m-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const isEntryPoint = (): boolean => {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
