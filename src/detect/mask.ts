/**
 * Evidence leaves a detector masked (STYLE.md §4): enough to recognise the value in a report,
 * never enough to use it. Short values are masked entirely.
 */
export function maskEvidence(value: string, visible = 4): string {
  if (value.length <= visible * 3) return "*".repeat(Math.min(value.length, 8));
  return `${value.slice(0, visible)}…${"*".repeat(4)}`;
}
