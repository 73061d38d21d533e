/**
 * MADDNESS prototype refinement (Blalock & Guttag, ICML'21, §4.3 "Optimizing the prototypes"):
 * with the hash-tree codes held, fit all codebooks' prototypes jointly by ridge regression on the
 * one-hot code matrix G (rows × C·K), so that G·P reconstructs the target.
 *
 * Like the reference code we solve for a correction Δ to the bucket means P0, shrinking towards the
 * bucket means rather than towards zero:
 *
 *   Δ = (GᵀG + λI)⁻¹ Gᵀ R,   R = Y − G·P0,   P = P0 + Δ
 *
 * (bolt `experiments/python/clusterize.py` `learn_mithral`, "shrink W towards initial centroids":
 * `W = encoded_lstsq(X_enc=X_enc, Y=X_res)`, `all_centroids += all_centroids_delta`; halutmatmul
 * `src/python/halutmatmul/maddness.py` `learn_proto_and_hash_function` lines 566–570:
 * `W = encoded_lstsq(A_enc=A_enc, Y=X_error, K=K)`, `all_prototypes += all_prototypes_delta`, with
 * `_fit_ridge_enc` = sklearn `Ridge(fit_intercept=False, alpha=lamda)`, lamda = 1.) For λ → 0 this is
 * the paper's P = (GᵀG + λI)⁻¹GᵀY; for λ > 0 it cannot make the reconstruction worse than the bucket
 * means: the ridge objective ||R − GΔ||² + λ||Δ||² is ||R||² at Δ = 0, so at any Δ that does not raise
 * it, ||R − GΔ||² ≤ ||R||² − λ||Δ||².
 *
 * Solvers. GᵀG is (C·K)² (3,136² for MNIST at C = 196, K = 16) and singular (each codebook's one-hot
 * columns sum to the all-ones column), so λ > 0 is required; then GᵀG + λI is symmetric positive
 * definite.
 * - 'cholesky' (default while C·K ≤ 4096): form GᵀG from the codes (rows·C²/2 increments), factor
 *   GᵀG + λI = LLᵀ with a row-panel blocked Cholesky (n³/6 multiply-adds, each finished row of L read
 *   once per panel of 64 rows), then two triangular solves for all m right-hand sides. Exact; what
 *   numpy.linalg.lstsq / sklearn's Cholesky ridge do in the reference code.
 * - 'cg': Jacobi-preconditioned conjugate gradient with the operator applied through the codes,
 *   (GᵀG + λI)·X = Gᵀ(G·X) + λX, 2·rows·C·m additions per iteration, one CG per target column. For
 *   larger C·K. Each iterate lowers the ridge objective from Δ = 0, so stopping early is safe, but the
 *   tail converges slowly (MNIST, C = 196: 20 iterations leave the error 2.4 % above the optimum).
 */

export interface RidgeSolveOptions {
  /** 'auto' (default): 'cholesky' while C·K ≤ CHOLESKY_MAX_UNKNOWNS, else 'cg'. */
  method?: 'auto' | 'cholesky' | 'cg';
  /** Maximum CG iterations (default 100). */
  maxIterations?: number;
  /** Stop a column when ||residual|| ≤ tolerance·||Gᵀ R|| (default 1e-6). */
  tolerance?: number;
}

export interface RidgeSolution {
  /** Δ, (C·K) × m row-major: row c·K + k is the correction of prototype k of codebook c. */
  delta: Float64Array;
  method: 'cholesky' | 'cg';
  /** CG iterations (0 for Cholesky). */
  iterations: number;
  /** Cholesky, or every CG column reached the tolerance. */
  converged: boolean;
}

/** Largest C·K factored directly: the dense factor takes (C·K)²·8 bytes (134 MB at 4096). */
export const CHOLESKY_MAX_UNKNOWNS = 4096;

/** Y (rows × m) = G·X, X (C·K × m): Y[r] = Σ_c X[c·K + code[r][c]]. */
export function applyCodes(codes: Int32Array, rows: number, C: number, K: number, X: Float64Array, m: number, out = new Float64Array(rows * m)): Float64Array {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * m;
    for (let c = 0; c < C; c++) {
      const x = (c * K + codes[r * C + c]) * m;
      for (let j = 0; j < m; j++) out[o + j] += X[x + j];
    }
  }
  return out;
}

/** X (C·K × m) = Gᵀ·Y, Y (rows × m). */
export function applyCodesTransposed(codes: Int32Array, rows: number, C: number, K: number, Y: Float64Array, m: number, out = new Float64Array(C * K * m)): Float64Array {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const y = r * m;
    for (let c = 0; c < C; c++) {
      const o = (c * K + codes[r * C + c]) * m;
      for (let j = 0; j < m; j++) out[o + j] += Y[y + j];
    }
  }
  return out;
}

/** Solve (GᵀG + λI)·Δ = Gᵀ·R for Δ, R (rows × m). */
export function ridgeSolve(codes: Int32Array, rows: number, C: number, K: number, R: Float64Array, m: number, lambda: number, opts: RidgeSolveOptions = {}): RidgeSolution {
  const method = opts.method ?? 'auto';
  if (method === 'cholesky' || (method === 'auto' && C * K <= CHOLESKY_MAX_UNKNOWNS)) {
    const direct = ridgeSolveCholesky(codes, rows, C, K, R, m, lambda);
    if (direct !== undefined) return direct;
    // A pivot lost to rounding (λ tiny against the bucket counts): CG still works.
  }
  return ridgeSolveCg(codes, rows, C, K, R, m, lambda, opts);
}

const PANEL = 64;

/** L (n × n row-major, lower triangle) with LLᵀ = S, S given in the lower triangle; in place. False if a pivot is not > 0. */
export function choleskyInPlace(S: Float64Array, n: number): boolean {
  const dot = (a: number, b: number, len: number): number => {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; k + 3 < len; k += 4) {
      s0 += S[a + k] * S[b + k];
      s1 += S[a + k + 1] * S[b + k + 1];
      s2 += S[a + k + 2] * S[b + k + 2];
      s3 += S[a + k + 3] * S[b + k + 3];
    }
    for (; k < len; k++) s0 += S[a + k] * S[b + k];
    return s0 + s1 + (s2 + s3);
  };
  for (let I = 0; I < n; I += PANEL) {
    const end = Math.min(n, I + PANEL);
    // Panel rows against every finished row j < I (row j of L is read once per panel).
    for (let j = 0; j < I; j++) {
      const ljj = S[j * n + j];
      for (let i = I; i < end; i++) S[i * n + j] = (S[i * n + j] - dot(i * n, j * n, j)) / ljj;
    }
    for (let i = I; i < end; i++) {
      for (let j = I; j <= i; j++) {
        const s = S[i * n + j] - dot(i * n, j * n, j);
        if (i === j) {
          if (!(s > 0)) return false;
          S[i * n + i] = Math.sqrt(s);
        } else {
          S[i * n + j] = s / S[j * n + j];
        }
      }
    }
  }
  return true;
}

function ridgeSolveCholesky(codes: Int32Array, rows: number, C: number, K: number, R: Float64Array, m: number, lambda: number): RidgeSolution | undefined {
  const n = C * K;
  const S = new Float64Array(n * n);
  // GᵀG block by block: block (c, c2), c2 ≤ c, counts rows with codes (k, k2); one 16-row strip of S
  // per pair keeps the increments in cache (a row-by-row scatter over the whole matrix took 2.3× as long on MNIST).
  const byCodebook = new Int32Array(C * rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) byCodebook[c * rows + r] = codes[r * C + c];
  for (let c = 0; c < C; c++) {
    const kc = byCodebook.subarray(c * rows, (c + 1) * rows);
    for (let c2 = 0; c2 <= c; c2++) {
      const k2 = byCodebook.subarray(c2 * rows, (c2 + 1) * rows);
      const base = c * K * n + c2 * K;
      for (let r = 0; r < rows; r++) S[base + kc[r] * n + k2[r]] += 1;
    }
  }
  for (let i = 0; i < n; i++) S[i * n + i] += lambda;
  if (!choleskyInPlace(S, n)) return undefined;
  const y = applyCodesTransposed(codes, rows, C, K, R, m); // Gᵀ R, solved in place
  // Forward: L·Z = GᵀR.
  for (let i = 0; i < n; i++) {
    const yi = i * m;
    for (let j = 0; j < i; j++) {
      const l = S[i * n + j];
      if (l === 0) continue;
      const yj = j * m;
      for (let k = 0; k < m; k++) y[yi + k] -= l * y[yj + k];
    }
    const d = S[i * n + i];
    for (let k = 0; k < m; k++) y[yi + k] /= d;
  }
  // Backward: Lᵀ·Δ = Z, by columns of Lᵀ (rows of L, contiguous).
  for (let i = n - 1; i >= 0; i--) {
    const yi = i * m;
    const d = S[i * n + i];
    for (let k = 0; k < m; k++) y[yi + k] /= d;
    for (let j = 0; j < i; j++) {
      const l = S[i * n + j];
      if (l === 0) continue;
      const yj = j * m;
      for (let k = 0; k < m; k++) y[yj + k] -= l * y[yi + k];
    }
  }
  return { delta: y, method: 'cholesky', iterations: 0, converged: true };
}

/** Jacobi-preconditioned CG per column of R. */
function ridgeSolveCg(codes: Int32Array, rows: number, C: number, K: number, R: Float64Array, m: number, lambda: number, opts: RidgeSolveOptions = {}): RidgeSolution {
  const n = C * K;
  const maxIterations = opts.maxIterations ?? 100;
  const tol = opts.tolerance ?? 1e-6;
  // diag(GᵀG) = bucket counts; + λ > 0 keeps empty buckets well defined (their Δ stays 0).
  const diag = new Float64Array(n).fill(lambda);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) diag[c * K + codes[r * C + c]] += 1;
  const b = applyCodesTransposed(codes, rows, C, K, R, m);
  const x = new Float64Array(n * m);
  const res = Float64Array.from(b);
  const z = new Float64Array(n * m);
  const p = new Float64Array(n * m);
  const Ap = new Float64Array(n * m);
  const Gp = new Float64Array(rows * m);
  const rz = new Float64Array(m);
  const bNorm2 = new Float64Array(m);
  const active = new Uint8Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const k = i * m + j;
      z[k] = res[k] / diag[i];
      p[k] = z[k];
      rz[j] += res[k] * z[k];
      bNorm2[j] += b[k] * b[k];
    }
  }
  let activeCount = 0;
  for (let j = 0; j < m; j++) {
    active[j] = bNorm2[j] > 0 ? 1 : 0; // a zero right-hand side has the solution 0
    activeCount += active[j];
  }
  const pAp = new Float64Array(m);
  const alpha = new Float64Array(m);
  const rz2 = new Float64Array(m);
  const r2 = new Float64Array(m);
  let it = 0;
  while (activeCount > 0 && it < maxIterations) {
    it++;
    applyCodes(codes, rows, C, K, p, m, Gp);
    applyCodesTransposed(codes, rows, C, K, Gp, m, Ap);
    pAp.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const k = i * m + j;
        Ap[k] += lambda * p[k];
        pAp[j] += p[k] * Ap[k];
      }
    }
    for (let j = 0; j < m; j++) {
      // pᵀ(GᵀG + λI)p > 0 for p ≠ 0 (λ > 0); p = 0 only once the residual is 0.
      alpha[j] = active[j] && pAp[j] > 0 ? rz[j] / pAp[j] : 0;
    }
    r2.fill(0);
    rz2.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        if (!active[j]) continue;
        const k = i * m + j;
        x[k] += alpha[j] * p[k];
        res[k] -= alpha[j] * Ap[k];
        z[k] = res[k] / diag[i];
        r2[j] += res[k] * res[k];
        rz2[j] += res[k] * z[k];
      }
    }
    for (let j = 0; j < m; j++) {
      if (!active[j]) continue;
      if (r2[j] <= tol * tol * bNorm2[j] || alpha[j] === 0) {
        active[j] = 0;
        activeCount--;
        continue;
      }
      const beta = rz2[j] / rz[j];
      rz[j] = rz2[j];
      for (let i = 0; i < n; i++) p[i * m + j] = z[i * m + j] + beta * p[i * m + j];
    }
  }
  return { delta: x, method: 'cg', iterations: it, converged: activeCount === 0 };
}
