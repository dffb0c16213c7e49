/** Where progress goes: a terminal (isTTY) gets a bar redrawn in place; anything else, plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** Reports `done` of `total`; `label` says what (it carries its own counts). `force` shows it now (a phase ends). */
  update(done: number, total: number, label: string, force?: boolean): void;
  /** Ends the bar's line on a terminal. */
  finish(): void;
}

export interface ProgressOptions {
  /** Width of the bar's [####----] in characters. */
  width?: number;
  /** Off a terminal: a plain line at most this often (the first and forced ones always); false prints nothing. */
  plainEveryMs?: number | false;
  /** A terminal's redraws at most this often. */
  redrawEveryMs?: number;
  now?: () => number;
}

const percent = (done: number, total: number): number => (total > 0 ? Math.min(1, done / total) : 1);

/**
 * One progress display for every command line: on a terminal a one-line bar
 * redrawn in place; in a pipe or a log file no carriage returns, only a plain
 * line now and then, so the log stays readable.
 */
export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  const { width = 30, plainEveryMs = 5_000, redrawEveryMs = 100, now = Date.now } = options;
  if (stream.isTTY) return terminalBar(stream, width, redrawEveryMs, now);
  if (plainEveryMs === false) return { update() {}, finish() {} };
  let lastLine = -Infinity;
  return {
    update(done, total, label, force = false) {
      const at = now();
      if (!force && at - lastLine < plainEveryMs) return;
      lastLine = at;
      stream.write(`${String(Math.floor(percent(done, total) * 100)).padStart(3)}% ${label}\n`);
    },
    finish() {},
  };
}

function terminalBar(stream: ProgressStream, width: number, redrawEveryMs: number, now: () => number): Progress {
  let lastDraw = -Infinity;
  let lastLine = '';
  return {
    update(done, total, label, force = false) {
      const at = now();
      if (!force && at - lastDraw < redrawEveryMs) return;
      lastDraw = at;
      const share = percent(done, total);
      const filled = Math.round(share * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${label}`;
      const max = (stream.columns ?? 120) - 1;
      const shown = line.length > max ? line.slice(0, max) : line;
      // Spaces wipe what a longer previous line left behind.
      stream.write(`\r${shown}${' '.repeat(Math.max(0, lastLine.length - shown.length))}`);
      lastLine = shown;
    },
    finish() {
      if (lastLine) stream.write('\n');
      lastLine = '';
    },
  };
}
