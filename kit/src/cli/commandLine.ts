import { parseArgs } from 'node:util';

/** A command line that cannot run; the message names the argument at fault. Programs exit 2 on it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
}

export interface CommandLineSpec<O extends Record<string, OptionSpec>> {
  options: O;
  /** Arguments that are not options are refused unless allowed. */
  allowPositionals?: boolean;
  /** Prefixes every message, e.g. the subcommand: "reanalyse: unknown option --x". */
  context?: string;
}

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true ? boolean[] : boolean
  : S['multiple'] extends true ? string[] : string;

export interface ParsedCommandLine<O extends Record<string, OptionSpec>> {
  values: { [K in keyof O]?: OptionValue<O[K]> };
  positionals: string[];
}

/**
 * Parses `argv` with node:util's parseArgs and checks it by the spec; every
 * problem is a UsageError naming the option. Option values may start with a
 * dash (`--skew -6`); a separate value that looks like a long option
 * (`--url --devices`) counts as missing.
 */
export function parseCommandLine<O extends Record<string, OptionSpec>>(argv: readonly string[], spec: CommandLineSpec<O>): ParsedCommandLine<O> {
  const fail = (message: string): never => {
    throw new UsageError(spec.context ? `${spec.context}: ${message}` : message);
  };
  // Non-strict: node's strict mode refuses option values that start with a dash; the checks below are ours.
  const { tokens } = parseArgs({ args: [...argv], options: spec.options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!spec.allowPositionals) fail(`unexpected argument ${JSON.stringify(token.value)}`);
      positionals.push(token.value);
      continue;
    }
    const option = Object.hasOwn(spec.options, token.name) ? spec.options[token.name] : undefined;
    const shown = token.rawName.startsWith('--') ? token.rawName : `-${token.name.length === 1 ? token.name : `-${token.name}`}`;
    if (!option) return fail(`unknown option ${token.rawName}`);
    let value: string | boolean;
    if (option.type === 'boolean') {
      if (token.value !== undefined) fail(`${shown} takes no value`);
      value = true;
    } else {
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) fail(`${shown} needs a value`);
      value = token.value as string;
    }
    if (option.multiple) {
      ((values[token.name] ??= []) as unknown[]).push(value);
    } else {
      if (Object.hasOwn(values, token.name)) fail(`${shown} is given more than once`);
      values[token.name] = value;
    }
  }
  return { values: values as ParsedCommandLine<O>['values'], positionals };
}

export interface CommandLineIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * The one way a program meets its command line: a UsageError prints
 * "<program>: <message>", a blank line and the usage on stderr (exit 2); a
 * request for help prints the usage on stdout (exit 0); otherwise `run`.
 */
export async function runCommandLine<C>(
  program: { name: string; usage: string; io: CommandLineIo },
  parse: () => C | 'help',
  run: (command: C) => Promise<number>,
): Promise<number> {
  let command: C | 'help';
  try {
    command = parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    program.io.stderr.write(`${program.name}: ${err.message}\n\n${program.usage}\n`);
    return 2;
  }
  if (command === 'help') {
    program.io.stdout.write(`${program.usage}\n`);
    return 0;
  }
  return run(command);
}

/** Runs a bin's main and exits with its code; an unexpected failure prints "<program>: <stack>" and exits 1. */
export function exitWithCode(program: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${program}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
