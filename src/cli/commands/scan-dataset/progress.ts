/**
 * A one-line progress bar on standard error for long dataset scans: pass, share of the bytes,
 * throughput. Drawn at most ten times a second, only on a terminal (a CI log or a pipe gets
 * nothing), and erased when the scan ends so the report starts on a clean line.
 */

export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

const WIDTH = 24;

export class ProgressBar {
  private last = 0;
  private drawn = false;
  private readonly started = performance.now();
  private passStarted = performance.now();
  private pass = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly enabled: boolean,
  ) {}

  update(pass: number, passes: number, bytes: number, total: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (pass !== this.pass) {
      this.pass = pass;
      this.passStarted = now;
    } else if (now - this.last < 100) return;
    this.last = now;
    const share = total > 0 ? Math.min(1, bytes / total) : 0;
    const filled = Math.round(share * WIDTH);
    const seconds = (now - this.passStarted) / 1000;
    const rate = seconds > 0 ? bytes / 1e6 / seconds : 0;
    const line =
      `pass ${pass}/${passes} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ` +
      `${(share * 100).toFixed(0).padStart(3)}% ${rate.toFixed(1)} MB/s ` +
      `${((now - this.started) / 1000).toFixed(0)} s`;
    this.stream.write(`\r${line.slice(0, Math.max(20, (this.stream.columns ?? 80) - 1))}\u001b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write("\r\u001b[K");
    this.drawn = false;
  }
}
