/**
 * Windows around the changed ranges of a normalised view (see `viewChanges`): a detector that has
 * read the original text in full need only read the normalised text where it differs, plus enough
 * context for its rules, instead of all of it a second time.
 */

export interface ScanWindow {
  /** [start, end) in the view's text. Starts at a line break when one is near, as lines do. */
  start: number;
  end: number;
  /** [from, to, …] in the view's text: hits overlapping these ranges are the window's own. */
  keep: number[];
}

export interface WindowOptions {
  /** Context read on each side of a change. */
  margin: number;
  /** Hits within this distance of a change belong to the window (less than `margin`). */
  keep: number;
  /** How far a window edge may move to reach a line break. */
  snap: number;
  /** Above this share of the text the windows are not worth it (read it all). */
  maxShare: number;
}

/** The windows, or null when reading the whole text is as cheap. */
export function changeWindows(
  text: string,
  changed: readonly number[],
  options: WindowOptions,
): ScanWindow[] | null {
  const n = text.length;
  const out: ScanWindow[] = [];
  let covered = 0;
  for (let k = 0; k + 1 < changed.length; k += 2) {
    const a = changed[k] as number;
    const b = changed[k + 1] as number;
    let start = Math.max(0, a - options.margin);
    let end = Math.min(n, b + options.margin);
    if (start > 0) {
      // Start on a line break (kept in the window), so the first line is read as in the text.
      const nl = text.lastIndexOf("\n", start);
      if (nl >= 0 && start - nl <= options.snap) start = nl;
    }
    if (end < n) {
      const nl = text.indexOf("\n", end);
      if (nl >= 0 && nl - end <= options.snap) end = nl + 1;
    }
    const last = out[out.length - 1];
    if (last !== undefined && start <= last.end) {
      covered += Math.max(0, end - last.end);
      last.end = Math.max(last.end, end);
      last.keep.push(a - options.keep, b + options.keep);
    } else {
      covered += end - start;
      out.push({ start, end, keep: [a - options.keep, b + options.keep] });
    }
    if (covered > n * options.maxShare) return null;
  }
  return out;
}

/** Whether view range [start, end) overlaps one of the window's own ranges. */
export function inWindow(w: ScanWindow, start: number, end: number): boolean {
  for (let k = 0; k + 1 < w.keep.length; k += 2) {
    const from = w.keep[k] as number;
    const to = w.keep[k + 1] as number;
    if (start < to && end > from) return true;
  }
  return false;
}
