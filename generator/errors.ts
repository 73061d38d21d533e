/**
 * User-facing errors. Every problem with a user's input is reported as a LutnnError that names
 * where the problem is (file, field or tensor), what was expected and what was found. The CLI
 * prints `message` without a stack trace and exits non-zero.
 */
export interface ErrorLocation {
  /** File the problem is in (artifact manifest, tensor file, hardware config). */
  file?: string;
  /** Dotted path of the offending field or tensor name, e.g. `layers[0].input.bits` or `tensor fc1.lut`. */
  field?: string;
  /** What the tool expected, in words. */
  expected?: string;
  /** What it found instead, in words. */
  found?: string;
}

export class LutnnError extends Error {
  readonly location: ErrorLocation;

  constructor(summary: string, location: ErrorLocation = {}) {
    super(LutnnError.format(summary, location));
    this.name = 'LutnnError';
    this.location = location;
  }

  private static format(summary: string, loc: ErrorLocation): string {
    const lines = [summary];
    if (loc.file !== undefined) lines.push(`  file:     ${loc.file}`);
    if (loc.field !== undefined) lines.push(`  field:    ${loc.field}`);
    if (loc.expected !== undefined) lines.push(`  expected: ${loc.expected}`);
    if (loc.found !== undefined) lines.push(`  found:    ${loc.found}`);
    return lines.join('\n');
  }
}

/** Short description of a value for error messages (never dumps a large object). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}
