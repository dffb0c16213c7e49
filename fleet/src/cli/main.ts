#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { createProgress, errorText, exitWithCode, isEntryPoint, runCommandLine, type ProgressStream } from '@m2m/service-kit';
import { runFleet } from '../threads/fleetRunner.js';
import { parseArgs, USAGE, type Command } from './args.js';
import { formatSummary } from './formatSummary.js';
import { progressLine } from './progressLine.js';

interface Io {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

/** Exit codes: 0 nothing lost, duplicated or pending; 1 problems found or the run failed; 2 bad command line. */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parse = (): Extract<Command, { name: 'run' }> | 'help' => {
    const command = parseArgs(argv);
    return command.name === 'help' ? 'help' : command;
  };
  return runCommandLine({ name: 'm2m-sim', usage: USAGE, io }, parse, async (command) => {
    // On a terminal a bar; in a log a plain line now and then.
    const progress = command.quiet ? null : createProgress(io.stderr);
    let phase: string | undefined;
    try {
      const summary = await runFleet(command.options, {
        onProgress: (p) => {
          if (!progress) return;
          const { done, total, label } = progressLine(p);
          // A new phase and the end are always shown.
          progress.update(done, total, label, p.phase !== phase || p.phase === 'done');
          phase = p.phase;
        },
      });
      progress?.finish();
      io.stdout.write(`${formatSummary(summary)}\n`);
      if (command.jsonPath !== null) await writeFile(command.jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
      return summary.ok ? 0 : 1;
    } catch (err) {
      progress?.finish();
      io.stderr.write(`m2m-sim: ${errorText(err)}\n`);
      return 1;
    }
  });
}

if (isEntryPoint(import.meta.url)) exitWithCode('m2m-sim', () => main(process.argv.slice(2)));
