/**
 * MADDNESS hash-tree learner (Blalock & Guttag, "Multiplying Matrices Without Multiplying",
 * ICML'21; reference code: dblalock/bolt `experiments/python/clusterize.py` (commit e7726a4) and its
 * port joennlae/halutmatmul `src/python/halutmatmul/maddness.py` (commit 4655152), cited below as
 * "bolt" and "halut" with line numbers of those commits).
 * It learns, per codebook, the `hash_tree` encoder of docs/artifact-format.md ("Encoders of a
 * lut_linear layer") plus the bucket-mean prototypes, from calibration rows A (rows × D).
 *
 * Algorithm as implemented:
 *
 * 1. Codebooks: C disjoint contiguous column blocks of V = D/C columns (halut
 *    `create_codebook_start_end_idxs` line 334, algo "start"; we require C | D instead of widening the
 *    first D mod C blocks, because the artifact format has one V per layer). Depth 1 … 8 (the format's
 *    range; halut asserts K in 4 … 128).
 * 2. Per codebook a balanced tree of depth d: every node of level l compares the same column
 *    (halut `learn_binary_tree_splits` lines 402–460, paper Algorithm 1 "adding the next level").
 *    Per level:
 *    a. Candidate columns: the `candidateColumns` (default 8, halut `check_x_dims: int = 8`) columns
 *       of the block with the largest summed within-bucket SSE, `col_losses += buck.col_sum_sqs()`,
 *       `try_dims = np.argsort(col_losses)[::-1][:check_x_dims]` (halut lines 405–410; bolt's
 *       "bucket_sse" heuristic). For V ≤ 8 that is every column of the block.
 *    b. For each candidate column j, each node gets its optimal threshold on j (step 3) and the
 *       level's loss is the summed SSE (over the block's V columns) of all resulting buckets; the
 *       candidate with the lowest loss wins (halut lines 416–431). Like halut (line 422) a candidate
 *       is abandoned as soon as its partial sum reaches the best loss so far; this never changes
 *       the result.
 *    c. Every row moves to child 2·node + (x[j] > t[node]) (halut `Bucket.split`, `mask = X[:, dim] > val`).
 * 3. Optimal threshold of one node on column j (halut `optimal_split_val` lines 169–194, paper
 *    Algorithm 2): the node's rows sorted by x[j]; running sums give the SSE of head + tail for every
 *    cut; the cut with the lowest SSE wins and the threshold is placed between the two values it
 *    separates. Deviations, all so that the partition scored is the partition the encoder makes:
 *    - only cuts between two *distinct* values are scored. halut scores every sorted position,
 *      including cuts inside a run of equal values that `x > t` cannot realise; its threshold is then
 *      the midpoint of two equal values, i.e. a data value, and the real split differs from the scored
 *      one (of the 240 thresholds halutmatmul learned on test/real-exports/halut/halut_calib.npy, 110
 *      equal a calibration value, e.g. 0.25, 0, 1; none of ours do);
 *    - the threshold is a midpoint (halut line 192 `(col[sort_idxs[best_idx]] + col[sort_idxs[next_idx]]) / 2`),
 *      never a data value: the node's cut lies between its values lo < hi; any t in [lo, hi) makes
 *      the same split of the node's rows, and we take the midpoint of the gap between two consecutive
 *      distinct values of the *whole* column (all training rows) that contains (lo + hi)/2 (if
 *      (lo + hi)/2 is itself a value of another node's row, the gap just below it). halut's node
 *      midpoint can coincide with other rows' values (node values {2, 4}, midpoint 3). Within the
 *      gap we use the float32 rounding of its midpoint when that stays strictly inside (the artifact
 *      stores F32 thresholds, so the stored threshold splits the training rows exactly as learned),
 *      else the float64 midpoint, else (adjacent doubles) the lower value. A threshold off every
 *      data value is the safe choice for quantized inputs: an input on the grid x = s·q that the
 *      calibration data hit is never equal to it, so rounding the threshold onto the integer grid
 *      (number-formats.md §2a) cannot flip a decision for such inputs;
 *    - ties between cuts: the lowest position (halut: `np.argmin`, the same); ties between
 *      candidate columns: the lowest column index (halut: the first in descending-loss order).
 * 4. Degenerate nodes: a node with fewer than 2 distinct values of the level's column (empty, one
 *    row, or constant) is not split. Its threshold is the largest finite float32, DEGENERATE_THRESHOLD
 *    (3.4028234663852886e38), so every input goes left (child 2·node) and keeps following the real
 *    subtree; the right child is an empty bucket. In hardware it clamps to the input maximum
 *    (number-formats.md §2a: T = hi, bit always 0). (halut returns threshold 0 for buckets with < 2
 *    rows, `Bucket.optimal_split_val` line 307, which sends any input > 0 to a bucket no training row
 *    reached, and for a constant bucket the midpoint of two equal values, the value itself.)
 * 5. Prototypes = bucket means of the block's V columns over the training rows (halut
 *    `Bucket.col_means`, `init_and_learn_hash_function` lines 515–523). An empty bucket (no training
 *    row) takes the mean of its nearest non-empty ancestor (halut: zeros, `sumX / max(1, N)`).
 * 6. Optional ridge refinement (ridge > 0; maddness-ridge.ts): P = P0 + (GᵀG + λI)⁻¹Gᵀ(Y − G·P0) with
 *    G the one-hot codes, jointly over all codebooks (paper §4.3; bolt `learn_mithral`, halut
 *    `learn_proto_and_hash_function` lines 562–570). The refined prototypes span all D input columns
 *    (a codebook's prototype corrects the others' residual), which the artifact's `centroids (C, K, V)`
 *    cannot hold; restricted to its own V columns the refinement is a no-op (bucket means are already
 *    the least-squares fit there). So: with `W` (D, M) the target is Y = A·W and the result is the
 *    refined float table T (C, K, M) = P·W (a `lut` source for the layer); without `W` it is the
 *    full-width prototypes (C, K, D).
 *
 * The learner draws no random numbers: results depend only on the data (the seed is accepted for
 * the converter's interface and recorded, not used). Every tie is broken by index.
 */
import { LutnnError } from '../errors.ts';
import { applyCodes, ridgeSolve, type RidgeSolveOptions } from './maddness-ridge.ts';
import { hashTreeLeaf } from '../encoders/hash-tree/reference.ts';

/** halut `learn_binary_tree_splits(check_x_dims: int = 8)`. */
export const DEFAULT_CANDIDATE_COLUMNS = 8;
export const MAX_HASH_TREE_DEPTH = 8;
/** Threshold of a node that is not split: the largest finite float32, every input goes left. */
export const DEGENERATE_THRESHOLD = 3.4028234663852886e38;

export interface HashTreeOptions {
  /** C, the number of codebooks (must divide D). */
  codebooks: number;
  /** d, tree depth 1 … 8; K = 2^d buckets per codebook. */
  depth: number;
  /** Recorded in the model only: the learner draws no random numbers, so the result does not depend on it. */
  seed: number;
  /** λ of the ridge refinement of the prototypes; 0 / undefined: off. */
  ridge?: number;
  /** Dense weight (D, M) row-major: refine the table T = P·W (C, K, M) instead of the prototypes. */
  W?: Float64Array;
  M?: number;
  /** Columns tried per level, those with the largest bucket SSE (default 8, as halutmatmul). */
  candidateColumns?: number;
  /** Solver of the refinement: method (default Cholesky up to C·K = 4096, else CG) and CG limits. */
  ridgeSolver?: RidgeSolveOptions;
}

export interface HashTreeRefinement {
  ridge: number;
  /** 'output': `lut` (C, K, M) refined against A·W; 'input': `prototypes` (C, K, D) against A. */
  target: 'input' | 'output';
  prototypes?: Float64Array;
  lut?: Float64Array;
  M?: number;
  /** ||Y − G·P0||² with the bucket means, and ||Y − G·P||² after refinement (Y = A or A·W). */
  errorBefore: number;
  errorAfter: number;
  /** Solver used ('cholesky' exact, or 'cg') and its CG iterations. */
  method: 'cholesky' | 'cg';
  iterations: number;
  converged: boolean;
}

export interface HashTreeModel {
  C: number;
  K: number;
  V: number;
  D: number;
  depth: number;
  /** (C, d): absolute input column of level l of codebook c, in [c·V, (c+1)·V). */
  splitDims: Int32Array;
  /** (C, 2^d − 1), level-major: level l, node n at c·(2^d − 1) + 2^l − 1 + n. */
  thresholds: Float64Array;
  /** (C, K, V) bucket means of the codebook's own columns. */
  prototypes: Float64Array;
  /** (rows, C) bucket (0 … K−1) of every training row. */
  codes: Int32Array;
  /** (C) Σ over the training rows of ||a_c − P[c][code]||² per codebook, with the bucket means. */
  sse: Float64Array;
  /** Rows with each bucket, (C, K). */
  counts: Int32Array;
  seed: number;
  refinement?: HashTreeRefinement;
}

/** What encoding needs: the `hash_tree` tensors of the artifact format. */
export interface HashTreeEncoder {
  C: number;
  V: number;
  depth: number;
  splitDims: ArrayLike<number>;
  thresholds: ArrayLike<number>;
  /** (C, d) halutmatmul `offset` per level, default 0. */
  splitOffsets?: ArrayLike<number>;
  /** (C, d) halutmatmul `scaleby` per level, default 1. */
  splitScales?: ArrayLike<number>;
}

function refuse(summary: string, field: string, expected: string, found: string): never {
  throw new LutnnError(summary, { field, expected, found });
}

function isPositiveInt(x: number): boolean {
  return Number.isInteger(x) && x >= 1;
}

/** A threshold t with lo ≤ t < hi (lo < hi): the midpoint, in float32 when it stays strictly inside. */
export function thresholdBetween(lo: number, hi: number): number {
  let mid = lo + (hi - lo) / 2;
  if (!Number.isFinite(mid)) mid = lo / 2 + hi / 2;
  const m32 = Math.fround(mid);
  if (m32 > lo && m32 < hi) return m32;
  if (mid > lo && mid < hi) return mid;
  return lo;
}

/**
 * The threshold for a cut between node values lo < hi, given the sorted distinct values `uniq` of the
 * whole column (lo and hi among them): the midpoint of the column gap holding (lo + hi)/2.
 */
export function thresholdInGap(uniq: Float64Array, lo: number, hi: number): number {
  let mid = lo + (hi - lo) / 2;
  if (!Number.isFinite(mid)) mid = lo / 2 + hi / 2;
  // Largest i with uniq[i] ≤ mid (uniq[i] ≥ lo, uniq[i + 1] ≤ hi).
  let a = 0;
  let b = uniq.length - 1;
  while (a < b) {
    const h = (a + b + 1) >> 1;
    if (uniq[h] <= mid) a = h;
    else b = h - 1;
  }
  if (uniq[a] === mid && uniq[a] > lo) a--; // the midpoint is another row's value: the gap below it
  return thresholdBetween(uniq[a], uniq[a + 1]);
}

/** Per-codebook scratch buffers, reused. */
class Workspace {
  readonly X: Float64Array;
  readonly cols: Float64Array[];
  readonly orders: Int32Array[];
  /** Room for each column's sorted distinct values. */
  readonly uniq: Float64Array[];
  readonly node: Int32Array;
  readonly seg: Int32Array;
  constructor(rows: number, V: number) {
    this.X = new Float64Array(rows * V);
    this.cols = Array.from({ length: V }, () => new Float64Array(rows));
    this.orders = Array.from({ length: V }, () => new Int32Array(rows));
    this.uniq = Array.from({ length: V }, () => new Float64Array(rows));
    this.node = new Int32Array(rows);
    this.seg = new Int32Array(rows);
  }
}

interface CodebookResult {
  dims: Int32Array;
  thresholds: Float64Array;
}

/** Learn one codebook's tree on ws.X (rows × V); leaves the bucket of every row in ws.node. */
function learnTree(ws: Workspace, rows: number, V: number, depth: number, candidateColumns: number): CodebookResult {
  const { X, cols, orders, node, seg } = ws;
  const dims = new Int32Array(depth);
  const thresholds = new Float64Array((1 << depth) - 1);
  const uniq: Float64Array[] = [];
  for (let u = 0; u < V; u++) {
    const col = cols[u];
    for (let r = 0; r < rows; r++) col[r] = X[r * V + u];
    const ord = orders[u];
    for (let r = 0; r < rows; r++) ord[r] = r;
    ord.sort((a, b) => col[a] - col[b] || a - b); // ties by row index: stable, deterministic
    const q = ws.uniq[u];
    let n = 0;
    for (let i = 0; i < rows; i++) if (n === 0 || col[ord[i]] > q[n - 1]) q[n++] = col[ord[i]];
    uniq.push(q.subarray(0, n));
  }
  node.fill(0);
  const Sh = new Float64Array(V);
  for (let level = 0; level < depth; level++) {
    const nNodes = 1 << level;
    const cnt = new Int32Array(nNodes);
    const mean = new Float64Array(nNodes * V);
    const St = new Float64Array(nNodes * V);
    const S2t = new Float64Array(nNodes * V);
    for (let r = 0; r < rows; r++) {
      const n = node[r];
      cnt[n]++;
      for (let u = 0; u < V; u++) mean[n * V + u] += X[r * V + u];
    }
    for (let n = 0; n < nNodes; n++) for (let u = 0; u < V; u++) mean[n * V + u] = cnt[n] > 0 ? mean[n * V + u] / cnt[n] : 0;
    // Centred sums (numerically safer than raw Σx² − (Σx)²/n on offset data).
    for (let r = 0; r < rows; r++) {
      const n = node[r];
      for (let u = 0; u < V; u++) {
        const y = X[r * V + u] - mean[n * V + u];
        St[n * V + u] += y;
        S2t[n * V + u] += y * y;
      }
    }
    const nodeSse = new Float64Array(nNodes);
    const nodeS2 = new Float64Array(nNodes);
    const colLoss = new Float64Array(V);
    for (let n = 0; n < nNodes; n++) {
      for (let u = 0; u < V; u++) {
        const k = n * V + u;
        const s = cnt[n] > 0 ? S2t[k] - (St[k] * St[k]) / cnt[n] : 0;
        nodeSse[n] += s;
        nodeS2[n] += S2t[k];
        colLoss[u] += s;
      }
    }
    // Candidate columns: largest summed bucket SSE first (ties: lower index), then tried in index order.
    const byLoss = Array.from({ length: V }, (_, u) => u).sort((a, b) => colLoss[b] - colLoss[a] || a - b);
    const candidates = byLoss.slice(0, Math.min(V, candidateColumns)).sort((a, b) => a - b);
    const start = new Int32Array(nNodes + 1);
    for (let n = 0; n < nNodes; n++) start[n + 1] = start[n] + cnt[n];
    const pos = new Int32Array(nNodes);
    const curThr = new Float64Array(nNodes);
    const bestThr = new Float64Array(nNodes);
    let bestLoss = Infinity;
    let bestCol = -1;
    for (const v of candidates) {
      const col = cols[v];
      // Each node's rows in increasing x[v] (a stable distribution of the column's global order).
      pos.set(start.subarray(0, nNodes));
      const ord = orders[v];
      for (let i = 0; i < rows; i++) {
        const r = ord[i];
        seg[pos[node[r]]++] = r;
      }
      let total = 0;
      let abandoned = false;
      for (let n = 0; n < nNodes; n++) {
        const s = start[n];
        const m = cnt[n];
        let bestGain = -Infinity;
        let bestPos = -1;
        if (m >= 2) {
          Sh.fill(0);
          const mo = n * V;
          let xCur = col[seg[s]];
          for (let i = 0; i < m - 1; i++) {
            const rb = seg[s + i] * V;
            for (let u = 0; u < V; u++) Sh[u] += X[rb + u] - mean[mo + u];
            const xNext = col[seg[s + i + 1]];
            if (xNext > xCur) {
              // SSE(head) + SSE(tail) = Σ S2t − Σ_u [Sh²/nh + (St − Sh)²/nt]: maximise the bracket.
              const nh = i + 1;
              const nt = m - nh;
              let gain = 0;
              for (let u = 0; u < V; u++) {
                const t = St[mo + u] - Sh[u];
                gain += (Sh[u] * Sh[u]) / nh + (t * t) / nt;
              }
              if (gain > bestGain) {
                bestGain = gain;
                bestPos = i;
              }
            }
            xCur = xNext;
          }
        }
        if (bestPos < 0) {
          // Degenerate: < 2 distinct values. Not split; everything (in the training range) goes left.
          total += nodeSse[n];
          curThr[n] = DEGENERATE_THRESHOLD;
        } else {
          total += Math.max(0, nodeS2[n] - bestGain);
          curThr[n] = thresholdInGap(uniq[v], col[seg[s + bestPos]], col[seg[s + bestPos + 1]]);
        }
        if (total >= bestLoss) {
          abandoned = true; // cannot beat the best so far (and ties go to the lower column)
          break;
        }
      }
      if (!abandoned && total < bestLoss) {
        bestLoss = total;
        bestCol = v;
        bestThr.set(curThr);
      }
    }
    if (bestCol < 0) bestCol = candidates[0]; // only if every loss is NaN, which validated input excludes
    dims[level] = bestCol;
    thresholds.set(bestThr, nNodes - 1);
    const col = cols[bestCol];
    for (let r = 0; r < rows; r++) node[r] = 2 * node[r] + (col[r] > bestThr[node[r]] ? 1 : 0);
  }
  return { dims, thresholds };
}

export function learnHashTrees(A: Float64Array, rows: number, D: number, opts: HashTreeOptions): HashTreeModel {
  const { codebooks: C, depth } = opts;
  if (!isPositiveInt(D)) refuse('The input width of the hash-tree learner must be a positive integer.', 'D', 'an integer ≥ 1', String(D));
  if (!isPositiveInt(C) || D % C !== 0) {
    refuse(`The number of codebooks does not divide the input width ${D}.`, 'codebooks', `a divisor of D = ${D} (C codebooks of V = D/C columns each)`, String(C));
  }
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_HASH_TREE_DEPTH) {
    refuse('Hash-tree depth out of range.', 'depth', `an integer 1 … ${MAX_HASH_TREE_DEPTH} (K = 2^depth buckets)`, String(depth));
  }
  if (!Number.isInteger(rows) || rows < 2) refuse('Too few rows to learn hash trees from.', 'rows', 'at least 2 calibration rows', String(rows));
  if (A.length !== rows * D) refuse('Calibration data has the wrong shape.', 'A', `rows × D = ${rows} × ${D} = ${rows * D} values`, `${A.length} values`);
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i])) refuse('Calibration data must be finite.', `A[${Math.floor(i / D)}][${i % D}]`, 'a finite number', String(A[i]));
  }
  const candidateColumns = opts.candidateColumns ?? DEFAULT_CANDIDATE_COLUMNS;
  if (!isPositiveInt(candidateColumns)) refuse('Candidate columns per level must be a positive integer.', 'candidateColumns', 'an integer ≥ 1', String(candidateColumns));
  const ridge = opts.ridge ?? 0;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) refuse('Ridge λ must be a finite number ≥ 0.', 'ridge', 'λ ≥ 0 (0: no refinement)', String(ridge));
  if (opts.W !== undefined) {
    const M = opts.M;
    if (M === undefined || !isPositiveInt(M) || opts.W.length !== D * M) {
      refuse('The dense weight for refinement has the wrong shape.', 'W', `(D, M) = (${D}, M) row-major with M given`, `${opts.W.length} values, M = ${String(M)}`);
    }
  }

  const V = D / C;
  const K = 1 << depth;
  const inner = K - 1;
  const splitDims = new Int32Array(C * depth);
  const thresholds = new Float64Array(C * inner);
  const prototypes = new Float64Array(C * K * V);
  const codes = new Int32Array(rows * C);
  const sse = new Float64Array(C);
  const counts = new Int32Array(C * K);
  const ws = new Workspace(rows, V);
  for (let c = 0; c < C; c++) {
    const X = ws.X;
    for (let r = 0; r < rows; r++) for (let u = 0; u < V; u++) X[r * V + u] = A[r * D + c * V + u];
    const tree = learnTree(ws, rows, V, depth, candidateColumns);
    for (let l = 0; l < depth; l++) splitDims[c * depth + l] = c * V + tree.dims[l];
    thresholds.set(tree.thresholds, c * inner);
    const node = ws.node;
    // Bucket means, summed in row order.
    const sum = new Float64Array(K * V);
    const cnt = counts.subarray(c * K, (c + 1) * K);
    for (let r = 0; r < rows; r++) {
      const k = node[r];
      codes[r * C + c] = k;
      cnt[k]++;
      for (let u = 0; u < V; u++) sum[k * V + u] += X[r * V + u];
    }
    const P = prototypes.subarray(c * K * V, (c + 1) * K * V);
    for (let k = 0; k < K; k++) {
      if (cnt[k] > 0) {
        for (let u = 0; u < V; u++) P[k * V + u] = sum[k * V + u] / cnt[k];
        continue;
      }
      // Empty bucket: the mean of the nearest ancestor that holds rows (the root always does).
      for (let up = 1; up <= depth; up++) {
        const lo = (k >> up) << up;
        const hi = lo + (1 << up);
        let n = 0;
        for (let j = lo; j < hi; j++) n += cnt[j];
        if (n === 0) continue;
        for (let u = 0; u < V; u++) {
          let s = 0;
          for (let j = lo; j < hi; j++) s += sum[j * V + u];
          P[k * V + u] = s / n;
        }
        break;
      }
    }
    let e = 0;
    for (let r = 0; r < rows; r++) {
      const p = node[r] * V;
      for (let u = 0; u < V; u++) e += (X[r * V + u] - P[p + u]) ** 2;
    }
    sse[c] = e;
  }
  const model: HashTreeModel = { C, K, V, D, depth, splitDims, thresholds, prototypes, codes, sse, counts, seed: opts.seed };
  if (ridge > 0) model.refinement = refine(model, A, rows, ridge, opts);
  return model;
}

/** Ridge refinement of the prototypes (or of the table P·W), see maddness-ridge.ts. */
function refine(model: HashTreeModel, A: Float64Array, rows: number, ridge: number, opts: HashTreeOptions): HashTreeRefinement {
  const { C, K, V, D, codes, prototypes } = model;
  // Input residual E = A − Â (rows × D), Â the bucket means of each codebook's block.
  const E = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const p = (c * K + codes[r * C + c]) * V;
      for (let u = 0; u < V; u++) E[r * D + c * V + u] = A[r * D + c * V + u] - prototypes[p + u];
    }
  }
  const W = opts.W;
  const m = W !== undefined ? (opts.M as number) : D;
  let R: Float64Array;
  let T0: Float64Array; // (C·K × m): the bucket means as a table (P0·W) or as full-width prototypes
  if (W !== undefined) {
    R = new Float64Array(rows * m);
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < D; d++) {
        const e = E[r * D + d];
        if (e === 0) continue;
        for (let j = 0; j < m; j++) R[r * m + j] += e * W[d * m + j];
      }
    }
    T0 = new Float64Array(C * K * m);
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < K; k++) {
        for (let u = 0; u < V; u++) {
          const p = prototypes[(c * K + k) * V + u];
          if (p === 0) continue;
          for (let j = 0; j < m; j++) T0[(c * K + k) * m + j] += p * W[(c * V + u) * m + j];
        }
      }
    }
  } else {
    R = E;
    T0 = new Float64Array(C * K * D);
    for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let u = 0; u < V; u++) T0[(c * K + k) * D + c * V + u] = prototypes[(c * K + k) * V + u];
  }
  let before = 0;
  for (const x of R) before += x * x;
  const sol = ridgeSolve(codes, rows, C, K, R, m, ridge, opts.ridgeSolver);
  const GD = applyCodes(codes, rows, C, K, sol.delta, m);
  let after = 0;
  for (let i = 0; i < R.length; i++) after += (R[i] - GD[i]) ** 2;
  const out = T0;
  if (after <= before) {
    for (let i = 0; i < out.length; i++) out[i] += sol.delta[i];
  } else {
    after = before; // rounding only (CG lowers the ridge objective); keep the bucket means
  }
  const base = { ridge, errorBefore: before, errorAfter: after, method: sol.method, iterations: sol.iterations, converged: sol.converged };
  return W !== undefined ? { ...base, target: 'output', lut: out, M: m } : { ...base, target: 'input', prototypes: out };
}

/**
 * Encode rows x (rows × C·V) with hash trees, the format's rule (artifact-format.md, halutmatmul
 * `functions.py` `apply_hash_function_opt`): node = 0; per level l:
 * v = (x[split_dims[c][l]] − offset)·scale; node = 2·node + (v > thresholds[c][2^l − 1 + node]).
 * Returns (rows, C) bucket indices 0 … 2^d − 1.
 */
export function encodeHashTrees(model: HashTreeEncoder, x: ArrayLike<number>, rows: number): Int32Array {
  const { C, V, depth } = model;
  const D = C * V;
  const inner = (1 << depth) - 1;
  if (x.length !== rows * D) refuse('Inputs to encode have the wrong shape.', 'x', `rows × C·V = ${rows} × ${D} values`, `${x.length} values`);
  if (model.splitDims.length !== C * depth || model.thresholds.length !== C * inner) {
    refuse('Hash trees have the wrong shape.', 'split_dims / thresholds', `(C, d) = (${C}, ${depth}) and (C, 2^d − 1) = (${C}, ${inner})`, `${model.splitDims.length} and ${model.thresholds.length} values`);
  }
  for (let c = 0; c < C; c++) {
    for (let l = 0; l < depth; l++) {
      const j = model.splitDims[c * depth + l];
      if (!Number.isInteger(j) || j < c * V || j >= (c + 1) * V) refuse('A split column lies outside its codebook.', `split_dims[${c}][${l}]`, `a column in [${c * V}, ${(c + 1) * V})`, String(j));
    }
  }
  const codes = new Int32Array(rows * C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) codes[r * C + c] = hashTreeLeaf(model, x, r * D, c);
  return codes;
}

/** Σ_r ||a_c − P[c][code]||² per codebook, for any codes and prototypes (C, K, V). */
export function bucketSse(A: ArrayLike<number>, rows: number, D: number, C: number, K: number, codes: Int32Array, prototypes: ArrayLike<number>): Float64Array {
  const V = D / C;
  const out = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const p = (c * K + codes[r * C + c]) * V;
      let e = 0;
      for (let u = 0; u < V; u++) e += (A[r * D + c * V + u] - prototypes[p + u]) ** 2;
      out[c] += e;
    }
  }
  return out;
}

/** Bucket means (C, K, V) of rows grouped by codes (empty buckets: 0), summed in row order. */
export function bucketMeans(A: ArrayLike<number>, rows: number, D: number, C: number, K: number, codes: Int32Array): Float64Array {
  const V = D / C;
  const sum = new Float64Array(C * K * V);
  const cnt = new Int32Array(C * K);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const b = c * K + codes[r * C + c];
      cnt[b]++;
      for (let u = 0; u < V; u++) sum[b * V + u] += A[r * D + c * V + u];
    }
  }
  for (let b = 0; b < C * K; b++) if (cnt[b] > 0) for (let u = 0; u < V; u++) sum[b * V + u] /= cnt[b];
  return sum;
}
