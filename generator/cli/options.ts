/** Parsers for numeric command-line options, failing with a LutnnError that names the option. */
import { LutnnError } from '../errors.ts';

export function parseIntOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: `an integer >= ${min}`, found: JSON.stringify(value) });
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
