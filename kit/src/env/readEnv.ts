import type { z } from 'zod';

export type Env = Record<string, string | undefined>;

/** One variable: its parser, the raw text used when it is unset, and whether its value may be shown. */
export interface EnvVariable<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** The raw string the schema reads when the variable is unset or empty; undefined: no default. */
  readonly fallback: string | undefined;
  /** Never echo the value in an error (credentials, keys). */
  readonly secret?: boolean;
}

export type EnvVariables = Readonly<Record<string, EnvVariable>>;

export type EnvValues<V extends EnvVariables> = { [K in keyof V]: z.output<V[K]['schema']> };

/** A configuration that cannot run, naming every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the named variables (all of them by default); an empty value counts
 * as unset. Throws one ConfigError naming every bad variable, with the value
 * it got unless the variable is secret.
 */
export function readEnv<V extends EnvVariables, K extends keyof V & string = keyof V & string>(
  variables: V,
  env: Env,
  names: readonly K[] = Object.keys(variables) as K[],
): Pick<EnvValues<V>, K> {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const name of names) {
    const { schema, fallback, secret = false } = variables[name] as EnvVariable;
    const given = env[name];
    const raw = given === undefined || given === '' ? fallback : given;
    const result = schema.safeParse(raw);
    if (result.success) {
      parsed[name] = result.data;
    } else {
      const reasons = result.error.issues.map((issue) => issue.message).join('; ');
      const shown = secret || raw === undefined ? '' : ` (got "${raw}")`;
      problems.push(`${name} ${reasons}${shown}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed as Pick<EnvValues<V>, K>;
}
