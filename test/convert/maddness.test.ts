/** MADDNESS hash-tree learner (generator/convert/maddness.ts). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEGENERATE_THRESHOLD, encodeHashTrees, learnHashTrees, thresholdBetween, thresholdInGap, type HashTreeModel } from '../../generator/convert/maddness.ts';
import { applyCodes, ridgeSolve } from '../../generator/convert/maddness-ridge.ts';
import { readNpy } from '../../generator/convert/numpy.ts';
import { LutnnError } from '../../generator/errors.ts';
import { readStateDict } from '../../generator/import/state-dict.ts';
import { Rng } from '../../generator/util/rng.ts';

/** Rows from a few Gaussian blobs per codebook, optionally on a grid (quantized inputs). */
function blobs(rows: number, D: number, seed: number, grid = 0): Float64Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 5 }, () => Array.from({ length: D }, () => rng.normal() * 3));
  const A = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) {
    const k = rng.int(0, 4);
    for (let d = 0; d < D; d++) {
      const x = centres[k][d] + rng.normal() * (0.3 + (d % 3) * 0.4);
      A[r * D + d] = grid > 0 ? Math.round(x / grid) * grid : x;
    }
  }
  return A;
}

/** Bucket means (C, K, V), computed here independently; empty buckets NaN. */
function means(A: Float64Array, rows: number, D: number, C: number, K: number, codes: Int32Array): Float64Array {
  const V = D / C;
  const s = new Float64Array(C * K * V);
  const n = new Int32Array(C * K);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < rows; r++) {
      const b = c * K + codes[r * C + c];
      n[b]++;
      for (let u = 0; u < V; u++) s[b * V + u] += A[r * D + c * V + u];
    }
  }
  for (let b = 0; b < C * K; b++) for (let u = 0; u < V; u++) s[b * V + u] = n[b] > 0 ? s[b * V + u] / n[b] : NaN;
  return s;
}

function sseOf(A: Float64Array, rows: number, D: number, C: number, K: number, codes: Int32Array): number[] {
  const V = D / C;
  const P = means(A, rows, D, C, K, codes);
  const out = new Array<number>(C).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) for (let u = 0; u < V; u++) out[c] += (A[r * D + c * V + u] - P[(c * K + codes[r * C + c]) * V + u]) ** 2;
  return out;
}

/** SSE of a set of rows over the columns [c0, c0 + V). */
function setSse(A: Float64Array, D: number, c0: number, V: number, ids: number[]): number {
  let e = 0;
  for (let u = 0; u < V; u++) {
    let m = 0;
    for (const r of ids) m += A[r * D + c0 + u];
    m /= Math.max(1, ids.length);
    for (const r of ids) e += (A[r * D + c0 + u] - m) ** 2;
  }
  return e;
}

/** Brute force: the lowest SSE of splitting `ids` on column j at any threshold between distinct values. */
function bestSplitBrute(A: Float64Array, D: number, c0: number, V: number, ids: number[], j: number): number {
  const vals = [...new Set(ids.map((r) => A[r * D + j]))].sort((a, b) => a - b);
  let best = setSse(A, D, c0, V, ids);
  for (let i = 0; i + 1 < vals.length; i++) {
    const t = (vals[i] + vals[i + 1]) / 2;
    best = Math.min(best, setSse(A, D, c0, V, ids.filter((r) => A[r * D + j] <= t)) + setSse(A, D, c0, V, ids.filter((r) => A[r * D + j] > t)));
  }
  return best;
}

const HALUT = fileURLToPath(new URL('../real-exports/halut/', import.meta.url));

describe('learnHashTrees', () => {
  it('is deterministic (and draws no randomness: the seed does not change the result)', () => {
    const A = blobs(300, 12, 7);
    const a = learnHashTrees(A, 300, 12, { codebooks: 3, depth: 3, seed: 1 });
    const b = learnHashTrees(A, 300, 12, { codebooks: 3, depth: 3, seed: 1 });
    const c = learnHashTrees(A, 300, 12, { codebooks: 3, depth: 3, seed: 99 });
    for (const m of [b, c]) {
      expect(m.splitDims).toEqual(a.splitDims);
      expect(m.thresholds).toEqual(a.thresholds);
      expect(m.prototypes).toEqual(a.prototypes);
      expect(m.codes).toEqual(a.codes);
      expect(m.sse).toEqual(a.sse);
    }
  });

  it('picks the clustered columns and puts thresholds between the clusters', () => {
    // Codebook 0 (columns 0–3): column 1 is bimodal {0, 10}, column 3 bimodal {0, 5}; codebook 1
    // (columns 4–7): column 6 bimodal {0, 8}, column 4 bimodal {0, 4}. Other columns: small noise.
    const rng = new Rng(3);
    const rows = 400;
    const D = 8;
    const A = new Float64Array(rows * D);
    const mode = (r: number, bit: number) => (r >> bit) & 1;
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < D; d++) A[r * D + d] = rng.normal() * 0.1;
      A[r * D + 1] += 10 * mode(r, 0);
      A[r * D + 3] += 5 * mode(r, 1);
      A[r * D + 6] += 8 * mode(r, 2);
      A[r * D + 4] += 4 * mode(r, 3);
    }
    const m = learnHashTrees(A, rows, D, { codebooks: 2, depth: 2, seed: 1 });
    expect(Array.from(m.splitDims)).toEqual([1, 3, 6, 4]);
    const range = (col: number, hi: 0 | 1, bit: number) => {
      const v = [];
      for (let r = 0; r < rows; r++) if (mode(r, bit) === hi) v.push(A[r * D + col]);
      return { min: Math.min(...v), max: Math.max(...v) };
    };
    const between = (t: number, col: number, bit: number) => {
      expect(t).toBeGreaterThan(range(col, 0, bit).max);
      expect(t).toBeLessThan(range(col, 1, bit).min);
    };
    // Level 0: one threshold; level 1: both nodes split the second column between its clusters.
    between(m.thresholds[0], 1, 0);
    between(m.thresholds[1], 3, 1);
    between(m.thresholds[2], 3, 1);
    between(m.thresholds[3], 6, 2);
    between(m.thresholds[4], 6, 2);
    between(m.thresholds[5], 4, 3);
    for (let r = 0; r < rows; r++) {
      expect(m.codes[r * 2]).toBe(2 * mode(r, 0) + mode(r, 1));
      expect(m.codes[r * 2 + 1]).toBe(2 * mode(r, 2) + mode(r, 3));
    }
  });

  it('codes of the training rows equal encodeHashTrees of those rows', () => {
    for (const [seed, depth, grid] of [[1, 1, 0], [2, 4, 0], [3, 4, 0.25], [4, 6, 0.5], [5, 8, 0]] as const) {
      const rows = 250;
      const A = blobs(rows, 16, seed, grid);
      const m = learnHashTrees(A, rows, 16, { codebooks: 4, depth, seed });
      expect(encodeHashTrees(m, A, rows)).toEqual(m.codes);
      // Also after the thresholds are stored as float32 (the artifact's dtype).
      expect(encodeHashTrees({ ...m, thresholds: Float32Array.from(m.thresholds) }, A, rows)).toEqual(m.codes);
    }
  });

  it('prototypes are the bucket means (exactly); empty buckets take the nearest non-empty ancestor mean', () => {
    const rows = 120;
    const A = blobs(rows, 12, 11);
    const C = 3;
    const depth = 5; // 32 buckets for 120 rows: some are empty
    const m = learnHashTrees(A, rows, 12, { codebooks: C, depth, seed: 1 });
    const K = 32;
    const V = 4;
    const ref = means(A, rows, 12, C, K, m.codes);
    let empty = 0;
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < K; k++) {
        const b = c * K + k;
        if (m.counts[b] > 0) {
          for (let u = 0; u < V; u++) expect(m.prototypes[b * V + u]).toBe(ref[b * V + u]);
          continue;
        }
        empty++;
        // Nearest ancestor holding rows: the rows whose code shares the longest prefix with k.
        for (let up = 1; up <= depth; up++) {
          const ids: number[] = [];
          for (let r = 0; r < rows; r++) if (m.codes[r * C + c] >> up === k >> up) ids.push(r);
          if (ids.length === 0) continue;
          for (let u = 0; u < V; u++) expect(m.prototypes[b * V + u]).toBeCloseTo(ids.reduce((s, r) => s + A[r * 12 + c * V + u], 0) / ids.length, 12);
          break;
        }
      }
    }
    expect(empty).toBeGreaterThan(0);
    const sse = sseOf(A, rows, 12, C, K, m.codes);
    for (let c = 0; c < C; c++) expect(m.sse[c]).toBeCloseTo(sse[c], 9);
  });

  it('splits every node optimally on its level column, and no other column gives a level a lower loss', () => {
    const rows = 80;
    const D = 6;
    const C = 2;
    const V = 3;
    const depth = 3;
    const A = blobs(rows, D, 5, 0.5); // on a grid: many ties
    const m = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1 });
    for (let c = 0; c < C; c++) {
      for (let l = 0; l < depth; l++) {
        const nodes: number[][] = Array.from({ length: 1 << l }, () => []);
        for (let r = 0; r < rows; r++) nodes[m.codes[r * C + c] >> (depth - l)].push(r);
        const levelLoss = (j: number) => nodes.reduce((s, ids) => s + bestSplitBrute(A, D, c * V, V, ids, j), 0);
        const chosen = m.splitDims[c * depth + l];
        // The learned split of each node realises the brute-force optimum on the chosen column.
        const kids: number[][] = Array.from({ length: 2 << l }, () => []);
        for (let r = 0; r < rows; r++) kids[m.codes[r * C + c] >> (depth - l - 1)].push(r);
        nodes.forEach((ids, n) => {
          const got = setSse(A, D, c * V, V, kids[2 * n]) + setSse(A, D, c * V, V, kids[2 * n + 1]);
          expect(got).toBeCloseTo(bestSplitBrute(A, D, c * V, V, ids, chosen), 9);
        });
        for (let j = c * V; j < (c + 1) * V; j++) expect(levelLoss(chosen)).toBeLessThanOrEqual(levelLoss(j) + 1e-9);
      }
    }
  });

  it('has a lower SSE than random-split trees on the same data', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rows = 300;
      const D = 12;
      const C = 3;
      const V = 4;
      const depth = 3;
      const A = blobs(rows, D, 100 + seed);
      const m = learnHashTrees(A, rows, D, { codebooks: C, depth, seed });
      const rng = new Rng(seed);
      // Random tree: per level a random column of the block, per node a random row's value as threshold.
      const splitDims = new Int32Array(C * depth);
      const thresholds = new Float64Array(C * ((1 << depth) - 1));
      const node = new Int32Array(rows * C);
      for (let c = 0; c < C; c++) {
        for (let l = 0; l < depth; l++) {
          const j = c * V + rng.int(0, V - 1);
          splitDims[c * depth + l] = j;
          for (let n = 0; n < 1 << l; n++) {
            const ids = [];
            for (let r = 0; r < rows; r++) if (node[r * C + c] === n) ids.push(r);
            thresholds[c * ((1 << depth) - 1) + (1 << l) - 1 + n] = ids.length ? A[ids[rng.int(0, ids.length - 1)] * D + j] : 0;
          }
          for (let r = 0; r < rows; r++) node[r * C + c] = 2 * node[r * C + c] + (A[r * D + j] > thresholds[c * ((1 << depth) - 1) + (1 << l) - 1 + node[r * C + c]] ? 1 : 0);
        }
      }
      const codes = encodeHashTrees({ C, V, depth, splitDims, thresholds }, A, rows);
      const random = sseOf(A, rows, D, C, 1 << depth, codes).reduce((a, b) => a + b, 0);
      const ours = m.sse.reduce((a, b) => a + b, 0);
      expect(ours).toBeLessThan(random);
    }
  });

  it('puts thresholds between data values (never on a training value of the split column) and split columns inside each codebook', () => {
    for (const grid of [0, 1 / 16, 1]) {
      const rows = 200;
      const D = 16;
      const C = 4;
      const V = 4;
      const depth = 4;
      const A = blobs(rows, D, 21, grid);
      const m = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1 });
      for (let c = 0; c < C; c++) {
        for (let l = 0; l < depth; l++) {
          const j = m.splitDims[c * depth + l];
          expect(j).toBeGreaterThanOrEqual(c * V);
          expect(j).toBeLessThan((c + 1) * V);
          const column = new Set<number>();
          for (let r = 0; r < rows; r++) column.add(A[r * D + j]);
          for (let n = 0; n < 1 << l; n++) {
            const vals = new Set<number>();
            for (let r = 0; r < rows; r++) if (m.codes[r * C + c] >> (depth - l) === n) vals.add(A[r * D + j]);
            const t = m.thresholds[c * 15 + (1 << l) - 1 + n];
            if (vals.size >= 2) {
              expect(column.has(t)).toBe(false);
              expect(column.has(Math.fround(t))).toBe(false);
            } else {
              expect(t).toBe(DEGENERATE_THRESHOLD); // not split: every input goes left
            }
          }
        }
      }
    }
  });

  it('handles constant columns, duplicate rows and codebooks with no spread', () => {
    const rows = 50;
    const D = 4;
    const A = new Float64Array(rows * D);
    for (let r = 0; r < rows; r++) {
      A[r * D + 0] = 3; // codebook 0: constant
      A[r * D + 1] = 3;
      A[r * D + 2] = r % 2; // codebook 1: two distinct rows, repeated
      A[r * D + 3] = -1;
    }
    const m = learnHashTrees(A, rows, D, { codebooks: 2, depth: 3, seed: 1 });
    for (const v of [...m.thresholds, ...m.prototypes, ...m.sse]) expect(Number.isFinite(v)).toBe(true);
    for (let r = 0; r < rows; r++) expect(m.codes[r * 2]).toBe(0);
    expect(Array.from(m.thresholds.subarray(0, 7))).toEqual(new Array(7).fill(DEGENERATE_THRESHOLD));
    expect(Array.from(m.prototypes.subarray(0, 16))).toEqual(new Array(16).fill(3));
    expect(m.sse[0]).toBe(0);
    expect(m.sse[1]).toBe(0);
    expect(m.splitDims[3]).toBe(2); // the only column with two values
    expect(m.thresholds[7]).toBe(0.5);
    expect(encodeHashTrees(m, A, rows)).toEqual(m.codes);
    // Unseen inputs far outside the training range still take the unsplit (left) path.
    const far = encodeHashTrees(m, [1e30, -1e30, 0.25, 1e30], 1);
    expect(far[0]).toBe(0);
  });

  it('chooses float32 midpoints in gaps between the values of the whole column', () => {
    // Node values 2 and 4, but another node's rows hold 3: the threshold goes in the gap below 3.
    expect(thresholdInGap(Float64Array.of(0, 1, 2, 3, 4), 2, 4)).toBe(2.5);
    expect(thresholdInGap(Float64Array.of(0, 2, 3.5, 4), 2, 4)).toBe(2.75); // gap (2, 3.5) holds 3
    expect(thresholdInGap(Float64Array.of(0, 2, 4), 2, 4)).toBe(3);
    expect(thresholdBetween(0, 0.0625)).toBe(0.03125);
    expect(thresholdBetween(1, 2)).toBe(1.5);
    const lo = 1;
    const hi = 1 + 2 ** -52; // adjacent doubles: only lo separates them
    expect(thresholdBetween(lo, hi)).toBe(lo);
    const a = Math.fround(0.1);
    const b = Math.fround(0.1 + 1e-8); // no float32 strictly between two close floats: a float64 midpoint
    const t = thresholdBetween(a, b);
    expect(t > a && t < b).toBe(true);
    expect(thresholdBetween(-1e308, 1e308)).toBe(0);
    expect(Math.fround(DEGENERATE_THRESHOLD)).toBe(DEGENERATE_THRESHOLD);
  });

  it('refuses D not divisible by C, depth outside 1 … 8, fewer than 2 rows, wrong shapes', () => {
    const A = blobs(10, 12, 1);
    const bad = (f: () => unknown, msg: RegExp) => {
      expect(f).toThrow(LutnnError);
      expect(f).toThrow(msg);
    };
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 5, depth: 2, seed: 1 }), /codebooks does not divide the input width 12/);
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 0, depth: 2, seed: 1 }), /codebooks/);
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 3, depth: 0, seed: 1 }), /depth out of range/);
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 3, depth: 9, seed: 1 }), /depth out of range/);
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 3, depth: 1.5, seed: 1 }), /depth out of range/);
    bad(() => learnHashTrees(A.subarray(0, 12), 1, 12, { codebooks: 3, depth: 2, seed: 1 }), /Too few rows/);
    bad(() => learnHashTrees(A, 9, 12, { codebooks: 3, depth: 2, seed: 1 }), /wrong shape/);
    bad(() => learnHashTrees(Float64Array.from(A, (v, i) => (i === 5 ? NaN : v)), 10, 12, { codebooks: 3, depth: 2, seed: 1 }), /finite[\s\S]*A\[0\]\[5\]/);
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 3, depth: 2, seed: 1, ridge: -1 }), /Ridge/);
    bad(() => learnHashTrees(A, 10, 12, { codebooks: 3, depth: 2, seed: 1, ridge: 1, W: new Float64Array(12 * 3), M: 4 }), /dense weight/);
    const m = learnHashTrees(A, 10, 12, { codebooks: 3, depth: 2, seed: 1 });
    bad(() => encodeHashTrees(m, A, 9), /wrong shape/);
    bad(() => encodeHashTrees({ ...m, splitDims: Int32Array.from(m.splitDims, (j, i) => (i === 2 ? 0 : j)) }, A, 10), /outside its codebook[\s\S]*split_dims\[1\]\[0\]/);
  });
});

describe('ridge refinement', () => {
  const rows = 300;
  const D = 12;
  const C = 3;
  const depth = 3;
  const K = 8;
  const A = blobs(rows, D, 8);
  const recon = (m: HashTreeModel, P: Float64Array, width: number, Y: Float64Array): number => {
    const GP = applyCodes(m.codes, rows, C, K, P, width);
    let e = 0;
    for (let i = 0; i < Y.length; i++) e += (Y[i] - GP[i]) ** 2;
    return e;
  };
  /** Bucket means as full-width prototypes (C·K × D), zero outside each codebook's block. */
  const fullWidth = (m: HashTreeModel) => {
    const P = new Float64Array(C * K * D);
    for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let u = 0; u < 4; u++) P[(c * K + k) * D + c * 4 + u] = m.prototypes[(c * K + k) * 4 + u];
    return P;
  };

  it('does not increase ||A − G·P||² and reports the errors it reached', () => {
    const plain = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1 });
    expect(plain.refinement).toBeUndefined();
    const before = recon(plain, fullWidth(plain), D, A);
    expect(before).toBeCloseTo(plain.sse.reduce((a, b) => a + b, 0), 8);
    for (const ridge of [1e-3, 1, 100]) {
      const m = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1, ridge });
      const f = m.refinement!;
      expect(f.target).toBe('input');
      expect(f.method).toBe('cholesky');
      expect(m.codes).toEqual(plain.codes); // refinement never changes the trees
      const after = recon(m, f.prototypes!, D, A);
      expect(f.errorBefore).toBeCloseTo(before, 8);
      expect(f.errorAfter).toBeCloseTo(after, 8);
      expect(after).toBeLessThanOrEqual(before);
      if (ridge <= 1) expect(after).toBeLessThan(0.99 * before); // cross-codebook prototypes help
    }
  });

  it('with a dense weight refines the table T = P·W against A·W, consistent with refined prototypes', () => {
    const M = 5;
    const rng = new Rng(2);
    const W = Float64Array.from({ length: D * M }, () => rng.normal());
    const m = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1, ridge: 1, W, M });
    const f = m.refinement!;
    expect(f.target).toBe('output');
    const Y = new Float64Array(rows * M);
    for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) for (let j = 0; j < M; j++) Y[r * M + j] += A[r * D + d] * W[d * M + j];
    const mul = (P: Float64Array) => {
      const T = new Float64Array(C * K * M);
      for (let i = 0; i < C * K; i++) for (let d = 0; d < D; d++) for (let j = 0; j < M; j++) T[i * M + j] += P[i * D + d] * W[d * M + j];
      return T;
    };
    const before = recon(m, mul(fullWidth(m)), M, Y);
    const after = recon(m, f.lut!, M, Y);
    expect(f.errorBefore).toBeCloseTo(before, 6);
    expect(after).toBeLessThanOrEqual(before);
    expect(f.errorAfter).toBeCloseTo(after, 6);
    // Linearity: the refined table is the refined full-width prototypes times W.
    const p = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1, ridge: 1 }).refinement!.prototypes!;
    const T = mul(p);
    for (let i = 0; i < T.length; i++) expect(f.lut![i]).toBeCloseTo(T[i], 8);
  });

  it('conjugate gradient reaches the Cholesky solution', () => {
    const m = learnHashTrees(A, rows, D, { codebooks: C, depth, seed: 1 });
    const R = A.map((v, i) => v - 0.1 * i);
    const direct = ridgeSolve(m.codes, rows, C, K, R, D, 0.5, { method: 'cholesky' });
    const cg = ridgeSolve(m.codes, rows, C, K, R, D, 0.5, { method: 'cg', maxIterations: 500, tolerance: 1e-12 });
    expect(direct.method).toBe('cholesky');
    expect(cg.method).toBe('cg');
    expect(cg.converged).toBe(true);
    for (let i = 0; i < direct.delta.length; i++) expect(cg.delta[i]).toBeCloseTo(direct.delta[i], 7);
  });
});

describe('against halutmatmul (test/real-exports/halut)', () => {
  it('our encoder reproduces halutmatmul codes from its trees; our trees have a bucket SSE within 5 % of its', async () => {
    const calib = await readNpy(join(HALUT, 'halut_calib.npy'));
    const test = await readNpy(join(HALUT, 'halut_test_x.npy'));
    const own = await readNpy(join(HALUT, 'halut_tree_codes.npy'));
    const sd = await readStateDict(join(HALUT, 'halut_linear_state.safetensors'));
    const C = 16;
    const K = 16;
    const D = 64;
    const halut = { C, V: 4, depth: 4, splitDims: sd.tensors.get('fc.dims')!.values(), thresholds: sd.tensors.get('fc.thresholds')!.values() };
    const trows = test.shape[0];
    const hc = encodeHashTrees(halut, test.data, trows);
    for (let i = 0; i < hc.length; i++) expect(own.data[i]).toBe((i % C) * K + hc[i]); // halut codes are global c·K + k

    const rows = calib.shape[0];
    const m = learnHashTrees(calib.data, rows, D, { codebooks: C, depth: 4, seed: 1 });
    const theirs = sseOf(calib.data, rows, D, C, K, encodeHashTrees(halut, calib.data, rows)).reduce((a, b) => a + b, 0);
    const ours = m.sse.reduce((a, b) => a + b, 0);
    expect(ours).toBeLessThan(1.05 * theirs);
    expect(ours).toBeGreaterThan(0.8 * theirs);
  });
});
