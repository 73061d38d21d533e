/**
 * NN-LUT table files. `lutnn fit-nnlut` writes a `lutnn-nnlut` file whose table fields are exactly
 * those of an nnlut layer in model.json (docs/artifact-format.md); the importer also reads the
 * public NN-LUT JSON `{op, hidden, cut_points, slopes, biases}` with ±inf end points.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { RangeReduction } from '../artifact/types.ts';
import { LutnnError, describeValue } from '../errors.ts';
import type { StreamFmt } from '../numeric/nnlut.ts';
import type { FitResult } from './fit.ts';

export const NNLUT_FILE_FORMAT = 'lutnn-nnlut';

export interface NnlutTableFile {
  function: string | null;
  range: [number, number] | null;
  input: StreamFmt | null;
  output: StreamFmt | null;
  rangeReduction: RangeReduction;
  coefficientBits: number;
  breakpoints: number[];
  slopes: number[];
  intercepts: number[];
}

export function fitResultJson(r: FitResult, command?: string): object {
  return {
    format: NNLUT_FILE_FORMAT,
    format_version: 1,
    function: r.function,
    range: r.range,
    ...(command ? { command } : {}),
    input: r.input,
    output: r.output,
    range_reduction: r.rangeReduction,
    coefficient_bits: r.coefficientBits,
    breakpoints: r.table.breakpoints,
    slopes: r.table.slopes,
    intercepts: r.table.intercepts,
    fit: {
      method: r.method,
      seed: r.seed,
      segments: r.segments,
      frac_bits: r.quantized.fracBits,
      max_abs_error: r.errors.maxAbs,
      mean_abs_error: r.errors.meanAbs,
      max_rel_error: r.errors.maxRel,
      candidates: r.candidates,
    },
  };
}

export async function writeFitResult(path: string, r: FitResult, command?: string): Promise<void> {
  await writeFile(path, `${JSON.stringify(fitResultJson(r, command), null, 2)}\n`);
}

/** JSON with Python's bare Infinity / -Infinity / NaN tokens (json.dumps writes them) turned into strings. */
export function parseLenientJson(text: string, file: string): unknown {
  const quoted = text.replace(/(?<=[[,:\s])(-?Infinity|NaN)(?=\s*[\],}])/g, '"$1"');
  try {
    return JSON.parse(quoted);
  } catch (err) {
    throw new LutnnError('The NN-LUT table file is not valid JSON.', { file, expected: 'JSON', found: (err as Error).message });
  }
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'inf' || s === '+inf' || s === 'infinity' || s === '+infinity') return Infinity;
    if (s === '-inf' || s === '-infinity') return -Infinity;
    if (s === 'nan') return NaN;
  }
  return NaN;
}

function numberArray(raw: Record<string, unknown>, key: string, file: string): number[] {
  const v = raw[key];
  if (!Array.isArray(v)) throw new LutnnError(`Missing or invalid "${key}" in the NN-LUT table file.`, { file, field: key, expected: 'an array of numbers', found: describeValue(v) });
  return v.map(toNumber);
}

function requireFinite(values: number[], key: string, file: string, from = 0, to = values.length): void {
  for (let i = from; i < to; i++) {
    if (Number.isFinite(values[i])) continue;
    throw new LutnnError(`Non-finite value in "${key}" of the NN-LUT table file.`, { file, field: `${key}[${i}]`, expected: 'a finite number', found: describeValue(values[i]) });
  }
}

function requireIncreasing(values: number[], key: string, file: string, offset = 0): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i] > values[i - 1]) continue;
    throw new LutnnError(`"${key}" must be strictly increasing.`, { file, field: `${key}[${i + offset}]`, expected: `a value > ${values[i - 1]}`, found: String(values[i]) });
  }
}

/** The public NN-LUT JSON: cut_points = [−inf, d_1 … d_{N−1}, +inf], one slope and bias per segment. */
export function importNnlutJson(raw: unknown, file: string): NnlutTableFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LutnnError('The NN-LUT table file is not a JSON object.', { file, expected: '{op, hidden, cut_points, slopes, biases}', found: describeValue(raw) });
  const r = raw as Record<string, unknown>;
  const cuts = numberArray(r, 'cut_points', file);
  const slopes = numberArray(r, 'slopes', file);
  const biases = numberArray(r, 'biases', file);
  if (cuts.length < 3 || cuts[0] !== -Infinity || cuts[cuts.length - 1] !== Infinity) {
    throw new LutnnError('NN-LUT cut_points must run from -inf to +inf.', { file, field: 'cut_points', expected: '[-inf, d_1, …, d_{N-1}, +inf] with N ≥ 2', found: `${cuts.length} values from ${cuts[0]} to ${cuts[cuts.length - 1]}` });
  }
  requireFinite(cuts, 'cut_points', file, 1, cuts.length - 1);
  const inner = cuts.slice(1, -1);
  requireIncreasing(inner, 'cut_points', file, 1);
  for (const [key, values] of [['slopes', slopes], ['biases', biases]] as const) {
    if (values.length !== cuts.length - 1) throw new LutnnError(`NN-LUT "${key}" needs one value per segment.`, { file, field: key, expected: `${cuts.length - 1} values (cut_points − 1)`, found: `${values.length}` });
    requireFinite(values, key, file);
  }
  const op = typeof r.op === 'string' ? r.op : null;
  const mode: RangeReduction = op === 'rsqrt' || op === 'reciprocal' ? op : 'none';
  return { function: op, range: null, input: null, output: null, rangeReduction: mode, coefficientBits: 16, breakpoints: inner, slopes, intercepts: biases };
}

function format(v: unknown, key: string, file: string): StreamFmt {
  const o = v as { bits?: unknown; scale?: unknown };
  if (typeof o?.bits !== 'number' || typeof o?.scale !== 'number' || !(o.scale > 0)) throw new LutnnError(`Invalid "${key}" format in the table file.`, { file, field: key, expected: '{ "bits": b, "scale": s }', found: describeValue(v) });
  return { bits: o.bits, scale: o.scale };
}

/** Reads a lutnn-nnlut file or a public NN-LUT JSON file. */
export async function readNnlutTableFile(file: string): Promise<NnlutTableFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LutnnError('Cannot read the NN-LUT table file.', { file, expected: 'a readable JSON file', found: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
  const raw = parseLenientJson(text, file);
  if ((raw as { format?: unknown })?.format !== NNLUT_FILE_FORMAT) return importNnlutJson(raw, file);
  const r = raw as Record<string, unknown>;
  const breakpoints = numberArray(r, 'breakpoints', file);
  const slopes = numberArray(r, 'slopes', file);
  const intercepts = numberArray(r, 'intercepts', file);
  requireFinite(breakpoints, 'breakpoints', file);
  requireFinite(slopes, 'slopes', file);
  requireFinite(intercepts, 'intercepts', file);
  requireIncreasing(breakpoints, 'breakpoints', file);
  if (slopes.length !== breakpoints.length + 1 || intercepts.length !== breakpoints.length + 1) {
    throw new LutnnError('The table needs one slope and one intercept per segment.', { file, field: 'slopes, intercepts', expected: `${breakpoints.length + 1} values each`, found: `${slopes.length} and ${intercepts.length}` });
  }
  const range = Array.isArray(r.range) && r.range.length === 2 ? ([toNumber(r.range[0]), toNumber(r.range[1])] as [number, number]) : null;
  return {
    function: typeof r.function === 'string' ? r.function : null,
    range,
    input: format(r.input, 'input', file),
    output: format(r.output, 'output', file),
    rangeReduction: (r.range_reduction as RangeReduction) ?? 'none',
    coefficientBits: typeof r.coefficient_bits === 'number' ? r.coefficient_bits : 16,
    breakpoints,
    slopes,
    intercepts,
  };
}

/** An nnlut layer for model.json from a table file. */
export function nnlutManifestLayer(t: NnlutTableFile & { input: StreamFmt; output: StreamFmt }, name: string, features: number): object {
  return {
    name,
    kind: 'nnlut',
    features,
    ...(t.function ? { function: t.function } : {}),
    input: t.input,
    output: t.output,
    range_reduction: t.rangeReduction,
    coefficient_bits: t.coefficientBits,
    breakpoints: t.breakpoints,
    slopes: t.slopes,
    intercepts: t.intercepts,
  };
}
