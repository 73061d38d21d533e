/**
 * An integer reference of a design computed from the artifact's tensors, not from the plan.
 *
 * The golden model and the RTL both read the plan, so a wrong plan (a wrapped norm, a misquantized
 * table, a wrong requantizer) passes the RTL-versus-golden check unnoticed. This reference starts
 * again from what the user gave (centroids, table or weight, bias, formats; the nnlut tables in
 * real units) and applies docs/number-formats.md a second time, in BigInt, with its own rounding
 * helpers and the true distances ||a − p||² / Σ|a − p| / max|a − p| instead of the hardware's
 * ||p||² − 2·a·p. Only the hardware knob `multiplier_bits` (plan requant.precisionBits) is read
 * from the plan, because it is a choice of implementation, not a number the artifact holds.
 *
 * `lutnn sim` and the property tests compare the golden model with it layer by layer.
 */
import type { Artifact, LutLinearLayer, NnlutLayer } from '../artifact/types.ts';
import type { DesignPlan, LayerPlan } from '../plan/types.ts';
import { runLayer } from './design.ts';

/** Round half to even, written out without the shared helper (fixed.ts) on purpose. */
function rhe(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const big = (n: number) => BigInt(n);
const satBig = (v: bigint, bits: number) => {
  const hi = (1n << big(bits - 1)) - 1n;
  const lo = -(1n << big(bits - 1));
  return v < lo ? lo : v > hi ? hi : v;
};
const satNum = (v: number, bits: number) => Math.min(2 ** (bits - 1) - 1, Math.max(-(2 ** (bits - 1)), v));
/** floor(v / 2^s) for BigInt v (>> is an arithmetic, flooring shift on BigInt). */
const floorShift = (v: bigint, s: number) => v >> big(s);

/** The integers of a lut_linear layer, derived from its tensors (number-formats.md §1). */
interface LutLinearRef {
  kind: 'lut_linear';
  layer: LutLinearLayer;
  centroids: number[];
  table: number[];
  bias: bigint[];
  multiplier: bigint;
  shift: number;
}

interface NnlutRef {
  kind: 'nnlut';
  layer: NnlutLayer;
  breakpoints: number[];
  slopes: bigint[];
  intercepts: bigint[];
  fracBits: number;
}

type LayerRef = LutLinearRef | NnlutRef;

function lutLinearRef(layer: LutLinearLayer, precisionBits: number): LutLinearRef {
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, outFeatures: M, input } = layer;
  const float = (dtype: string) => dtype === 'F32' || dtype === 'F16';
  const cData = layer.centroids.data;
  const centroids = Array.from(cData, (p) => (float(layer.centroids.dtype) ? satNum(rhe(p / input.scale), input.bits) : p));
  const realCentroid = (i: number) => (float(layer.centroids.dtype) ? cData[i] : cData[i] * input.scale);

  let table: number[];
  let scale: number;
  if (layer.table.kind === 'int') {
    table = Array.from(layer.table.lut.data);
    scale = layer.table.scale;
  } else {
    let real: number[];
    if (layer.table.kind === 'float') {
      real = Array.from(layer.table.lut.data);
    } else {
      const W = layer.table.weight.data;
      real = new Array<number>(C * K * M).fill(0);
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let m = 0; m < M; m++) {
        let t = 0;
        for (let v = 0; v < V; v++) t += realCentroid((c * K + k) * V + v) * W[(c * V + v) * M + m];
        real[(c * K + k) * M + m] = t;
      }
    }
    const maxAbs = real.reduce((a, t) => Math.max(a, Math.abs(t)), 0);
    scale = maxAbs === 0 ? 1 : maxAbs / (2 ** (layer.tableBits - 1) - 1);
    table = real.map((t) => rhe(t / scale));
  }
  const bias = Array.from({ length: M }, (_, m) => big(layer.bias ? rhe(layer.bias.data[m] / scale) : 0));
  // The requantizer: the largest shift ≤ 62 whose rounded multiplier stays below 2^precisionBits.
  const r = scale / layer.output.scale;
  let shift = 0;
  for (let s = 62; s >= 0; s--) {
    if (rhe(r * 2 ** s) <= 2 ** precisionBits - 1) {
      shift = s;
      break;
    }
  }
  const multiplier = big(Math.max(1, rhe(r * 2 ** shift)));
  return { kind: 'lut_linear', layer, centroids, table, bias, multiplier, shift };
}

function runLutLinearRef(ref: LutLinearRef, x: Int32Array): Int32Array {
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, outFeatures: M, metric, activation, output } = ref.layer;
  const acc = [...ref.bias];
  for (let c = 0; c < C; c++) {
    let best = 0;
    let bestD = -1n;
    for (let k = 0; k < K; k++) {
      let d = 0n;
      for (let v = 0; v < V; v++) {
        const diff = big(x[c * V + v] - ref.centroids[(c * K + k) * V + v]);
        const abs = diff < 0n ? -diff : diff;
        d = metric === 'l2' ? d + diff * diff : metric === 'l1' ? d + abs : abs > d ? abs : d;
      }
      if (bestD < 0n || d < bestD) {
        bestD = d;
        best = k;
      }
    }
    for (let m = 0; m < M; m++) acc[m] += big(ref.table[(c * K + best) * M + m]);
  }
  return Int32Array.from(acc, (a) => {
    const p = a * ref.multiplier;
    let y = satBig(ref.shift > 0 ? floorShift(p + (1n << big(ref.shift - 1)), ref.shift) : p, output.bits);
    if (activation === 'relu' && y < 0n) y = 0n;
    return Number(y);
  });
}

function nnlutRef(layer: NnlutLayer): NnlutRef {
  const { input, output } = layer;
  const lo = -(2 ** (input.bits - 1));
  const hi = 2 ** (input.bits - 1) - 1;
  const dLo = layer.rangeReduction === 'none' ? lo : layer.rangeReduction === 'reciprocal' ? 2 ** (input.bits - 2) : 2 ** (input.bits - 3);
  const breakpoints = layer.breakpoints.map((d) => {
    const u = d / input.scale;
    const near = Math.round(u);
    const b = Math.abs(u - near) <= 1e-9 * Math.max(1, Math.abs(u)) ? near : Math.ceil(u);
    return Math.min(hi + 1, Math.max(dLo, b));
  });
  const slopeMax = 2 ** (layer.coefficientBits - 1) - 1;
  const interceptMax = 2 ** 31 - 1;
  const fits = (F: number) =>
    layer.slopes.every((s) => Math.abs(rhe(((s * input.scale) / output.scale) * 2 ** F)) <= slopeMax) &&
    layer.intercepts.every((t) => Math.abs(rhe((t / output.scale) * 2 ** F)) <= interceptMax);
  let fracBits = 30;
  while (fracBits > 0 && !fits(fracBits)) fracBits--;
  return {
    kind: 'nnlut',
    layer,
    breakpoints,
    slopes: layer.slopes.map((s) => big(rhe(((s * input.scale) / output.scale) * 2 ** fracBits))),
    intercepts: layer.intercepts.map((t) => big(rhe((t / output.scale) * 2 ** fracBits))),
    fracBits,
  };
}

function runNnlutRef(ref: NnlutRef, x: Int32Array): Int32Array {
  const { input, output, rangeReduction } = ref.layer;
  const F = ref.fracBits;
  return Int32Array.from(x, (xi) => {
    if (rangeReduction !== 'none' && xi <= 0) return 2 ** (output.bits - 1) - 1;
    let m = xi;
    let k = 0;
    if (rangeReduction !== 'none') {
      let msb = 0;
      while (2 ** (msb + 1) <= xi) msb++;
      let e = input.bits - 2 - msb;
      if (rangeReduction === 'rsqrt' && e % 2 !== 0) e -= 1;
      m = xi * 2 ** e;
      k = rangeReduction === 'reciprocal' ? e : e / 2;
    }
    const seg = ref.breakpoints.filter((b) => m >= b).length;
    const v = (ref.slopes[seg] * big(m) + ref.intercepts[seg]) << big(k);
    return Number(satBig(F > 0 ? floorShift(v + (1n << big(F - 1)), F) : v, output.bits));
  });
}

export interface ReferenceDisagreement {
  layer: string;
  vector: number;
  lane: number;
  /** What the artifact reference computes, and what the golden model (the plan) computes. */
  reference: number;
  golden: number;
}

export interface ReferenceCheck {
  /** Layers checked (those with an artifact counterpart). */
  layers: string[];
  /** Layers the reference does not cover (the MAC baseline), with the reason. */
  skipped: string[];
  disagreement: ReferenceDisagreement | null;
}

/**
 * Runs the golden model layer by layer on `inputs` (N·D) and compares each layer's outputs with the
 * artifact reference fed the same layer inputs. The first disagreement is reported.
 */
export function checkGoldenAgainstArtifact(design: DesignPlan, artifact: Artifact, inputs: Int32Array): ReferenceCheck {
  const refs = new Map<string, LayerRef>();
  for (const l of artifact.layers) refs.set(l.name, l.kind === 'nnlut' ? nnlutRef(l) : lutLinearRef(l, precisionOf(design, l.name)));
  const layers: string[] = [];
  const skipped: string[] = [];
  let x = inputs;
  for (const plan of design.layers) {
    const y = runLayer(plan, x);
    const ref = refs.get(plan.name);
    if (!ref || plan.kind === 'mac_linear' || ref.kind !== plan.kind) {
      skipped.push(`${plan.name} (${plan.kind === 'mac_linear' ? 'the MAC baseline is not an artifact layer' : 'no layer of that name and kind in the artifact'})`);
    } else {
      layers.push(plan.name);
      const D = inputFeatures(plan);
      const M = y.length / (x.length / D);
      for (let n = 0; n < x.length / D; n++) {
        const xv = x.subarray(n * D, (n + 1) * D);
        const r = ref.kind === 'lut_linear' ? runLutLinearRef(ref, xv) : runNnlutRef(ref, xv);
        for (let m = 0; m < M; m++) {
          if (r[m] !== y[n * M + m]) return { layers, skipped, disagreement: { layer: plan.name, vector: n, lane: m, reference: r[m], golden: y[n * M + m] } };
        }
      }
    }
    x = y;
  }
  return { layers, skipped, disagreement: null };
}

function precisionOf(design: DesignPlan, name: string): number {
  const l = design.layers.find((p) => p.name === name);
  return l && l.kind !== 'nnlut' ? l.requant.precisionBits : 16;
}

function inputFeatures(plan: LayerPlan): number {
  return plan.kind === 'nnlut' ? plan.dims.elements : plan.dims.D;
}
