/**
 * Turn zod validation issues into one LutnnError that names the file, the dotted field, what was
 * expected and what was found. Shared by every validated input (artifact manifest, hw config).
 */
import { z } from 'zod';
import { describeValue, LutnnError } from '../errors.ts';

/** Strict object whose unknown-field message lists the known fields, so a typo is easy to spot. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).strict({ message: `only the known fields: ${Object.keys(shape).join(', ')}` });
}

/** `['layers', 0, 'input', 'bits']` -> `layers[0].input.bits`. */
export function formatPath(segments: readonly (string | number)[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let value = root;
  for (const s of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, s)) return undefined;
    value = (value as Record<string | number, unknown>)[s];
  }
  return value;
}

/** Like describeValue, but shows an object's fields, which is what matters in a config file. */
export function describeFound(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with fields: ${keys.join(', ')}`;
  }
  if (typeof value === 'boolean') return String(value);
  return describeValue(value);
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The expectation for zod's built-in issues, which carry no message of ours. */
function expectationOf(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // Enums report their options as the expected "type": `'none' | 'relu'`.
      return issue.expected.includes("'")
        ? `one of ${issue.expected.replaceAll("'", '"').split(' | ').join(', ')}`
        : withArticle(issue.expected);
    case 'invalid_literal':
      return JSON.stringify(issue.expected);
    case 'invalid_enum_value':
      return `one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'invalid_union_discriminator':
      // The manifest's discriminated unions: layers (`layers[i].kind`) and encoders (`….encoder.kind`).
      return `one of the known ${issue.path.at(-2) === 'encoder' ? 'encoder' : 'layer'} kinds: ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** Headline of the error for one issue; callers may supply their own wording. */
export type Summarize = (issue: z.ZodIssue, field: string, value: unknown) => string;

/** The first issue as a LutnnError (with a count of the others). `what` names the input, e.g. "hardware config". */
export function zodIssuesToError(issues: readonly z.ZodIssue[], raw: unknown, file: string, what: string, summarize?: Summarize): LutnnError {
  const issue = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';

  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.length === 0 ? 'the top level' : formatPath(issue.path);
    const key = issue.keys[0];
    return new LutnnError(`Unknown field ${JSON.stringify(key)} in ${parent} of the ${what}${more}`, {
      file,
      field: formatPath([...issue.path, key]),
      expected: expectationOf(issue),
      found: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
    });
  }

  const field = issue.path.length === 0 ? '(top level)' : formatPath(issue.path);
  const value = valueAt(raw, issue.path);
  const summary = summarize?.(issue, field, value) ?? `Invalid ${field} in the ${what}`;
  return new LutnnError(summary + more, { file, field, expected: expectationOf(issue), found: describeFound(value) });
}
