// @ts-check

/** pino's numeric levels. */
const LEVELS = /** @type {Record<number, string>} */ ({ 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' });

/** Fields every pino line carries that say nothing here (the label names the process). */
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg']);

const LABEL_WIDTH = 7;

/**
 * One line of a child's output as the supervisor shows it: prefixed with the
 * child's name, and a pino JSON record shortened to `level message key=value`.
 * @param {string} label
 * @param {string} line
 */
export function formatChildLine(label, line) {
  const prefix = `[${label}]`.padEnd(LABEL_WIDTH + 2);
  const record = parseRecord(line);
  if (!record) return `${prefix} ${line}`;
  const level = LEVELS[/** @type {number} */ (record['level'])] ?? String(record['level']);
  const fields = Object.entries(record)
    .filter(([key]) => !SKIPPED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [prefix, level, typeof record['msg'] === 'string' ? record['msg'] : '', ...fields].filter((part) => part !== '').join(' ');
}

/**
 * @param {string} line
 * @returns {Record<string, unknown> | undefined}
 */
function parseRecord(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line);
    return value && typeof value === 'object' && typeof value.level === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
