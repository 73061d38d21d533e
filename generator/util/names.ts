/** Names taken from users' files, made into artifact identifiers (/^[A-Za-z][A-Za-z0-9_]*$/, ≤ 64). */

export function safeName(raw: string, fallback: string): string {
  const s = raw.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '');
  return (/^[A-Za-z]/.test(s) ? s : `${fallback}${s ? `_${s}` : ''}`).slice(0, 64);
}

/** `name`, or `name_2`, `name_3`, … when an earlier layer already uses it. */
export function uniqueName(name: string, taken: { name: string }[]): string {
  const used = new Set(taken.map((t) => t.name));
  if (!used.has(name)) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name.slice(0, 60)}_${i}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** Natural order of layer names: fc1 < fc2 < fc10. */
export const naturalOrder = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
