/** Turn a zod issue into a LutnnError that names the file, the dotted field, expected and found. */
import type { ZodIssue } from 'zod';
import { describeValue, LutnnError } from '../errors.ts';

/** `layers[0].input.bits` style path. */
export function dottedPath(path: (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return cur;
}

function expectedFromIssue(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected;
    case 'invalid_enum_value':
      return `one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'invalid_literal':
      return JSON.stringify(issue.expected);
    case 'too_small':
      return `${issue.type === 'array' ? 'length' : 'a value'} ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return `${issue.type === 'array' ? 'length' : 'a value'} ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'unrecognized_keys':
      return 'only documented fields';
    default:
      return issue.message;
  }
}

export function zodIssueToError(issue: ZodIssue, root: unknown, file: string, what: string): LutnnError {
  if (issue.code === 'unrecognized_keys') {
    const field = dottedPath([...issue.path, issue.keys[0]]);
    return new LutnnError(`Unknown field in the ${what}.`, {
      file,
      field,
      expected: 'only documented fields (check the spelling)',
      found: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
    });
  }
  const found = valueAt(root, issue.path);
  return new LutnnError(`Invalid ${what}: ${issue.message}.`, {
    file,
    field: dottedPath(issue.path),
    expected: expectedFromIssue(issue),
    found: describeValue(found),
  });
}
