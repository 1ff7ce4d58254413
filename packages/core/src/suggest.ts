// "Did you mean …?" hints for misspelt option names and values.

/** Levenshtein distance, bounded: returns `limit + 1` as soon as the distance exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest known name within `limit` edits (default: a third of the name, 1 to 3), or undefined. */
export function closest(name: string, known: Iterable<string>, limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)))): string | undefined {
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase(), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** " Did you mean `x`?" or an empty string. */
export function didYouMean(name: string, known: readonly string[]): string {
  const hit = closest(name, known);
  return hit ? ` Did you mean \`${hit}\`?` : '';
}
