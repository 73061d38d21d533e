/**
 * The in-memory form of a validated artifact (format v1, see docs/artifact-format.md).
 * Produced by `loadArtifact` (load.ts); consumed by the planner. Nothing downstream of the
 * loader reads model.json or safetensors bytes again.
 */

export type Metric = 'l2' | 'l1' | 'chebyshev';
export type Activation = 'none' | 'relu';
export type TensorDtype = 'F32' | 'F16' | 'I8' | 'I16' | 'I32';

/** A dense row-major tensor decoded from safetensors. Floats as float64, integers as exact ints. */
export interface Tensor {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  /** Row-major values. Float dtypes decode to Float64Array; integer dtypes to Int32Array. */
  data: Float64Array | Int32Array;
}

/**
 * Fixed-point format of a stream between units: signed two's complement, `bits` wide, real = scale * q.
 * The one name for it everywhere (artifact, plan, builders, NN-LUT tables); a stream with its element
 * count is a StreamSpec (plan/types.ts).
 */
export interface StreamFormat {
  bits: number;
  scale: number;
}

/** Where the lookup table comes from; exactly one source per layer. */
export type TableSource =
  /** Float table T[c][k][m], shape (C, K, M); quantized by the tool. */
  | { kind: 'float'; lut: Tensor }
  /** Already-quantized integer table, shape (C, K, M), real value = scale * q. */
  | { kind: 'int'; lut: Tensor; scale: number }
  /** LUT-NN's weight (C, V, M); the tool builds T = centroids x weight, then quantizes. */
  | { kind: 'weight'; weight: Tensor };

/**
 * MADDNESS's hash tree (docs/artifact-format.md, "Encoders of a lut_linear layer"): per codebook c
 * and level l one comparison, `node = 2·node + ((a[splitDims[c][l]] − offset[c][l])·scale[c][l] >
 * thresholds[c][2^l − 1 + node])`; the index is the node after `depth` levels. The loader has
 * checked every invariant below.
 */
export interface HashTreeArtifactEncoder {
  kind: 'hash_tree';
  /** d, 1 … 8; the layer's K is 2^d. */
  depth: number;
  /** (C, d): absolute input columns, integers, split_dims[c][l] ∈ [c·V, (c+1)·V). */
  splitDims: Tensor;
  /** (C, 2^d − 1), level-major (level l, node n at 2^l − 1 + n), finite, real input units. */
  thresholds: Tensor;
  /** (C, d) finite offsets, or null (all 0). */
  splitOffsets: Tensor | null;
  /** (C, d) finite scales > 0, or null (all 1). */
  splitScales: Tensor | null;
}

/**
 * The encoder of a lut_linear layer as the artifact describes it (docs/artifact-format.md,
 * "Encoders of a lut_linear layer"): `ccs`, the closest-centroid search with the layer's metric
 * and centroids, or `hash_tree`, MADDNESS's tree of comparisons (its tensors above).
 */
export type LutLinearEncoder = { kind: 'ccs' } | HashTreeArtifactEncoder;

export interface LutLinearLayer {
  kind: 'lut_linear';
  /** Verilog- and filename-safe identifier: /^[A-Za-z][A-Za-z0-9_]*$/, at most 64 chars. */
  name: string;
  /** D = C * V input features. */
  inFeatures: number;
  /** M output features. */
  outFeatures: number;
  /** C codebooks. */
  numCodebooks: number;
  /** K centroids per codebook. */
  numCentroids: number;
  /** V sub-vector length. */
  subvectorLen: number;
  metric: Metric;
  /** Sub-vector → index: the encoder (default ccs). */
  encoder: LutLinearEncoder;
  input: StreamFormat;
  output: StreamFormat;
  activation: Activation;
  /** Bits of the quantized table entries (b_t). */
  tableBits: number;
  /**
   * Centroids (C, K, V) as a float tensor in real units, or an integer tensor in input-scale units.
   * Always there for a `ccs` layer (the encoder's prototypes) and for a `weight` table source
   * (T = P·W); null only for a `hash_tree` layer with a `lut` table that names none.
   */
  centroids: Tensor | null;
  table: TableSource;
  /** Bias (M) in real units, or undefined for no bias. */
  bias?: Tensor;
}

/** Range reduction of an nnlut unit (see docs/number-formats.md §6): none, or power-of-two for 1/x, 1/sqrt(x). */
export type RangeReduction = 'none' | 'reciprocal' | 'rsqrt';

/**
 * An elementwise nonlinear function as an NN-LUT piecewise-linear table (docs/artifact-format.md):
 * segment i (0 … N−1) covers [breakpoints[i−1], breakpoints[i]) and computes slopes[i]·x + intercepts[i],
 * all in real units. With range reduction the table is indexed by the normalised input.
 */
export interface NnlutLayer {
  kind: 'nnlut';
  /** Same identifier rules as every layer name. */
  name: string;
  /** Elements per vector (the previous layer's M when chained). */
  features: number;
  /** The function the table approximates (informational: gelu, exp, user, ...), or null. */
  function: string | null;
  input: StreamFormat;
  output: StreamFormat;
  rangeReduction: RangeReduction;
  /** Signed width of a quantized slope constant. */
  coefficientBits: number;
  /** N−1 strictly increasing breakpoints (real units). */
  breakpoints: number[];
  /** N slopes and N intercepts (real units). */
  slopes: number[];
  intercepts: number[];
}

/**
 * Geometry of a convolution over one image (docs/artifact-format.md, "lut_conv2d"): input
 * height × width × inChannels, kernel [kh, kw], stride [sh, sw], zero padding [ph, pw] on each side.
 */
export interface Conv2dGeometry {
  inChannels: number;
  height: number;
  width: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/**
 * A LUT-NN convolution: a lut_linear layer applied to every patch of the image. `linear` is that
 * layer (its name the convolution's, D = inChannels·kh·kw, M = out channels): patch element
 * ch·kh·kw + i·kw + j is input channel ch at kernel row i, column j (blink-mm's unfold order).
 */
export interface LutConv2dLayer {
  kind: 'lut_conv2d';
  name: string;
  conv: Conv2dGeometry;
  linear: LutLinearLayer;
}

/** Max pooling (PyTorch MaxPool2d): per channel, the largest value of each kernel window; padding never wins. */
export interface MaxPool2dLayer {
  kind: 'maxpool2d';
  name: string;
  /** inChannels is the channel count (in = out). */
  conv: Conv2dGeometry;
  /** The input's and the output's format. */
  format: StreamFormat;
}

/**
 * Average pooling (PyTorch AvgPool2d with count_include_pad, or a global average pool): per
 * channel, the mean of each kernel window, padding counting as zeros, rounded half up to the
 * format (docs/number-formats.md "Average pooling").
 */
export interface AvgPool2dLayer {
  kind: 'avgpool2d';
  name: string;
  /** inChannels is the channel count (in = out). */
  conv: Conv2dGeometry;
  /** The input's and the output's format. */
  format: StreamFormat;
}

export type Layer = LutLinearLayer | LutConv2dLayer | MaxPool2dLayer | AvgPool2dLayer | NnlutLayer;

export interface Artifact {
  /** Absolute path of model.json. */
  manifestPath: string;
  /** Absolute path of the tensor file. */
  tensorsPath: string;
  /** Model name: same identifier rules as layer names. */
  name: string;
  /** SHA-256 (hex) over the manifest bytes followed by the tensor-file bytes. */
  sha256: string;
  layers: Layer[];
}
