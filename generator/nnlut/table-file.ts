/**
 * NN-LUT table files. `lutnn fit-nnlut` writes a `lutnn-nnlut` file whose table fields are exactly
 * those of an nnlut layer in model.json (docs/artifact-format.md); the importer also reads the
 * public NN-LUT JSON `{op, hidden, cut_points, slopes, biases}` with ±inf end points.
 *
 * Breakpoints must be non-decreasing: a repeated value is an empty segment (the real NN-LUT
 * tables have them, e.g. two ReLU units with the same cut), which no input selects — segment =
 * the number of breakpoints ≤ x. A decrease is refused, naming the index.
 */
import { readInputText } from '../util/read-input.ts';
import type { RangeReduction } from '../artifact/types.ts';
import { LutnnError, describeValue } from '../errors.ts';
import type { StreamFormat } from '../artifact/types.ts';
import type { FitResult } from './fit.ts';
import { NNLUT_JSON_OPS } from './functions.ts';
import { writeOutputAtomically, type OutputTarget } from './output-file.ts';

export const NNLUT_FILE_FORMAT = 'lutnn-nnlut';

export interface NnlutTableFile {
  /** Which of the two formats the file is. */
  source: 'lutnn-nnlut' | 'nnlut-json';
  /** Function name: a lutnn-nnlut file's `function`, an NN-LUT JSON file's `op`. */
  function: string | null;
  /** Range the table is judged on by default: the fit range, or the range NN-LUT trained the op on. */
  range: [number, number] | null;
  input: StreamFormat | null;
  output: StreamFormat | null;
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

/**
 * Where a table file may be written: a new path, or an existing lutnn-nnlut table (which lutnn
 * wrote); anything else — a folder, a public NN-LUT JSON, an unrelated file — only with `force`
 * (a folder never).
 */
export function tableOutputTarget(path: string, force = false, flag = '-o/--out'): OutputTarget {
  return {
    path,
    flag,
    what: 'NN-LUT table file',
    example: 'table.json',
    replaceable: `a lutnn-nnlut table (format "${NNLUT_FILE_FORMAT}") written by lutnn fit-nnlut`,
    force,
    foreign(content) {
      let raw: unknown;
      try {
        raw = parseLenientJson(content, path);
      } catch {
        return 'a file that is not JSON';
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `JSON that is not an object (${describeValue(raw)})`;
      const r = raw as Record<string, unknown>;
      if (r.format === NNLUT_FILE_FORMAT) return null;
      if ('cut_points' in r) return `a public NN-LUT JSON table${typeof r.op === 'string' ? ` (op ${JSON.stringify(r.op)})` : ''}, not a file lutnn wrote`;
      return r.format === undefined ? 'a JSON object without "format"' : `a JSON file of format ${describeValue(r.format)}`;
    },
  };
}

/** Writes a fit result atomically (temp file + rename), refusing to replace a file lutnn did not write unless `force`. */
export async function writeFitResult(path: string, r: FitResult, command?: string, force = false): Promise<void> {
  await writeOutputAtomically(tableOutputTarget(path, force), `${JSON.stringify(fitResultJson(r, command), null, 2)}\n`);
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

/** Non-decreasing: an equal neighbour is an empty segment; a decrease is refused, naming the index. */
function requireNonDecreasing(values: number[], key: string, file: string, offset = 0): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i] >= values[i - 1]) continue;
    throw new LutnnError(`"${key}" must be non-decreasing (sorted; a repeated value is an empty segment).`, {
      file,
      field: `${key}[${i + offset}]`,
      expected: `a value ≥ ${key}[${i + offset - 1}] = ${values[i - 1]}`,
      found: String(values[i]),
    });
  }
}

const RANGE_REDUCTIONS: readonly RangeReduction[] = ['none', 'reciprocal', 'rsqrt'];

/**
 * The public NN-LUT JSON: cut_points = [−inf, d_1 … d_H, +inf] (H = `hidden` ReLU units), one slope
 * and bias per segment (H + 1); segment i covers d_i ≤ x < d_{i+1} (Python's bisect_right: a point
 * on a cut goes right), which is lutnn's rule. NN-LUT has no range reduction: the table takes x
 * itself whatever the op (so `divide` / `invsqrt` are 1/x and 1/sqrt(x) without it). A known op
 * (NNLUT_JSON_OPS) brings the range NN-LUT trained it on as the default judging range.
 */
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
  requireNonDecreasing(inner, 'cut_points', file, 1);
  for (const [key, values] of [['slopes', slopes], ['biases', biases]] as const) {
    if (values.length !== cuts.length - 1) throw new LutnnError(`NN-LUT "${key}" needs one value per segment.`, { file, field: key, expected: `${cuts.length - 1} values (cut_points − 1)`, found: `${values.length}` });
    requireFinite(values, key, file);
  }
  if (typeof r.hidden === 'number' && r.hidden !== inner.length) {
    throw new LutnnError('NN-LUT "hidden" does not match the cut points.', { file, field: 'hidden', expected: `${inner.length} (one inner cut point per ReLU unit)`, found: String(r.hidden) });
  }
  const op = typeof r.op === 'string' ? r.op : null;
  const known = op !== null && Object.hasOwn(NNLUT_JSON_OPS, op) ? NNLUT_JSON_OPS[op] : undefined;
  return {
    source: 'nnlut-json',
    function: known ? known.function : op,
    range: known ? [...known.trainedRange] : null,
    input: null,
    output: null,
    rangeReduction: 'none',
    coefficientBits: 16,
    breakpoints: inner,
    slopes,
    intercepts: biases,
  };
}

function format(v: unknown, key: string, file: string): StreamFormat {
  const o = v as { bits?: unknown; scale?: unknown };
  if (typeof o?.bits !== 'number' || typeof o?.scale !== 'number' || !(o.scale > 0)) throw new LutnnError(`Invalid "${key}" format in the table file.`, { file, field: key, expected: '{ "bits": b, "scale": s }', found: describeValue(v) });
  return { bits: o.bits, scale: o.scale };
}

/** Reads a lutnn-nnlut file or a public NN-LUT JSON file. */
export async function readNnlutTableFile(file: string): Promise<NnlutTableFile> {
  const text = await readInputText(file, 'NN-LUT table file', 'a readable JSON file');
  const raw = parseLenientJson(text, file);
  if ((raw as { format?: unknown })?.format !== NNLUT_FILE_FORMAT) return importNnlutJson(raw, file);
  const r = raw as Record<string, unknown>;
  const breakpoints = numberArray(r, 'breakpoints', file);
  const slopes = numberArray(r, 'slopes', file);
  const intercepts = numberArray(r, 'intercepts', file);
  requireFinite(breakpoints, 'breakpoints', file);
  requireFinite(slopes, 'slopes', file);
  requireFinite(intercepts, 'intercepts', file);
  requireNonDecreasing(breakpoints, 'breakpoints', file);
  if (slopes.length !== breakpoints.length + 1 || intercepts.length !== breakpoints.length + 1) {
    throw new LutnnError('The table needs one slope and one intercept per segment.', { file, field: 'slopes, intercepts', expected: `${breakpoints.length + 1} values each`, found: `${slopes.length} and ${intercepts.length}` });
  }
  const range = Array.isArray(r.range) && r.range.length === 2 ? ([toNumber(r.range[0]), toNumber(r.range[1])] as [number, number]) : null;
  const mode = r.range_reduction ?? 'none';
  if (!RANGE_REDUCTIONS.includes(mode as RangeReduction)) {
    throw new LutnnError('Invalid "range_reduction" in the table file.', { file, field: 'range_reduction', expected: RANGE_REDUCTIONS.map((m) => `"${m}"`).join(', '), found: describeValue(mode) });
  }
  return {
    source: 'lutnn-nnlut',
    function: typeof r.function === 'string' ? r.function : null,
    range: range && range.every(Number.isFinite) && range[0] < range[1] ? range : null,
    input: format(r.input, 'input', file),
    output: format(r.output, 'output', file),
    rangeReduction: mode as RangeReduction,
    coefficientBits: typeof r.coefficient_bits === 'number' ? r.coefficient_bits : 16,
    breakpoints,
    slopes,
    intercepts,
  };
}

/** An nnlut layer for model.json from a table file. */
export function nnlutManifestLayer(t: NnlutTableFile & { input: StreamFormat; output: StreamFormat }, name: string, features: number): object {
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
