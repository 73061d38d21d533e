/**
 * Zod schema of model.json, artifact format v1 (docs/artifact-format.md).
 *
 * The schema checks everything that can be decided from the manifest alone; checks that need the
 * tensors (shapes, dtypes, value ranges) live in load.ts. Objects are strict so that a typo such
 * as `out_feature` is refused instead of silently falling back to a default.
 *
 * Convention: every constraint message is phrased as the *expectation* ("an integer from 2 to
 * 16"), because `parseManifest` reports it as the `expected` part of a LutnnError.
 */
import path from 'node:path';
import { z } from 'zod';
import { describeFound, strictObject, zodIssuesToError } from '../util/zod-errors.ts';

export const ARTIFACT_FORMAT = 'lutnn-artifact';
export const SUPPORTED_FORMAT_VERSIONS = [1] as const;
export const IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
export const IDENTIFIER_MAX_LENGTH = 64;
export const KNOWN_LAYER_KINDS = ['lut_linear', 'lut_conv2d', 'maxpool2d', 'avgpool2d', 'nnlut', 'requant', 'relu'] as const;

const IDENTIFIER_EXPECTATION =
  `an identifier: a letter, then letters, digits or underscores, at most ${IDENTIFIER_MAX_LENGTH} characters ` +
  '(it becomes a Verilog module name and a file name)';


function intRange(min: number, max: number) {
  const message = `an integer from ${min} to ${max}`;
  return z.number().int({ message }).min(min, { message }).max(max, { message });
}

function intAtLeast(min: number) {
  const message = `an integer >= ${min}`;
  return z.number().int({ message }).min(min, { message }).max(Number.MAX_SAFE_INTEGER, { message });
}

/**
 * Scales are real units per integer step. JSON.parse turns 1e999 into Infinity, so finiteness is
 * checked explicitly; beyond 1e±30 no trained model's values lie, and the requantizer's factors
 * (ratios of scales) would leave the exact integer range, so such a scale is refused as a typo.
 */
export const SCALE_LIMITS = [1e-30, 1e30] as const;
const SCALE_EXPECTATION = `a finite number from ${SCALE_LIMITS[0]} to ${SCALE_LIMITS[1]}`;
const positiveScale = z
  .number()
  .finite({ message: SCALE_EXPECTATION })
  .min(SCALE_LIMITS[0], { message: SCALE_EXPECTATION })
  .max(SCALE_LIMITS[1], { message: SCALE_EXPECTATION });

const identifier = z
  .string()
  .max(IDENTIFIER_MAX_LENGTH, { message: IDENTIFIER_EXPECTATION })
  .regex(IDENTIFIER_RE, { message: IDENTIFIER_EXPECTATION });

const tensorName = z.string().min(1, { message: 'a non-empty tensor name' });

/**
 * The tensor file must live inside the manifest's folder: an artifact is a self-contained unit
 * that can be copied or archived, and a hostile manifest must not make the tool read elsewhere.
 * Backslashes are refused because they are separators on Windows (`..\x` would escape there).
 */
export function isContainedRelativePath(p: string): boolean {
  if (p === '' || p.includes('\0') || p.includes('\\')) return false;
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return false;
  if (p.split('/').includes('..')) return false;
  const normalized = path.posix.normalize(p);
  return normalized !== '.' && !normalized.endsWith('/');
}

const tensorsPath = z.string().refine(isContainedRelativePath, {
  message: "a file path relative to the manifest's folder, inside it (no absolute path, no '..', forward slashes)",
});

const streamFormat = strictObject({
  bits: intRange(2, 16).default(8),
  scale: positiveScale,
});

const tableFormat = strictObject({
  bits: intRange(2, 16).default(8),
  /** Required iff the lut tensor is integer; checked in load.ts where the dtype is known. */
  scale: positiveScale.optional(),
});

/**
 * `centroids` is required for a `ccs` layer and for a `weight` source, and the `split_*` /
 * `thresholds` keys belong to a `hash_tree` layer only: load.ts checks both against the encoder.
 */
const layerTensors = strictObject({
  centroids: tensorName.optional(),
  lut: tensorName.optional(),
  weight: tensorName.optional(),
  bias: tensorName.optional(),
  split_dims: tensorName.optional(),
  thresholds: tensorName.optional(),
  split_offsets: tensorName.optional(),
  split_scales: tensorName.optional(),
}).refine((t) => (t.lut === undefined) !== (t.weight === undefined), {
  message: 'exactly one table source: "lut" (a (C, K, M) table) or "weight" (LUT-NN weight (C, V, M))',
});

/**
 * The encoder of a lut_linear layer (docs/artifact-format.md, "Encoders of a lut_linear layer"):
 * the closest-centroid search, or MADDNESS's hash tree of `depth` levels (its tensors: load.ts).
 */
const encoder = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('ccs') }),
  strictObject({ kind: z.literal('hash_tree'), depth: intRange(1, 8) }),
]);

/** The LUT-NN fields a lut_linear layer and a convolution's patch layer share. */
const lutLayerFields = {
  num_codebooks: intAtLeast(1),
  num_centroids: intRange(2, 256),
  subvector_len: intAtLeast(1),
  metric: z.enum(['l2', 'l1', 'chebyshev']).default('l2'),
  encoder: encoder.default({ kind: 'ccs' }),
  activation: z.enum(['none', 'relu']).default('none'),
  input: streamFormat,
  output: streamFormat,
  table: tableFormat.default({}),
  tensors: layerTensors,
};

const lutLinearLayer = strictObject({
  kind: z.literal('lut_linear'),
  name: identifier,
  in_features: intAtLeast(1),
  out_features: intAtLeast(1),
  ...lutLayerFields,
});

/** [rows, columns] of a kernel, stride or padding (PyTorch's two-value form; blink-mm's DPQConv2d attributes); also the topology file's. */
/** The largest kernel a window generator builds (rows and columns; docs/artifact-format.md, "lut_conv2d"). */
export const MAX_KERNEL = 15;

export function pair(min: number, max: number) {
  return z.tuple([intRange(min, max), intRange(min, max)], { invalid_type_error: `two integers [rows, columns] from ${min} to ${max}` });
}

/**
 * A LUT-NN convolution (docs/artifact-format.md, "lut_conv2d"): the lut_linear fields, with
 * in_features = in_channels · kh · kw (one patch, blink-mm's layout) and out_features = out_channels;
 * the image size and the geometry are here because a state dict does not hold them.
 */
const lutConv2dLayer = strictObject({
  kind: z.literal('lut_conv2d'),
  name: identifier,
  in_channels: intAtLeast(1),
  out_channels: intAtLeast(1),
  height: intRange(1, 4096),
  width: intRange(1, 4096),
  kernel_size: pair(1, MAX_KERNEL),
  stride: pair(1, MAX_KERNEL).default([1, 1]),
  padding: pair(0, 14).default([0, 0]),
  ...lutLayerFields,
});

/**
 * Max pooling over an image (PyTorch MaxPool2d, dilation 1, floor mode): stride defaults to the
 * kernel, padding (at most half the kernel, PyTorch's rule) is never the maximum; the format is
 * the input's and the output's (a maximum needs no rescaling).
 */
const poolFields = {
  name: identifier,
  channels: intAtLeast(1),
  height: intRange(1, 4096),
  width: intRange(1, 4096),
  kernel_size: pair(1, MAX_KERNEL),
  stride: pair(1, MAX_KERNEL).optional(),
  padding: pair(0, 7).default([0, 0]),
  format: streamFormat,
};
const maxpool2dLayer = strictObject({ kind: z.literal('maxpool2d'), ...poolFields });

/**
 * Average pooling over an image (PyTorch AvgPool2d, floor mode; a global average pool is the kernel
 * of the whole image): stride defaults to the kernel, padding (zeros, at most half the kernel) counts
 * in the divisor (`count_include_pad`, PyTorch's default; false is refused with padding). The
 * format is the input's and the output's: the mean of a window, rounded half up
 * (docs/number-formats.md "Average pooling").
 */
const avgpool2dLayer = strictObject({ kind: z.literal('avgpool2d'), ...poolFields, count_include_pad: z.boolean().default(true) });

/** Finite real numbers (JSON.parse turns 1e999 into Infinity; NaN cannot be written in JSON). */
const finiteNumber = z.number().finite({ message: 'a finite number' });

/**
 * Maximum number of segments of an nnlut table (comparators per lane = segments − 1): 257, so
 * that NN-LUT's largest tables (H = 256 ReLU units: 256 cut points, 257 segments) load.
 */
export const NNLUT_MAX_SEGMENTS = 257;

/** An elementwise NN-LUT piecewise-linear unit; arrays inline, in real units. Order and lengths are checked in load.ts. */
const nnlutLayer = strictObject({
  kind: z.literal('nnlut'),
  name: identifier,
  features: intAtLeast(1),
  function: z.string().max(64, { message: 'a short function name' }).optional(),
  input: streamFormat,
  output: streamFormat,
  range_reduction: z.enum(['none', 'reciprocal', 'rsqrt']).default('none'),
  coefficient_bits: intRange(2, 24).default(16),
  breakpoints: z.array(finiteNumber).min(1, { message: 'at least one breakpoint (two segments)' }).max(NNLUT_MAX_SEGMENTS - 1, { message: `at most ${NNLUT_MAX_SEGMENTS - 1} breakpoints` }),
  slopes: z.array(finiteNumber),
  intercepts: z.array(finiteNumber),
});

/**
 * Elementwise steps between layers: `requant` rescales a stream to another format, `relu` clamps
 * negatives to zero (and may rescale too). Both are planned as exact nnlut units (load.ts).
 */
const requantStep = strictObject({ kind: z.literal('requant'), name: identifier, features: intAtLeast(1), input: streamFormat, output: streamFormat });
const reluStep = strictObject({ kind: z.literal('relu'), name: identifier, features: intAtLeast(1), input: streamFormat, output: streamFormat });

/** A discriminated union on `kind`. */
const layer = z.discriminatedUnion('kind', [lutLinearLayer, lutConv2dLayer, maxpool2dLayer, avgpool2dLayer, nnlutLayer, requantStep, reluStep]);

const layers = z
  .array(layer)
  .min(1, { message: 'at least one layer' })
  .superRefine((list, ctx) => {
    const firstIndex = new Map<string, number>();
    list.forEach((l, i) => {
      const previous = firstIndex.get(l.name);
      if (previous === undefined) {
        firstIndex.set(l.name, i);
        return;
      }
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [i, 'name'],
        message: `a layer name not used by another layer (layers[${previous}] is also named ${JSON.stringify(l.name)})`,
      });
    });
  });

export const manifestSchema = strictObject({
  // `format` first: if it is wrong the file is not an artifact and that is the error to report.
  format: z.literal(ARTIFACT_FORMAT),
  format_version: z.number().refine((v) => (SUPPORTED_FORMAT_VERSIONS as readonly number[]).includes(v), {
    message: `${SUPPORTED_FORMAT_VERSIONS.join(' or ')} (the artifact format versions this tool supports)`,
  }),
  name: identifier,
  tensors: tensorsPath,
  description: z.string().optional(),
  layers,
});

/** model.json after validation and defaulting (snake_case, as in the file). */
export type ManifestV1 = z.infer<typeof manifestSchema>;
export type ManifestLayer = ManifestV1['layers'][number];
export type ManifestLutLinearLayer = Extract<ManifestLayer, { kind: 'lut_linear' }>;
export type ManifestLutConv2dLayer = Extract<ManifestLayer, { kind: 'lut_conv2d' }>;
export type ManifestMaxPool2dLayer = Extract<ManifestLayer, { kind: 'maxpool2d' }>;
export type ManifestAvgPool2dLayer = Extract<ManifestLayer, { kind: 'avgpool2d' }>;
export type ManifestNnlutLayer = Extract<ManifestLayer, { kind: 'nnlut' }>;
export type ManifestElementwiseStep = Extract<ManifestLayer, { kind: 'requant' | 'relu' }>;

/** Validates parsed model.json; the first problem is thrown as a LutnnError naming the field. */
export function parseManifest(raw: unknown, file: string): ManifestV1 {
  const result = manifestSchema.safeParse(raw);
  if (result.success) return result.data;
  throw zodIssuesToError(result.error.issues, raw, file, 'artifact manifest', summaryOf);
}

/** Headlines specific to the manifest: missing fields, unknown layer and encoder kinds, format versions. */
function summaryOf(issue: z.ZodIssue, field: string, value: unknown): string {
  if (issue.path.length === 0) return 'The artifact manifest is not a JSON object';
  if (value === undefined) return `Missing required field ${field} in the artifact manifest`;
  if (issue.code === 'invalid_union_discriminator') return `Unknown ${issue.path.at(-2) === 'encoder' ? 'encoder' : 'layer'} kind ${describeFound(value)} at ${field}`;
  if (field === 'format_version' && typeof value === 'number') return `Unsupported artifact format version ${value}`;
  return `Invalid ${field} in the artifact manifest`;
}
