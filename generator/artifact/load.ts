/**
 * Loads an artifact (model.json + safetensors, format v1) into the validated in-memory form of
 * types.ts. The manifest schema (schema.ts) checks what the manifest alone can decide; this file
 * cross-checks the manifest against the tensors: presence, shapes, dtypes, finiteness and
 * integer ranges. Everything downstream may assume these invariants hold.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LutnnError, describeValue } from '../errors.ts';
import { assertNever } from '../util/assert-never.ts';
import { readInputFile } from '../util/read-input.ts';
import { parseManifest, type ManifestElementwiseStep, type ManifestLayer, type ManifestLutConv2dLayer, type ManifestLutLinearLayer, type ManifestMaxPool2dLayer, type ManifestAvgPool2dLayer, type ManifestNnlutLayer } from './schema.ts';
import { isFloatDtype, parseSafetensors } from './safetensors.ts';
import type { Artifact, AvgPool2dLayer, Conv2dGeometry, HashTreeArtifactEncoder, Layer, LutConv2dLayer, LutLinearEncoder, LutLinearLayer, NnlutLayer, StreamFormat, TableSource, Tensor } from './types.ts';

/** What layer builders need to look tensors up and to name files in errors. */
interface LoadContext {
  manifestFile: string;
  tensorsFile: string;
  tensors: Map<string, Tensor>;
}

/** A tensor together with the manifest field that referenced it, for error messages. */
interface TensorRef {
  tensor: Tensor;
  /** e.g. `tensor "fc1.lut" (layers[0].tensors.lut)` */
  label: string;
}

/** Loads and fully validates an artifact. Every problem is reported as a LutnnError. */
export async function loadArtifact(manifestPath: string): Promise<Artifact> {
  const manifestFile = path.resolve(manifestPath);
  const manifestBytes = await readInputFile(manifestFile, 'Artifact manifest', 'model.json of a LUT-NN artifact');
  const manifest = parseManifest(parseManifestJson(manifestBytes, manifestFile), manifestFile);

  const tensorsFile = resolveTensorsPath(manifestFile, manifest.tensors);
  const tensorBytes = await readInputFile(
    tensorsFile,
    `Tensor file ${JSON.stringify(manifest.tensors)} named by ${path.basename(manifestFile)}`,
    'a safetensors file',
  );
  const ctx: LoadContext = { manifestFile, tensorsFile, tensors: parseSafetensors(tensorBytes, tensorsFile).tensors };

  return {
    manifestPath: manifestFile,
    tensorsPath: tensorsFile,
    name: manifest.name,
    sha256: createHash('sha256').update(manifestBytes).update(tensorBytes).digest('hex'),
    layers: manifest.layers.map((layer, i) => buildLayer(layer, i, ctx)),
  };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** Parses model.json text, turning JSON.parse's character offset into a line and column. */
export function parseManifestJson(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    // TextDecoder drops a leading UTF-8 BOM, which some Windows editors write and JSON.parse rejects.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LutnnError('Artifact manifest is not valid UTF-8 text', { file, expected: 'UTF-8 JSON', found: 'invalid UTF-8 bytes' });
  }
  if (text.trim() === '') {
    throw new LutnnError('Artifact manifest is empty', { file, expected: 'a JSON object', found: 'an empty file' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // Node 20's JSON.parse messages only sometimes carry a position, so find it ourselves.
    const offset = jsonSyntaxErrorOffset(text);
    const where = offset === undefined ? '' : ` at ${lineColumn(text, offset)}`;
    throw new LutnnError(`Artifact manifest is not valid JSON${where}`, {
      file,
      expected: 'valid JSON',
      // V8 quotes the offending text, newlines included; keep the report on one line.
      found: (err as Error).message.replace(/\r?\n/g, '\\n'),
    });
  }
}

/**
 * Offset of the first JSON syntax error in `text` (RFC 8259 grammar), or undefined if none is
 * found. Only called after JSON.parse failed, to point the user at the right line.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err.offset;
    return undefined; // e.g. stack overflow on absurd nesting: no position rather than a crash
  }
}

class JsonSyntaxError extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}

/** Recursive-descent recogniser: validates structure only, builds no values. */
class JsonScanner {
  private i = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.skipWhitespace();
    if (this.i < this.text.length) this.fail();
  }

  private fail(): never {
    throw new JsonSyntaxError(this.i);
  }

  private skipWhitespace(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i])) this.i++;
  }

  private expect(char: string): void {
    if (this.text[this.i] !== char) this.fail();
    this.i++;
  }

  private value(): void {
    this.skipWhitespace();
    const c = this.text[this.i];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c >= '0' && c <= '9')) this.number();
    else this.literal();
  }

  private object(): void {
    this.expect('{');
    this.skipWhitespace();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      this.string();
      this.skipWhitespace();
      this.expect(':');
      this.value();
      this.skipWhitespace();
      if (this.text[this.i] === '}') {
        this.i++;
        return;
      }
      this.expect(',');
    }
  }

  private array(): void {
    this.expect('[');
    this.skipWhitespace();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.skipWhitespace();
      if (this.text[this.i] === ']') {
        this.i++;
        return;
      }
      this.expect(',');
    }
  }

  private string(): void {
    this.expect('"');
    for (;;) {
      if (this.i >= this.text.length) this.fail();
      const c = this.text[this.i];
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < ' ') this.fail();
      if (c === '\\') this.escape();
      else this.i++;
    }
  }

  private escape(): void {
    this.i++; // the backslash
    const c = this.text[this.i];
    if (c !== undefined && '"\\/bfnrt'.includes(c)) {
      this.i++;
      return;
    }
    if (c !== 'u') this.fail();
    this.i++;
    for (let k = 0; k < 4; k++) {
      if (!/[0-9a-fA-F]/.test(this.text[this.i] ?? '')) this.fail();
      this.i++;
    }
  }

  private number(): void {
    const pattern = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    pattern.lastIndex = this.i;
    const match = pattern.exec(this.text);
    if (match === null) this.fail();
    this.i += match[0].length;
  }

  private literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail();
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/**
 * The schema already refuses absolute paths and `..`; this re-checks the resolved result so the
 * containment guarantee does not depend on the string rules alone.
 */
function resolveTensorsPath(manifestFile: string, relative: string): string {
  const dir = path.dirname(manifestFile);
  const resolved = path.resolve(dir, relative);
  const rel = path.relative(dir, resolved);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new LutnnError('Tensor file path escapes the artifact folder', {
      file: manifestFile,
      field: 'tensors',
      expected: `a file inside ${dir}`,
      found: describeValue(relative),
    });
  }
  return resolved;
}

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

function buildLayer(layer: ManifestLayer, index: number, ctx: LoadContext): Layer {
  switch (layer.kind) {
    case 'lut_linear':
      return buildLutLinear(layer, index, ctx);
    case 'lut_conv2d':
      return buildLutConv2d(layer, index, ctx);
    case 'maxpool2d':
      return { kind: 'maxpool2d', name: layer.name, ...poolGeometry(layer, 'max', index, ctx) };
    case 'avgpool2d':
      return buildAvgPool2d(layer, index, ctx);
    case 'nnlut':
      return buildNnlut(layer, index, ctx);
    case 'requant':
    case 'relu':
      return buildElementwiseStep(layer);
    default:
      return assertNever(layer);
  }
}

/**
 * `requant` and `relu` steps are two-segment nnlut tables that are exact by construction:
 * y = x (requant) or max(0, x) (relu) in real units, so the unit computes
 * sat(round_half_up(x · s_in/s_out)) with the NN-LUT datapath (docs/number-formats.md §6).
 */
function buildElementwiseStep(l: ManifestElementwiseStep): NnlutLayer {
  return {
    kind: 'nnlut',
    name: l.name,
    features: l.features,
    function: l.kind,
    input: { bits: l.input.bits, scale: l.input.scale },
    output: { bits: l.output.bits, scale: l.output.scale },
    rangeReduction: 'none',
    coefficientBits: 24,
    breakpoints: [0],
    slopes: l.kind === 'relu' ? [0, 1] : [1, 1],
    intercepts: [0, 0],
  };
}

/**
 * nnlut tables are inline in the manifest; the schema has checked finiteness, here order and
 * lengths. Breakpoints must be non-decreasing: a repeated value is an empty segment that no input
 * selects (segment = number of breakpoints ≤ x), as in real NN-LUT tables; a decrease is refused.
 */
function buildNnlut(l: ManifestNnlutLayer, index: number, ctx: LoadContext): NnlutLayer {
  const where = `layers[${index}]`;
  for (let i = 1; i < l.breakpoints.length; i++) {
    if (l.breakpoints[i] >= l.breakpoints[i - 1]) continue;
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: nnlut breakpoints must be non-decreasing (sorted; a repeated value is an empty segment)`, {
      file: ctx.manifestFile,
      field: `${where}.breakpoints[${i}]`,
      expected: `a value ≥ breakpoints[${i - 1}] = ${l.breakpoints[i - 1]}`,
      found: String(l.breakpoints[i]),
    });
  }
  const n = l.breakpoints.length + 1;
  for (const key of ['slopes', 'intercepts'] as const) {
    if (l[key].length === n) continue;
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: one ${key.slice(0, -1)} per segment`, {
      file: ctx.manifestFile,
      field: `${where}.${key}`,
      expected: `${n} values (${l.breakpoints.length} breakpoints + 1)`,
      found: `${l[key].length} values`,
    });
  }
  return {
    kind: 'nnlut',
    name: l.name,
    features: l.features,
    function: l.function ?? null,
    input: { bits: l.input.bits, scale: l.input.scale },
    output: { bits: l.output.bits, scale: l.output.scale },
    rangeReduction: l.range_reduction,
    coefficientBits: l.coefficient_bits,
    breakpoints: [...l.breakpoints],
    slopes: [...l.slopes],
    intercepts: [...l.intercepts],
  };
}

function buildLutLinear(l: ManifestLutLinearLayer, index: number, ctx: LoadContext): LutLinearLayer {
  const where = `layers[${index}]`;
  checkFeatureCount(l, where, ctx);
  const C = l.num_codebooks;
  const K = l.num_centroids;
  const V = l.subvector_len;
  const M = l.out_features;

  const encoder = buildEncoder(l, where, ctx);
  const centroids = buildCentroids(l, encoder, where, ctx);

  const layer: LutLinearLayer = {
    kind: 'lut_linear',
    name: l.name,
    inFeatures: l.in_features,
    outFeatures: M,
    numCodebooks: C,
    numCentroids: K,
    subvectorLen: V,
    metric: l.metric,
    encoder,
    input: { bits: l.input.bits, scale: l.input.scale },
    output: { bits: l.output.bits, scale: l.output.scale },
    activation: l.activation,
    tableBits: l.table.bits,
    centroids: centroids?.tensor ?? null,
    table: buildTableSource(l, where, ctx),
  };
  if (l.tensors.bias !== undefined) layer.bias = buildBias(l, l.tensors.bias, where, ctx);
  return layer;
}

/** Each kernel dimension at most the padded image's (so there is an output pixel). */
function checkKernelFits(name: string, size: [number, number], kernel: [number, number], padding: [number, number], where: string, ctx: LoadContext): void {
  for (const d of [0, 1]) {
    if (size[d] + 2 * padding[d] >= kernel[d]) continue;
    throw new LutnnError(`Layer ${JSON.stringify(name)}: the kernel is larger than the padded image`, {
      file: ctx.manifestFile,
      field: `${where}.kernel_size[${d}]`,
      expected: `at most ${d === 0 ? 'height' : 'width'} + 2 * padding[${d}] = ${size[d] + 2 * padding[d]}`,
      found: String(kernel[d]),
    });
  }
}

/** A pool's geometry and format by PyTorch's rules (stride defaults to the kernel; padding at most half the kernel). */
function poolGeometry(l: ManifestMaxPool2dLayer | ManifestAvgPool2dLayer, op: 'max' | 'average', index: number, ctx: LoadContext): { conv: Conv2dGeometry; format: StreamFormat } {
  const where = `layers[${index}]`;
  for (const d of [0, 1]) {
    if (2 * l.padding[d] <= l.kernel_size[d]) continue;
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: ${op}-pool padding must be at most half the kernel (PyTorch's rule)`, {
      file: ctx.manifestFile,
      field: `${where}.padding[${d}]`,
      expected: `at most kernel_size[${d}] / 2 = ${Math.floor(l.kernel_size[d] / 2)}`,
      found: String(l.padding[d]),
    });
  }
  checkKernelFits(l.name, [l.height, l.width], l.kernel_size, l.padding, where, ctx);
  const stride = l.stride ?? l.kernel_size;
  return {
    conv: { inChannels: l.channels, height: l.height, width: l.width, kernel: [l.kernel_size[0], l.kernel_size[1]], stride: [stride[0], stride[1]], padding: [l.padding[0], l.padding[1]] },
    format: { bits: l.format.bits, scale: l.format.scale },
  };
}

/** Average pooling: a pool's rules, and padding that counts in the divisor (the divisor of a window without padding is the same either way). */
function buildAvgPool2d(l: ManifestAvgPool2dLayer, index: number, ctx: LoadContext): AvgPool2dLayer {
  if (!l.count_include_pad && (l.padding[0] > 0 || l.padding[1] > 0)) {
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: average pooling that leaves the padding out of the divisor is not built`, {
      file: ctx.manifestFile,
      field: `layers[${index}].count_include_pad`,
      expected: 'true (PyTorch\'s default: every window divides by kh·kw), or padding [0, 0]',
      found: `false with padding [${l.padding.join(', ')}]`,
    });
  }
  return { kind: 'avgpool2d', name: l.name, ...poolGeometry(l, 'average', index, ctx) };
}

/**
 * A convolution is its patch layer (in_features = in_channels · kh · kw, out_features =
 * out_channels) plus its geometry; the patch layer's tensors are checked as a lut_linear layer's.
 */
function buildLutConv2d(l: ManifestLutConv2dLayer, index: number, ctx: LoadContext): LutConv2dLayer {
  const where = `layers[${index}]`;
  const [kh, kw] = l.kernel_size;
  const patch = l.in_channels * kh * kw;
  const product = l.num_codebooks * l.subvector_len;
  if (product !== patch) {
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: a patch of in_channels * kh * kw elements must split into num_codebooks sub-vectors of subvector_len`, {
      file: ctx.manifestFile,
      field: `${where}.num_codebooks, ${where}.subvector_len`,
      expected: `num_codebooks * subvector_len = ${l.in_channels} * ${kh} * ${kw} = ${patch}`,
      found: `${l.num_codebooks} * ${l.subvector_len} = ${product}`,
    });
  }
  checkKernelFits(l.name, [l.height, l.width], l.kernel_size, l.padding, where, ctx);
  const { kind: _kind, in_channels: _c, out_channels: _m, height: _h, width: _w, kernel_size: _k, stride: _s, padding: _p, ...rest } = l;
  const linear = buildLutLinear({ ...rest, kind: 'lut_linear', in_features: patch, out_features: l.out_channels }, index, ctx);
  return {
    kind: 'lut_conv2d',
    name: l.name,
    conv: { inChannels: l.in_channels, height: l.height, width: l.width, kernel: [kh, kw], stride: [l.stride[0], l.stride[1]], padding: [l.padding[0], l.padding[1]] },
    linear,
  };
}

/**
 * The centroids (C, K, V): required for the closest-centroid search and for a `weight` source
 * (T = P·W); a hash-tree layer with a `lut` may name none (it never compares with centroids), and
 * if it names some they are checked like any other.
 */
function buildCentroids(l: ManifestLutLinearLayer, encoder: LutLinearEncoder, where: string, ctx: LoadContext): TensorRef | null {
  const [C, K, V] = [l.num_codebooks, l.num_centroids, l.subvector_len];
  if (l.tensors.centroids === undefined) {
    if (encoder.kind === 'ccs' || l.tensors.weight !== undefined) {
      throw new LutnnError(`Layer ${JSON.stringify(l.name)}: missing tensors.centroids`, {
        file: ctx.manifestFile,
        field: `${where}.tensors.centroids`,
        expected:
          encoder.kind === 'ccs'
            ? 'the name of the centroid tensor (C, K, V): the closest-centroid search compares each sub-vector with them'
            : `the name of the prototype tensor (C, K, V): the table is built from them and ${where}.tensors.weight (T = P·W)`,
        found: describeValue(undefined),
      });
    }
    return null;
  }
  const centroids = useTensor(ctx, l.tensors.centroids, `${where}.tensors.centroids`);
  expectShape(centroids, [C, K, V], '(C, K, V)', ctx);
  checkCentroidValues(centroids, l.input.bits, ctx);
  return centroids;
}

/** The tensor keys only a hash-tree layer has. */
const HASH_TREE_KEYS = ['split_dims', 'thresholds', 'split_offsets', 'split_scales'] as const;

/** The layer's encoder (docs/artifact-format.md, "Encoders of a lut_linear layer"). */
function buildEncoder(l: ManifestLutLinearLayer, where: string, ctx: LoadContext): LutLinearEncoder {
  const e = l.encoder;
  switch (e.kind) {
    case 'ccs': {
      const key = HASH_TREE_KEYS.find((k) => l.tensors[k] !== undefined);
      if (key !== undefined) {
        throw new LutnnError(`Layer ${JSON.stringify(l.name)}: tensors.${key} belongs to a hash-tree encoder`, {
          file: ctx.manifestFile,
          field: `${where}.tensors.${key}`,
          expected: `no ${key} with the closest-centroid search (encoder "ccs", the default); for MADDNESS's tree give encoder: { "kind": "hash_tree", "depth": d }`,
          found: JSON.stringify(l.tensors[key]),
        });
      }
      return { kind: 'ccs' };
    }
    case 'hash_tree':
      return buildHashTree(l, e.depth, where, ctx);
    default:
      return assertNever(e);
  }
}

/**
 * A hash tree's tensors (docs/artifact-format.md): split_dims (C, d) integral columns inside each
 * codebook's own columns, thresholds (C, 2^d − 1) finite (the float32 maximum a learner writes for a
 * degenerate node is finite and accepted: number-formats.md §2a clamps it), optional offsets and
 * positive scales (C, d).
 */
function buildHashTree(l: ManifestLutLinearLayer, depth: number, where: string, ctx: LoadContext): HashTreeArtifactEncoder {
  const [C, K, V] = [l.num_codebooks, l.num_centroids, l.subvector_len];
  if (K !== 2 ** depth) {
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: a hash tree of depth ${depth} has 2^${depth} = ${2 ** depth} leaves, one per centroid`, {
      file: ctx.manifestFile,
      field: `${where}.num_centroids`,
      expected: `2^depth = ${2 ** depth} (${where}.encoder.depth is ${depth})`,
      found: String(K),
    });
  }
  const required = (key: 'split_dims' | 'thresholds', what: string): TensorRef => {
    const name = l.tensors[key];
    if (name !== undefined) return useTensor(ctx, name, `${where}.tensors.${key}`);
    throw new LutnnError(`Layer ${JSON.stringify(l.name)}: a hash-tree encoder needs tensors.${key}`, {
      file: ctx.manifestFile,
      field: `${where}.tensors.${key}`,
      expected: `the name of ${what}`,
      found: describeValue(undefined),
    });
  };
  const dims = required('split_dims', `the split columns (C, d) = (${C}, ${depth})`);
  expectShape(dims, [C, depth], '(C, d)', ctx);
  requireIntegral(dims, ctx);
  for (let c = 0; c < C; c++) {
    for (let lv = 0; lv < depth; lv++) {
      const j = dims.tensor.data[c * depth + lv];
      if (j >= c * V && j < (c + 1) * V) continue;
      throw new LutnnError(`Split column outside its codebook in ${dims.label}: codebook ${c}, level ${lv}`, {
        file: ctx.tensorsFile,
        field: dims.label,
        expected: `split_dims[${c}][${lv}] in codebook ${c}'s own input columns [${c * V}, ${(c + 1) * V}) (absolute columns, V = ${V})`,
        found: `${j} at index [${c}, ${lv}] (codebook ${c}, level ${lv})`,
      });
    }
  }
  const thresholds = required('thresholds', `the node thresholds (C, 2^d − 1) = (${C}, ${K - 1}), level-major`);
  expectShape(thresholds, [C, K - 1], '(C, 2^d − 1)', ctx);
  requireFloat(thresholds, 'thresholds are in real input units', ctx);
  requireFinite(thresholds, ctx);
  const optional = (key: 'split_offsets' | 'split_scales'): TensorRef | null => {
    const name = l.tensors[key];
    if (name === undefined) return null;
    const ref = useTensor(ctx, name, `${where}.tensors.${key}`);
    expectShape(ref, [C, depth], '(C, d)', ctx);
    requireFloat(ref, `halutmatmul's per-level ${key === 'split_offsets' ? 'offset' : 'scaleby'} is real-valued`, ctx);
    requireFinite(ref, ctx);
    return ref;
  };
  const offsets = optional('split_offsets');
  const scales = optional('split_scales');
  if (scales) {
    const data = scales.tensor.data;
    for (let i = 0; i < data.length; i++) {
      if (data[i] > 0) continue;
      throw new LutnnError(`Non-positive scale in ${scales.label}`, {
        file: ctx.tensorsFile,
        field: scales.label,
        expected: 'scales > 0 (x·scale > t is folded into x > t/scale: a scale of 0 or below would flip or erase the comparison)',
        found: `${data[i]} at flat index ${i}, index [${unflatten(i, scales.tensor.shape).join(', ')}]`,
      });
    }
  }
  return { kind: 'hash_tree', depth, splitDims: dims.tensor, thresholds: thresholds.tensor, splitOffsets: offsets?.tensor ?? null, splitScales: scales?.tensor ?? null };
}

function checkFeatureCount(l: ManifestLutLinearLayer, where: string, ctx: LoadContext): void {
  const product = l.num_codebooks * l.subvector_len;
  if (l.in_features === product) return;
  throw new LutnnError(`Layer ${JSON.stringify(l.name)}: in_features must equal num_codebooks * subvector_len (D = C * V)`, {
    file: ctx.manifestFile,
    field: `${where}.in_features`,
    expected: `${l.num_codebooks} * ${l.subvector_len} = ${product}`,
    found: String(l.in_features),
  });
}

/** The table comes from exactly one of `lut` (float or integer) or `weight` (schema-enforced). */
function buildTableSource(l: ManifestLutLinearLayer, where: string, ctx: LoadContext): TableSource {
  const [C, K, V, M] = [l.num_codebooks, l.num_centroids, l.subvector_len, l.out_features];
  if (l.tensors.weight !== undefined) {
    const weight = useTensor(ctx, l.tensors.weight, `${where}.tensors.weight`);
    expectShape(weight, [C, V, M], '(C, V, M)', ctx);
    requireFloat(weight, 'LUT-NN weights are real-valued; the tool builds and quantizes the table', ctx);
    requireFinite(weight, ctx);
    forbidTableScale(l, where, `the table is computed from ${weight.label} and quantized by the tool`, ctx);
    return { kind: 'weight', weight: weight.tensor };
  }

  const lut = useTensor(ctx, l.tensors.lut as string, `${where}.tensors.lut`);
  expectShape(lut, [C, K, M], '(C, K, M)', ctx);
  if (isFloatDtype(lut.tensor.dtype)) {
    requireFinite(lut, ctx);
    forbidTableScale(l, where, `${lut.label} is a float table that the tool quantizes itself`, ctx);
    return { kind: 'float', lut: lut.tensor };
  }
  const scale = requireTableScale(l, where, lut, ctx);
  requireSignedRange(lut, l.table.bits, `the signed ${l.table.bits}-bit table range (table.bits)`, ctx);
  return { kind: 'int', lut: lut.tensor, scale };
}

function buildBias(l: ManifestLutLinearLayer, name: string, where: string, ctx: LoadContext): Tensor {
  const bias = useTensor(ctx, name, `${where}.tensors.bias`);
  expectShape(bias, [l.out_features], '(M)', ctx);
  requireFloat(bias, 'the bias is in real units', ctx);
  requireFinite(bias, ctx);
  return bias.tensor;
}

/** Float centroids are real-valued; integer centroids are in input-scale units, so must fit the input. */
function checkCentroidValues(centroids: TensorRef, inputBits: number, ctx: LoadContext): void {
  if (isFloatDtype(centroids.tensor.dtype)) {
    requireFinite(centroids, ctx);
  } else {
    requireSignedRange(centroids, inputBits, `the signed ${inputBits}-bit input range (input.bits; integer centroids are in input-scale units)`, ctx);
  }
}

// ---------------------------------------------------------------------------------------------
// Table scale (manifest side)
// ---------------------------------------------------------------------------------------------

function requireTableScale(l: ManifestLutLinearLayer, where: string, lut: TensorRef, ctx: LoadContext): number {
  if (l.table.scale !== undefined) return l.table.scale;
  throw new LutnnError(`Layer ${JSON.stringify(l.name)}: an integer lookup table needs table.scale`, {
    file: ctx.manifestFile,
    field: `${where}.table.scale`,
    expected: `a finite number > 0 (real value = scale * q), because ${lut.label} is ${lut.tensor.dtype}`,
    found: describeValue(undefined),
  });
}

function forbidTableScale(l: ManifestLutLinearLayer, where: string, reason: string, ctx: LoadContext): void {
  if (l.table.scale === undefined) return;
  throw new LutnnError(`Layer ${JSON.stringify(l.name)}: table.scale is only allowed with an integer lookup table`, {
    file: ctx.manifestFile,
    field: `${where}.table.scale`,
    expected: `no table.scale: ${reason} (give an integer lut to supply your own scale)`,
    found: describeValue(l.table.scale),
  });
}

// ---------------------------------------------------------------------------------------------
// Tensor checks
// ---------------------------------------------------------------------------------------------

function useTensor(ctx: LoadContext, name: string, field: string): TensorRef {
  const tensor = ctx.tensors.get(name);
  if (tensor !== undefined) return { tensor, label: `tensor ${JSON.stringify(name)} (${field})` };
  throw new LutnnError(`Tensor ${JSON.stringify(name)} referenced by the manifest is not in ${path.basename(ctx.tensorsFile)}`, {
    file: ctx.manifestFile,
    field,
    expected: `a tensor named ${JSON.stringify(name)} in ${ctx.tensorsFile}`,
    found: `no such tensor; the file has ${listNames([...ctx.tensors.keys()])}`,
  });
}

function listNames(names: string[]): string {
  if (names.length === 0) return 'no tensors';
  const shown = names.slice(0, 20).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 20 ? `${shown} and ${names.length - 20} more` : shown;
}

function expectShape(ref: TensorRef, expected: number[], dims: string, ctx: LoadContext): void {
  const actual = ref.tensor.shape;
  if (actual.length === expected.length && actual.every((d, i) => d === expected[i])) return;
  throw new LutnnError(`Wrong shape for ${ref.label}`, {
    file: ctx.tensorsFile,
    field: ref.label,
    expected: `shape ${dims} = [${expected.join(', ')}] from the manifest's layer sizes`,
    found: `[${actual.join(', ')}]`,
  });
}

function requireFloat(ref: TensorRef, why: string, ctx: LoadContext): void {
  if (isFloatDtype(ref.tensor.dtype)) return;
  throw new LutnnError(`Wrong dtype for ${ref.label}`, {
    file: ctx.tensorsFile,
    field: ref.label,
    expected: `a float tensor (F32 or F16): ${why}`,
    found: ref.tensor.dtype,
  });
}

function requireFinite(ref: TensorRef, ctx: LoadContext): void {
  const data = ref.tensor.data;
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    throw new LutnnError(`Non-finite value in ${ref.label}`, {
      file: ctx.tensorsFile,
      field: ref.label,
      expected: 'finite numbers only (no NaN or Infinity)',
      found: `${describeValue(data[i])} at flat index ${i}, index [${unflatten(i, ref.tensor.shape).join(', ')}]`,
    });
  }
}

/** Integer values (an integer dtype, or a float tensor holding only finite integers). */
function requireIntegral(ref: TensorRef, ctx: LoadContext): void {
  if (!isFloatDtype(ref.tensor.dtype)) return;
  const data = ref.tensor.data;
  for (let i = 0; i < data.length; i++) {
    if (Number.isInteger(data[i])) continue;
    throw new LutnnError(`Non-integral value in ${ref.label}`, {
      file: ctx.tensorsFile,
      field: ref.label,
      expected: 'integers (input column indices; an integer dtype such as I32, or a float tensor of whole numbers)',
      found: `${describeValue(data[i])} at flat index ${i}, index [${unflatten(i, ref.tensor.shape).join(', ')}]`,
    });
  }
}

function requireSignedRange(ref: TensorRef, bits: number, rangeName: string, ctx: LoadContext): void {
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  const data = ref.tensor.data;
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= min && data[i] <= max) continue;
    throw new LutnnError(`Value out of range in ${ref.label}`, {
      file: ctx.tensorsFile,
      field: ref.label,
      expected: `integers in [${min}, ${max}], ${rangeName}`,
      found: `${data[i]} at flat index ${i}, index [${unflatten(i, ref.tensor.shape).join(', ')}]`,
    });
  }
}

/** Row-major flat index -> multi-dimensional index. */
export function unflatten(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return index;
}
