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

/** `V` or `name=V,…` with at most one bare `V` (the default): sub-vector lengths, per layer where named. */
export function parseSubvectorLens(name: string) {
  const int = parseIntOption(name, 1);
  return (value: string): { all?: number; layers: Record<string, number> } => {
    const out: { all?: number; layers: Record<string, number> } = { layers: {} };
    for (const part of value.split(',').map((x) => x.trim())) {
      const eq = part.indexOf('=');
      if (eq < 0) {
        if (out.all !== undefined) throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: 'one default V and name=V entries, e.g. "4" or "conv1=9,fc=4" or "conv1=9,4"', found: JSON.stringify(value) });
        out.all = int(part);
      } else {
        const layer = part.slice(0, eq).trim();
        if (!layer) throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: 'name=V entries with a layer name', found: JSON.stringify(part) });
        out.layers[layer] = int(part.slice(eq + 1).trim());
      }
    }
    return out;
  };
}
