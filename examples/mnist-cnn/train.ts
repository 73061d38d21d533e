/**
 * Trains a small float CNN on the MNIST training split: deterministic (seeded He initialisation and
 * shuffles, float64, fixed summation order), softmax cross-entropy, Adam, shuffled mini-batches.
 *
 *   input 1×28×28
 *   → conv1 3×3, pad 1, stride 1, c1 channels (8 by default), bias → ReLU → maxpool 2×2/2 → c1×14×14
 *   → conv2 3×3, pad 1, stride 1, c2 channels (16 by default), bias → ReLU → maxpool 2×2/2 → c2×7×7
 *   → flatten NCHW (ch·49 + i·7 + j) → fc c2·49 → 10, bias → logits
 *
 * Weights come out in PyTorch layouts, so the model can be saved as a state dict as is. Convolutions
 * use im2col with a patch-major column buffer (one contiguous K = in·9 patch per output pixel), so the
 * forward pass is dot products and the backward pass, which after ReLU + max pool only has one live
 * pixel per pooling window, is short contiguous axpys over the live pixels only.
 */
import { Rng } from '../../generator/util/rng.ts';
import type { DigitSet } from '../../generator/datasets/mnist.ts';

export interface CnnTrainOptions {
  channels: [number, number];
  epochs: number;
  batch: number;
  learningRate: number;
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainedCnn {
  /** PyTorch layouts: conv weight (out, in, kh, kw) row-major, linear weight (out, in), biases (out). */
  conv1: { weight: Float64Array; bias: Float64Array; outChannels: number; inChannels: number };
  conv2: { weight: Float64Array; bias: Float64Array; outChannels: number; inChannels: number };
  fc: { weight: Float64Array; bias: Float64Array; outFeatures: number; inFeatures: number };
}

const H = 28;
const PIX = H * H;
const H1 = 14;
const P1 = H1 * H1;
const H2 = 7;
const P2 = H2 * H2;
const CLASSES = 10;

/** Per-image buffers; allocated once per model shape and reused for every image. */
interface Work {
  c1: number;
  c2: number;
  input: Float64Array; // 28×28
  col1: Float64Array; // PIX × 9, patch-major
  a1: Float64Array; // c1×28×28 after ReLU
  p1: Float64Array; // c1×14×14
  arg1: Int32Array; // index into a1 of each pooled max
  col2: Float64Array; // P1 × (c1·9), patch-major
  a2: Float64Array; // c2×14×14 after ReLU
  p2: Float64Array; // c2×7×7 = fc input, NCHW flatten order
  arg2: Int32Array; // index into a2 of each pooled max
  logits: Float64Array;
  // Backward.
  dLogits: Float64Array;
  dP2: Float64Array;
  dP1: Float64Array;
}

function makeWork(c1: number, c2: number): Work {
  return {
    c1,
    c2,
    input: new Float64Array(PIX),
    col1: new Float64Array(PIX * 9),
    a1: new Float64Array(c1 * PIX),
    p1: new Float64Array(c1 * P1),
    arg1: new Int32Array(c1 * P1),
    col2: new Float64Array(P1 * c1 * 9),
    a2: new Float64Array(c2 * P1),
    p2: new Float64Array(c2 * P2),
    arg2: new Int32Array(c2 * P2),
    logits: new Float64Array(CLASSES),
    dLogits: new Float64Array(CLASSES),
    dP2: new Float64Array(c2 * P2),
    dP1: new Float64Array(c1 * P1),
  };
}

/** col[p·(C·9) + c·9 + ky·3 + kx] = src[c][y+ky-1][x+kx-1] (0 outside): row order matches (out, in, kh, kw). */
function im2col3x3(src: Float64Array, C: number, S: number, col: Float64Array): void {
  const K = C * 9;
  const HW = S * S;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let o = (y * S + x) * K;
      for (let c = 0; c < C; c++) {
        const base = c * HW;
        for (let ky = 0; ky < 3; ky++) {
          const iy = y + ky - 1;
          const rowOk = iy >= 0 && iy < S;
          const rb = base + iy * S;
          for (let kx = 0; kx < 3; kx++) {
            const ix = x + kx - 1;
            col[o++] = rowOk && ix >= 0 && ix < S ? src[rb + ix] : 0;
          }
        }
      }
    }
  }
}

/** out[oc][p] = relu(bias[oc] + W[oc]·col[p]), out in CHW. Four channels at a time share each col load. */
function convRelu(col: Float64Array, K: number, P: number, w: Float64Array, b: Float64Array, OC: number, out: Float64Array): void {
  const OC4 = OC & ~3;
  for (let p = 0; p < P; p++) {
    const cb = p * K;
    let oc = 0;
    for (; oc < OC4; oc += 4) {
      const w0 = oc * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let s0 = b[oc];
      let s1 = b[oc + 1];
      let s2 = b[oc + 2];
      let s3 = b[oc + 3];
      for (let r = 0; r < K; r++) {
        const c = col[cb + r];
        s0 += w[w0 + r] * c;
        s1 += w[w1 + r] * c;
        s2 += w[w2 + r] * c;
        s3 += w[w3 + r] * c;
      }
      out[oc * P + p] = s0 > 0 ? s0 : 0;
      out[(oc + 1) * P + p] = s1 > 0 ? s1 : 0;
      out[(oc + 2) * P + p] = s2 > 0 ? s2 : 0;
      out[(oc + 3) * P + p] = s3 > 0 ? s3 : 0;
    }
    for (; oc < OC; oc++) {
      const wb = oc * K;
      let s = b[oc];
      for (let r = 0; r < K; r++) s += w[wb + r] * col[cb + r];
      out[oc * P + p] = s > 0 ? s : 0;
    }
  }
}

/** 2×2 stride-2 max pool (floor mode; S is even here). First maximum wins, like PyTorch. */
function maxPool2(src: Float64Array, C: number, S: number, dst: Float64Array, arg: Int32Array): void {
  const T = S >> 1;
  let o = 0;
  for (let c = 0; c < C; c++) {
    const base = c * S * S;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        let k = base + 2 * i * S + 2 * j;
        let best = src[k];
        let bi = k;
        k++;
        if (src[k] > best) { best = src[k]; bi = k; }
        k += S - 1;
        if (src[k] > best) { best = src[k]; bi = k; }
        k++;
        if (src[k] > best) { best = src[k]; bi = k; }
        dst[o] = best;
        arg[o++] = bi;
      }
    }
  }
}

/** Forward of work.input through the model; leaves every activation in `work` for the backward pass. */
function forward(m: TrainedCnn, work: Work): void {
  const { c1, c2 } = work;
  im2col3x3(work.input, 1, H, work.col1);
  convRelu(work.col1, 9, PIX, m.conv1.weight, m.conv1.bias, c1, work.a1);
  maxPool2(work.a1, c1, H, work.p1, work.arg1);
  im2col3x3(work.p1, c1, H1, work.col2);
  convRelu(work.col2, c1 * 9, P1, m.conv2.weight, m.conv2.bias, c2, work.a2);
  maxPool2(work.a2, c2, H1, work.p2, work.arg2);
  const D = c2 * P2;
  const fw = m.fc.weight;
  const x = work.p2;
  for (let o = 0; o < CLASSES; o++) {
    const wb = o * D;
    let s = m.fc.bias[o];
    for (let i = 0; i < D; i++) s += fw[wb + i] * x[i];
    work.logits[o] = s;
  }
}

interface Grads {
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
  wf: Float64Array;
  bf: Float64Array;
}

/** Accumulates into g the gradients for work.dLogits (already scaled by 1/batch). */
function backward(m: TrainedCnn, work: Work, g: Grads): void {
  const { c1, c2 } = work;
  const D = c2 * P2;
  // fc.
  const x = work.p2;
  const dP2 = work.dP2;
  dP2.fill(0);
  const fw = m.fc.weight;
  for (let o = 0; o < CLASSES; o++) {
    const d = work.dLogits[o];
    g.bf[o] += d;
    const wb = o * D;
    for (let i = 0; i < D; i++) {
      g.wf[wb + i] += d * x[i];
      dP2[i] += d * fw[wb + i];
    }
  }
  // pool2 → ReLU2 → conv2: only the argmax pixel of each window with a positive output is live.
  const K2 = c1 * 9;
  const w2 = m.conv2.weight;
  const col2 = work.col2;
  const dP1 = work.dP1;
  dP1.fill(0);
  for (let q = 0; q < D; q++) {
    const d = dP2[q];
    const a = work.arg2[q];
    if (d === 0 || work.a2[a] <= 0) continue;
    const oc = (q / P2) | 0;
    const p = a - oc * P1;
    g.b2[oc] += d;
    const wb = oc * K2;
    const cb = p * K2;
    for (let r = 0; r < K2; r++) g.w2[wb + r] += d * col2[cb + r];
    // col2im of this patch straight into dP1 (skips a dense dCol buffer).
    const y = (p / H1) | 0;
    const xx = p - y * H1;
    for (let c = 0; c < c1; c++) {
      const base = c * P1;
      for (let ky = 0; ky < 3; ky++) {
        const iy = y + ky - 1;
        if (iy < 0 || iy >= H1) continue;
        for (let kx = 0; kx < 3; kx++) {
          const ix = xx + kx - 1;
          if (ix < 0 || ix >= H1) continue;
          dP1[base + iy * H1 + ix] += d * w2[wb + c * 9 + ky * 3 + kx];
        }
      }
    }
  }
  // pool1 → ReLU1 → conv1 (no input gradient needed).
  const col1 = work.col1;
  const D1 = c1 * P1;
  for (let q = 0; q < D1; q++) {
    const d = dP1[q];
    const a = work.arg1[q];
    if (d === 0 || work.a1[a] <= 0) continue;
    const oc = (q / P1) | 0;
    const p = a - oc * PIX;
    g.b1[oc] += d;
    const wb = oc * 9;
    const cb = p * 9;
    for (let r = 0; r < 9; r++) g.w1[wb + r] += d * col1[cb + r];
  }
}

function checkChannels(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
}

export function trainCnn(train: DigitSet, opts: CnnTrainOptions): TrainedCnn {
  const [c1, c2] = opts.channels;
  checkChannels(c1, 'channels[0]');
  checkChannels(c2, 'channels[1]');
  checkChannels(opts.batch, 'batch');
  if (train.count < 1 || train.images.length < train.count * PIX) throw new Error(`training set needs count×${PIX} pixels`);
  const rng = new Rng(opts.seed);
  const he = (n: number, fanIn: number) => {
    const a = new Float64Array(n);
    const s = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) a[i] = rng.normal() * s;
    return a;
  };
  const D = c2 * P2;
  const model: TrainedCnn = {
    conv1: { weight: he(c1 * 9, 9), bias: new Float64Array(c1), outChannels: c1, inChannels: 1 },
    conv2: { weight: he(c2 * c1 * 9, c1 * 9), bias: new Float64Array(c2), outChannels: c2, inChannels: c1 },
    fc: { weight: he(CLASSES * D, D), bias: new Float64Array(CLASSES), outFeatures: CLASSES, inFeatures: D },
  };
  const params = [model.conv1.weight, model.conv1.bias, model.conv2.weight, model.conv2.bias, model.fc.weight, model.fc.bias];
  const gradArrays = params.map((p) => new Float64Array(p.length));
  const grads: Grads = { w1: gradArrays[0], b1: gradArrays[1], w2: gradArrays[2], b2: gradArrays[3], wf: gradArrays[4], bf: gradArrays[5] };
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  const work = makeWork(c1, c2);
  const order = Int32Array.from({ length: train.count }, (_, i) => i);

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let lossSum = 0;
    // The last batch may be short, so every digit is seen once per epoch.
    for (let start = 0; start < order.length; start += opts.batch) {
      const nb = Math.min(opts.batch, order.length - start);
      for (const gr of gradArrays) gr.fill(0);
      for (let r = 0; r < nb; r++) {
        const idx = order[start + r];
        work.input.set(train.images.subarray(idx * PIX, (idx + 1) * PIX));
        forward(model, work);
        // Softmax cross-entropy via log-sum-exp; gradient (p - onehot) / nb.
        const z = work.logits;
        let mx = -Infinity;
        for (let o = 0; o < CLASSES; o++) if (z[o] > mx) mx = z[o];
        let s = 0;
        for (let o = 0; o < CLASSES; o++) s += Math.exp(z[o] - mx);
        const label = train.labels[idx];
        lossSum += Math.log(s) - (z[label] - mx);
        for (let o = 0; o < CLASSES; o++) work.dLogits[o] = (Math.exp(z[o] - mx) / s - (o === label ? 1 : 0)) / nb;
        backward(model, work, grads);
      }
      // Adam.
      step++;
      const bc1 = 1 - beta1 ** step;
      const bc2 = 1 - beta2 ** step;
      for (let p = 0; p < params.length; p++) {
        const w = params[p];
        const gr = gradArrays[p];
        const mm = m1[p];
        const vv = m2[p];
        for (let i = 0; i < w.length; i++) {
          const gi = gr[i];
          mm[i] = beta1 * mm[i] + (1 - beta1) * gi;
          vv[i] = beta2 * vv[i] + (1 - beta2) * gi * gi;
          w[i] -= (opts.learningRate * (mm[i] / bc1)) / (Math.sqrt(vv[i] / bc2) + 1e-8);
        }
      }
    }
    opts.onEpoch?.(epoch, lossSum / order.length);
  }
  return model;
}

// One buffer set per model, so evaluating many digits allocates nothing.
const workCache = new WeakMap<TrainedCnn, Work>();

/** Float forward of one image (784 values, row-major 28×28) → 10 logits, exactly the trained model (same ops as training, PyTorch semantics: zero padding, floor-mode max pool, NCHW flatten). */
export function cnnForward(model: TrainedCnn, image: ArrayLike<number>): Float64Array {
  const c1 = model.conv1.outChannels;
  const c2 = model.conv2.outChannels;
  if (image.length !== PIX) throw new Error(`cnnForward: expected ${PIX} pixels, got ${image.length}`);
  if (
    model.conv1.inChannels !== 1 ||
    model.conv1.weight.length !== c1 * 9 ||
    model.conv1.bias.length !== c1 ||
    model.conv2.inChannels !== c1 ||
    model.conv2.weight.length !== c2 * c1 * 9 ||
    model.conv2.bias.length !== c2 ||
    model.fc.inFeatures !== c2 * P2 ||
    model.fc.outFeatures !== CLASSES ||
    model.fc.weight.length !== CLASSES * c2 * P2 ||
    model.fc.bias.length !== CLASSES
  ) {
    throw new Error('cnnForward: inconsistent model shapes');
  }
  let work = workCache.get(model);
  if (!work || work.c1 !== c1 || work.c2 !== c2) {
    work = makeWork(c1, c2);
    workCache.set(model, work);
  }
  for (let i = 0; i < PIX; i++) work.input[i] = image[i];
  forward(model, work);
  return Float64Array.from(work.logits);
}
