/**
 * Planner of the MAC-array baseline (kind `mac_linear`): the same layer as a conventional dense
 * INT8 multiply-accumulate array, with the same ports and the same outputs per cycle as the
 * lut_linear layer it is compared with (docs/synthesis.md, "MAC baseline").
 *
 * Dense weights (D, M): the artifact's LUT-NN `weight (C, V, M)` reshaped (row d = c·V + v) when it
 * has one; an artifact that has only a lookup table (float or integer) gets the least-squares
 * weights B^c = argmin ||P^c·B − T^c|| per codebook (P^c its centroids, T^c its real table) — the
 * dense layer LUT-NN's table was built from, recovered exactly when the table is P·B. Weights are
 * quantized INT8 symmetric per tensor (s_w = max|w| / 127); the accumulator LSB is s_in·s_w.
 */
import type { Artifact, LutLinearLayer } from '../artifact/types.ts';
import { layerConfig, type HwConfig, type LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { indexBits, makeRequantizer, MAX_EXACT_BITS, roundHalfEven, signedBitsFor, signedMax, signedMin } from '../numeric/fixed.ts';
import { assembleDesign, type PlanOptions } from './design.ts';
import { deepMemoryStyle, planLutLinear, sizeBeatFifo } from './lut-linear.ts';
import { realCentroids, realTable } from './table.ts';
import type { LayerTiming } from './timing.ts';
import type { DesignPlan, LayerPlan, MacLinearPlan } from './types.ts';

export const WEIGHT_BITS = 8;
export const MAC_REQUANT_LATENCY = 2;
/** Read issued in cycle t: ROM word and input slice at t+1, products t+2, sums t+3, accumulators t+4, requantized t+6, FIFO (out_valid) t+7. */
export const MAC_READ_TO_OUTPUT = 5 + MAC_REQUANT_LATENCY;
/** Input handshake in cycle a: holding register valid at a+1 (start), first read at a+2. */
export const MAC_ACCEPT_TO_FIRST_READ = 2;

/**
 * With the beat FIFO (io: stream, beatOutput): a group's results are pushed in cycle t+6 after its
 * last read t; the FIFO gives the first beat three cycles later (as the lut_linear layer's,
 * plan/timing.ts planBeatOutTiming). Latency is to the first beat of group 0.
 */
export function planMacBeatTiming(steps: number, groups: number, beatsPerGroup: number): LayerTiming {
  const ii = steps * groups;
  const readToPush = MAC_READ_TO_OUTPUT - 1;
  const latency = MAC_ACCEPT_TO_FIRST_READ + steps - 1 + readToPush + 3;
  // A credit is held from a vector's start to the pop of its last beat.
  const outFifoDepth = Math.max(2, 1 + Math.ceil((readToPush + 4 + beatsPerGroup) / ii));
  return { latency, initiationInterval: ii, indexBanks: 1, outFifoDepth, requantLatency: MAC_REQUANT_LATENCY, watchdogCycles: latency + ii * (2 + outFifoDepth) + 16 };
}

export function planMacTiming(steps: number, groups: number): LayerTiming {
  const ii = steps * groups;
  const latency = MAC_ACCEPT_TO_FIRST_READ + ii - 1 + MAC_READ_TO_OUTPUT;
  const outFifoDepth = Math.max(2, 1 + Math.ceil((MAC_READ_TO_OUTPUT + 1) / ii));
  return { latency, initiationInterval: ii, indexBanks: 1, outFifoDepth, requantLatency: MAC_REQUANT_LATENCY, watchdogCycles: latency + ii * (2 + outFifoDepth) + 16 };
}

/** Solve the V×V system A·x = b for several right-hand sides (Gaussian elimination, partial pivoting, tiny ridge). */
function solve(A: Float64Array, V: number, B: Float64Array, M: number): Float64Array {
  const a = Float64Array.from(A);
  const b = Float64Array.from(B);
  let trace = 0;
  for (let i = 0; i < V; i++) trace += a[i * V + i];
  for (let i = 0; i < V; i++) a[i * V + i] += 1e-12 * (trace || 1);
  for (let col = 0; col < V; col++) {
    let piv = col;
    for (let r = col + 1; r < V; r++) if (Math.abs(a[r * V + col]) > Math.abs(a[piv * V + col])) piv = r;
    if (piv !== col) {
      for (let c = 0; c < V; c++) [a[col * V + c], a[piv * V + c]] = [a[piv * V + c], a[col * V + c]];
      for (let m = 0; m < M; m++) [b[col * M + m], b[piv * M + m]] = [b[piv * M + m], b[col * M + m]];
    }
    const d = a[col * V + col];
    if (d === 0) continue;
    for (let r = 0; r < V; r++) {
      if (r === col) continue;
      const f = a[r * V + col] / d;
      if (f === 0) continue;
      for (let c = col; c < V; c++) a[r * V + c] -= f * a[col * V + c];
      for (let m = 0; m < M; m++) b[r * M + m] -= f * b[col * M + m];
    }
  }
  for (let r = 0; r < V; r++) {
    const d = a[r * V + r];
    for (let m = 0; m < M; m++) b[r * M + m] = d === 0 ? 0 : b[r * M + m] / d;
  }
  return b;
}

/** Real dense weights (D, M) of a lut_linear layer and where they came from. */
export function denseWeights(layer: LutLinearLayer): { real: Float64Array; source: MacLinearPlan['weights']['source'] } {
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, outFeatures: M, table } = layer;
  if (table.kind === 'weight') return { real: Float64Array.from(table.weight.data), source: 'weight' };
  const P = realCentroids(layer, 'the MAC baseline (least-squares dense weights from a table)');
  const T = realTable(layer);
  const out = new Float64Array(C * V * M);
  for (let c = 0; c < C; c++) {
    const ata = new Float64Array(V * V);
    const atb = new Float64Array(V * M);
    for (let k = 0; k < K; k++) {
      const p = (c * K + k) * V;
      const t = (c * K + k) * M;
      for (let i = 0; i < V; i++) {
        for (let j = 0; j < V; j++) ata[i * V + j] += P[p + i] * P[p + j];
        for (let m = 0; m < M; m++) atb[i * M + m] += P[p + i] * T[t + m];
      }
    }
    out.set(solve(ata, V, atb, M), c * V * M);
  }
  return { real: out, source: 'lut-least-squares' };
}

export function planMacLinear(layer: LutLinearLayer, hw: LayerHwConfig, prefix: string, file: string): MacLinearPlan {
  const lut = planLutLinear(layer, hw, prefix, file);
  const { D, M } = lut.dims;
  const { outputsPerCycle: Pm, encodeSteps: E, outputGroups: G } = lut.parallel;
  // Equal throughput: as many input steps as the LUT-NN layer has encode steps.
  const Pd = Math.ceil(D / E);
  const S = Math.ceil(D / Pd);
  const { real, source } = denseWeights(layer);
  let maxAbs = 0;
  for (const w of real) maxAbs = Math.max(maxAbs, Math.abs(w));
  const wScale = maxAbs === 0 ? 1 : maxAbs / signedMax(WEIGHT_BITS);
  const values = Int32Array.from(real, (w) => Math.max(-signedMax(WEIGHT_BITS), Math.min(signedMax(WEIGHT_BITS), roundHalfEven(w / wScale))));
  const accScale = layer.input.scale * wScale;
  const bias = new Int32Array(M);
  if (layer.bias) {
    for (let m = 0; m < M; m++) {
      const q = roundHalfEven(layer.bias.data[m] / accScale);
      if (Math.abs(q) > 2 ** 31 - 1) {
        throw new LutnnError(`Bias of layer "${layer.name}" does not fit INT32 in MAC accumulator units.`, { file, field: `tensor "${layer.bias.name}"[${m}]`, expected: `|bias / (input scale · weight scale)| < 2^31`, found: `${layer.bias.data[m]} → ${q}` });
      }
      bias[m] = q;
    }
  }
  let bLo = 0;
  let bHi = 0;
  for (const b of bias) {
    bLo = Math.min(bLo, b);
    bHi = Math.max(bHi, b);
  }
  const xMin = signedMin(layer.input.bits);
  const wMax = signedMax(WEIGHT_BITS);
  const prodLo = xMin * wMax;
  const prodHi = -xMin * wMax;
  const accRange: [number, number] = [bLo + D * prodLo, bHi + D * prodHi];
  const accWidth = signedBitsFor(accRange[0], accRange[1]);
  const rq = makeRequantizer(accScale / layer.output.scale, hw.multiplierBits);
  const round = rq.shift > 0 ? 2 ** (rq.shift - 1) : 0;
  const productWidth = signedBitsFor(accRange[0] * rq.multiplier, accRange[1] * rq.multiplier);
  const roundedWidth = signedBitsFor(accRange[0] * rq.multiplier + round, accRange[1] * rq.multiplier + round);
  if (roundedWidth > MAX_EXACT_BITS) {
    throw new LutnnError(`Requantizer of the MAC baseline of layer "${layer.name}" would need ${roundedWidth} bits.`, { file, field: `layers.${layer.name}.multiplier_bits (hardware config)`, expected: `within ${MAX_EXACT_BITS} bits`, found: `${roundedWidth}; lower multiplier_bits` });
  }
  const width = Pd * Pm * WEIGHT_BITS;
  const depth = G * S;
  // io: stream: the same beat FIFO as the lut_linear layer when a group is whole beats that drain
  // within the S cycles to the next group (the LUT-NN layer's condition has E; S ≤ E).
  const lutBeat = lut.beatOutput;
  const beatsFit = lutBeat !== undefined && lutBeat.beatsPerGroup <= S;
  const timing = beatsFit ? planMacBeatTiming(S, G, lutBeat.beatsPerGroup) : planMacTiming(S, G);
  const beatOutput = beatsFit ? sizeBeatFifo(lutBeat, timing.outFifoDepth, layer.output.bits, hw.memoryStyle) : undefined;
  // Block RAM only pays off for deep memories: wide and shallow weight words stay in logic.
  const style = deepMemoryStyle(hw.memoryStyle, width, depth);
  return {
    kind: 'mac_linear',
    name: layer.name,
    modules: { top: `${prefix}_top`, weightRom: `${prefix}_weight_rom`, requant: `${prefix}_requant`, outFifo: `${prefix}_out_fifo` },
    dims: { D, M },
    activation: layer.activation,
    input: { ...layer.input },
    output: { ...layer.output },
    parallel: { inputsPerCycle: Pd, outputsPerCycle: Pm, inputSteps: S, outputGroups: G },
    weights: { bits: WEIGHT_BITS, scale: wScale, values, source },
    bias: { values: bias, width: signedBitsFor(bLo, bHi) },
    accumulator: { width: accWidth, range: accRange },
    requant: { ...rq, precisionBits: hw.multiplierBits, productWidth, roundedWidth, realMultiplier: accScale / layer.output.scale },
    memory: { weights: { style, banks: 1, width, depth, addressWidth: indexBits(depth), file: `${prefix}_weights.memh` } },
    ...(beatOutput ? { beatOutput } : {}),
    // The array reads its P_d-element input slice for every group, so it holds its bank until the
    // last read (in the cycle it takes the next vector): a third bank keeps the writer going. The
    // buffer replaces the holding register and its copy into the working register: one cycle less.
    inputWords: { wordElements: Pd, words: S, banks: 3, readAtTake: 'current', latencySaved: 1 },
    timing,
  };
}

/** The MAC baseline of a whole artifact: every lut_linear layer becomes a mac_linear layer (same names, same ports). */
export function planMacDesign(artifact: Artifact, hw: HwConfig, options: PlanOptions): DesignPlan {
  const layers: LayerPlan[] = artifact.layers.map((layer) => {
    if (layer.kind !== 'lut_linear') {
      throw new LutnnError('The MAC baseline is built for lut_linear layers only.', { file: artifact.manifestPath, field: `layers.${layer.name}.kind`, expected: 'lut_linear', found: layer.kind });
    }
    return planMacLinear(layer, layerConfig(hw, layer.name), `${artifact.name}_mac_${layer.name}`, artifact.manifestPath);
  });
  if (layers.length !== 1) {
    throw new LutnnError('The MAC baseline compares one layer at a time.', { file: artifact.manifestPath, field: 'layers', expected: 'an artifact with exactly one lut_linear layer', found: `${layers.length} layers` });
  }
  return assembleDesign(artifact, options, hw, layers, null);
}
