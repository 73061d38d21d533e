/**
 * Trains a small float MLP on the MNIST training split: deterministic (seeded initialisation and
 * shuffles, float64), softmax cross-entropy, Adam. Returns the model as a DenseModel.
 */
import type { DenseLayer, DenseMlp } from '../../generator/convert/dense.ts';
import { Rng } from '../../generator/util/rng.ts';
import type { DigitSet } from '../../generator/datasets/mnist.ts';

export interface TrainOptions {
  hidden: number[];
  epochs: number;
  batch: number;
  learningRate: number;
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export function trainMlp(train: DigitSet, opts: TrainOptions): DenseMlp {
  const rng = new Rng(opts.seed);
  const sizes = [784, ...opts.hidden, 10];
  const L = sizes.length - 1;
  // He initialisation; W[l] is D×M row-major (input-major), as DenseLayer stores it.
  const W = sizes.slice(0, -1).map((D, l) => Float64Array.from({ length: D * sizes[l + 1] }, () => rng.normal() * Math.sqrt(2 / D)));
  const B = sizes.slice(1).map((M) => new Float64Array(M));
  const params = [...W, ...B];
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const grads = params.map((p) => new Float64Array(p.length));
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  const acts = sizes.map((s) => new Float64Array(opts.batch * s));
  const deltas = sizes.map((s) => new Float64Array(opts.batch * s));

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    for (let start = 0; start + opts.batch <= order.length; start += opts.batch) {
      const nb = opts.batch;
      for (let r = 0; r < nb; r++) acts[0].set(train.images.subarray(order[start + r] * 784, (order[start + r] + 1) * 784), r * 784);
      // Forward.
      for (let l = 0; l < L; l++) {
        const D = sizes[l];
        const M = sizes[l + 1];
        const x = acts[l];
        const y = acts[l + 1];
        for (let r = 0; r < nb; r++) {
          for (let m = 0; m < M; m++) y[r * M + m] = B[l][m];
          for (let d = 0; d < D; d++) {
            const xv = x[r * D + d];
            if (xv === 0) continue;
            const w = W[l];
            for (let m = 0; m < M; m++) y[r * M + m] += xv * w[d * M + m];
          }
          if (l < L - 1) for (let m = 0; m < M; m++) if (y[r * M + m] < 0) y[r * M + m] = 0;
        }
      }
      // Softmax cross-entropy gradient at the logits.
      const out = acts[L];
      const dOut = deltas[L];
      for (let r = 0; r < nb; r++) {
        let mx = -Infinity;
        for (let m = 0; m < 10; m++) mx = Math.max(mx, out[r * 10 + m]);
        let s = 0;
        for (let m = 0; m < 10; m++) s += Math.exp(out[r * 10 + m] - mx);
        const label = train.labels[order[start + r]];
        for (let m = 0; m < 10; m++) {
          const p = Math.exp(out[r * 10 + m] - mx) / s;
          dOut[r * 10 + m] = (p - (m === label ? 1 : 0)) / nb;
          if (m === label) lossSum -= Math.log(Math.max(p, 1e-12));
        }
      }
      // Backward.
      for (const g of grads) g.fill(0);
      for (let l = L - 1; l >= 0; l--) {
        const D = sizes[l];
        const M = sizes[l + 1];
        const x = acts[l];
        const dy = deltas[l + 1];
        const gw = grads[l];
        const gb = grads[L + l];
        const dx = deltas[l];
        dx.fill(0);
        for (let r = 0; r < nb; r++) {
          for (let m = 0; m < M; m++) gb[m] += dy[r * M + m];
          for (let d = 0; d < D; d++) {
            const xv = x[r * D + d];
            let acc = 0;
            for (let m = 0; m < M; m++) {
              const g = dy[r * M + m];
              if (xv !== 0) gw[d * M + m] += xv * g;
              acc += W[l][d * M + m] * g;
            }
            // ReLU derivative of the layer below (its output is x here).
            dx[r * D + d] = l > 0 && xv <= 0 ? 0 : acc;
          }
        }
      }
      // Adam.
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (let p = 0; p < params.length; p++) {
        const w = params[p];
        const g = grads[p];
        for (let i = 0; i < w.length; i++) {
          m1[p][i] = beta1 * m1[p][i] + (1 - beta1) * g[i];
          m2[p][i] = beta2 * m2[p][i] + (1 - beta2) * g[i] * g[i];
          w[i] -= (opts.learningRate * (m1[p][i] / c1)) / (Math.sqrt(m2[p][i] / c2) + 1e-8);
        }
      }
    }
    opts.onEpoch?.(epoch, lossSum / order.length);
  }
  const layers: DenseLayer[] = W.map((w, l) => ({
    name: `fc${l + 1}`,
    inFeatures: sizes[l],
    outFeatures: sizes[l + 1],
    weight: w,
    bias: B[l],
    activation: l < L - 1 ? 'relu' : 'none',
  }));
  return { source: 'examples/mnist/train.ts', layers };
}
