/** "Did you mean …?": the names closest to a typo, by edit distance. */

/** Edits from `a` to `b`: inserts, deletes, changes, and swaps of two neighbours (`lsit` → `list` is one). */
function distance(a: string, b: string): number {
  // Rows i-2, i-1 and i of the table (optimal string alignment).
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] as number) + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The closest candidates (all those tied for the smallest distance, up to `max`), if within a third
 * of the name's length (at least 2 edits).
 */
export function closestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: [number, string][] = [];
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) > limit) continue;
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d <= limit) scored.push([d, c]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  const best = scored[0]?.[0];
  return [...new Set(scored.filter(([d]) => d === best).map(([, c]) => c))].slice(0, max);
}
