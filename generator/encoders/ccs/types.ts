/** The plan of a closest-centroid search (CCS) encoder: argmin_k d(a, P_k) per codebook lane. */
import type { Metric } from '../../artifact/types.ts';
import type { EncoderSeam } from '../types.ts';

export interface CcsPlan extends EncoderSeam<'ccs'> {
  metric: Metric;
  /** `constant`: one codebook per CCS lane for the whole vector (E = 1), centroids are literals.
   *  `rom`: lanes are time-shared over E encode steps; centroids come from the step ROM. */
  centroidStorage: 'constant' | 'rom';
  /** Quantized centroids (C, K, V), in input-scale units, row-major. */
  centroids: Int32Array;
  /** ||p||² per centroid (C, K); only meaningful for the l2 metric (zeros otherwise). Up to V·2^30 for 16-bit inputs, so float64 integers. */
  norms: Float64Array;
  /** Unsigned width of a norm constant. */
  normWidth: number;
  /** Signed width in which every distance value (and every intermediate, modulo 2^w) is computed. */
  distanceWidth: number;
  /** Exact range of the distance values over all inputs and centroids (for tests and docs). */
  distanceRange: [number, number];
  /** Depth of the argmin comparator tree: ceil(log2 K). */
  treeDepth: number;
  /** Tree levels (1-based) after which a pipeline register sits. The last level is always one. */
  treeRegisteredLevels: number[];
  /** `standard`: distance computed in one cycle; `max`: registered reduction tree (encoders/ccs/pipeline.ts). */
  pipeline: 'standard' | 'max';
  /** Register stages from the CCS input to the distance register (1 for standard). */
  distanceStages: number;
  /** pipeline: max — the distance module (with a centroid ROM), or the stem of one module per
   *  (lane j, centroid k) named `<distanceModule>_<j>_<k>` (constant centroids). */
  distanceModule: string;
  /** pipeline: max — the register copying a lane's input to a group of centroids (encoders/ccs/pipeline.ts). */
  fanoutModule: string;
}
