/** A one-line progress bar redrawn in place on a terminal stream, at most ten times a second. */
export class ProgressBar {
  private lastDraw = 0;
  private lastLine = '';

  constructor(
    private readonly stream: { write(text: string): unknown; columns?: number },
    private readonly width = 30,
  ) {}

  update(done: number, total: number, label: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * this.width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${label}`;
    const max = (this.stream.columns ?? 120) - 1;
    const shown = line.length > max ? line.slice(0, max) : line;
    this.stream.write(`\r${shown}${' '.repeat(Math.max(0, this.lastLine.length - shown.length))}`);
    this.lastLine = shown;
  }

  finish(): void {
    if (this.lastLine) this.stream.write('\n');
    this.lastLine = '';
  }
}
