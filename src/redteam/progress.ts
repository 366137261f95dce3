/**
 * A one-line progress bar for a terminal (the CLI shows it on stderr only when stderr is a TTY, so
 * logs and CI output stay clean). Redrawn at most every 100 ms, and once at the end.
 */
import type { Progress } from "./runner/index.js";

export interface ProgressBar {
  update(p: Progress): void;
  done(): void;
}

export function createProgressBar(
  stream: { write(s: string): unknown; columns?: number },
  width = 28,
): ProgressBar {
  let last = 0;
  let latest: Progress | undefined;
  let drawn = false;
  const draw = () => {
    if (!latest) return;
    const p = latest;
    const ratio = p.total ? p.done / p.total : 1;
    const filled = Math.round(ratio * width);
    const line = `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${p.done}/${p.total}  succeeded ${p.vulnerable} · blocked ${p.blocked} · resisted ${p.resisted} · errors ${p.error}`;
    const max = (stream.columns ?? 120) - 1;
    stream.write(`\r${line.slice(0, max)}\u001b[K`);
    drawn = true;
  };
  return {
    update(p) {
      latest = p;
      const now = Date.now();
      if (now - last >= 100 || p.done === p.total) {
        last = now;
        draw();
      }
    },
    done() {
      draw();
      if (drawn) stream.write("\n");
    },
  };
}
