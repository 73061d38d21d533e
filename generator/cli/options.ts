/** Parsers for numeric command-line options, failing with a LutnnError that names the option. */
import { LutnnError } from '../errors.ts';

export function parseIntOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: range, found: JSON.stringify(value) });
    }
    return n;
  };
}

export function parseProbability(name: string) {
  return (value: string): number => {
    const p = Number(value);
    if (!(p >= 0 && p < 1)) throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: 'a probability in [0, 1)', found: JSON.stringify(value) });
    return p;
  };
}

export function parseNonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n >= 0) || !Number.isFinite(n)) throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: 'a finite number >= 0', found: JSON.stringify(value) });
    return n;
  };
}
