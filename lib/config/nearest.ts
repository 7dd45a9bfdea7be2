// "Did you mean …?" for a misspelt config key: the known key at the smallest edit distance, if it is close.

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * ` (did you mean x?)`, or '' when no known key is close: within a third of the key's length (at least 2 edits), or
 * the start of one (`linger` → `linger_ms`).
 */
export function didYouMean(key: string, known: readonly string[]): string {
  // Config keys are short; a bounded input keeps this cheap whatever a file contains.
  const typed = key.slice(0, 64).toLowerCase();
  const limit = Math.max(2, Math.floor(typed.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const lower = name.toLowerCase();
    const shortened = typed.length >= 4 && lower.startsWith(typed);
    const distance = editDistance(typed, lower);
    if ((distance <= limit || shortened) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? ` (did you mean ${best.name}?)` : '';
}
