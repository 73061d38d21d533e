/**
 * Benchmark (npm run bench:bert): a BERT-base FFN up-projection (768 → 3072, K = 16, V = 4) as a
 * LUT-NN layer with the hash-tree encoder against the dense INT8 MAC array of the same throughput,
 * on every target, from the analytic estimator (docs/synthesis.md, "Analytic estimator"). Prints
 * figures, asserts nothing.
 *
 * Why estimates: the LUT-NN tables hold C·K·M = 9.4 M INT8 entries (75.5 Mbit), the dense weights
 * D·M = 2.4 M (18.9 Mbit). Neither fits any of the targets' on-chip memory, and Yosys cannot map
 * either as ROM logic in reasonable time, so the layer is compared as planned: what each design
 * needs, next to what the device has. K/V = 4 is the ratio of the two storages at any size.
 *
 *   npm run bench:bert [-- --out bench/bert-slice.md]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { artifactManifest, lutLinearLayer } from '../generator/artifact/build.ts';
import { loadArtifact } from '../generator/artifact/load.ts';
import { writeArtifact } from '../generator/artifact/write.ts';
import { loadHwConfig } from '../generator/config/hw-config.ts';
import { planDesign } from '../generator/plan/design.ts';
import { planMacDesign } from '../generator/plan/mac-linear.ts';
import type { DesignPlan, LutLinearPlan, MacLinearPlan } from '../generator/plan/types.ts';
import { estimateDesign } from '../generator/synth/estimate.ts';
import { TARGETS } from '../generator/synth/targets.ts';
import { Rng } from '../generator/util/rng.ts';
import { BERT_FFN } from './bert-ffn-artifact.ts';

const { values: args } = parseArgs({ options: { out: { type: 'string' } } });

/** Throughputs: (codebooks, outputs) per cycle; II = ⌈C/P_c⌉·⌈M/P_m⌉ cycles per token. */
const SETTINGS = [
  { Pc: 4, Pm: 64 },
  { Pc: 8, Pm: 128 },
];

async function writeTreeArtifact(dir: string): Promise<string> {
  const { D, M, V, K } = BERT_FFN;
  const C = D / V;
  const depth = Math.log2(K);
  const rng = new Rng(3072);
  const centroids = Float64Array.from({ length: C * K * V }, () => rng.normal());
  const weight = Float64Array.from({ length: C * V * M }, () => rng.normal() * 0.036);
  const bias = Float64Array.from({ length: M }, () => rng.normal() * 0.1);
  const splitDims = Array.from({ length: C * depth }, (_, i) => Math.floor(i / depth) * V + Math.floor(rng.next() * V));
  const thresholds = Array.from({ length: C * (K - 1) }, () => rng.normal());
  const fc = lutLinearLayer({ name: 'ffn_up', inFeatures: D, outFeatures: M, numCentroids: K, subvectorLen: V, centroids, weight, bias, activation: 'relu', input: { bits: 8, scale: 0.03 }, output: { bits: 8, scale: 0.05 }, hashTree: { depth, splitDims, thresholds } });
  return writeArtifact(dir, artifactManifest('bert', 'BERT-base FFN 768->3072 shape, hash tree, synthetic values (bench)', [fc.layer]), fc.tensors);
}

const work = await mkdtemp(join(tmpdir(), 'lutnn-bert-'));
try {
  const model = await writeTreeArtifact(join(work, 'bert'));
  const artifact = await loadArtifact(model);
  const lines: string[] = [
    '# BERT-base FFN up-projection (768 → 3072): LUT-NN (hash tree, K = 16, V = 4) against the MAC array, estimated',
    '',
    `Produced by \`npm run bench:bert\` (bench/bert-slice.ts), ${new Date().toISOString().slice(0, 10)}. Analytic estimates of both designs (docs/synthesis.md), stream ports (8 × INT8 per beat), \`memory_style: auto\`, ROM tables and weights; the same throughput on both sides. "fits" compares with the device (LUT, FF, block RAM, DSP).`,
    '',
    '| P_c, P_m | II (cycles/token) | target | LUT-NN LUT | MAC LUT | LUT ratio | LUT-NN BRAM | MAC BRAM | LUT-NN DSP | MAC DSP | LUT-NN fits | MAC fits |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const storage: string[] = [];
  for (const s of SETTINGS) {
    const config = join(work, `hw-${s.Pc}-${s.Pm}.yaml`);
    await writeFile(config, `codebooks_per_cycle: ${s.Pc}\noutputs_per_cycle: ${s.Pm}\nmemory_style: auto\nio: stream\n`);
    const hw = await loadHwConfig(config);
    const options = { manifest: model, regenerateCommand: 'bench/bert-slice.ts', force: true };
    const lut: DesignPlan = planDesign(artifact, hw, options);
    const mac: DesignPlan = planMacDesign(artifact, hw, options);
    const ii = lut.timing.initiationInterval;
    if (mac.timing.initiationInterval !== ii) throw new Error(`II differs: LUT-NN ${ii}, MAC ${mac.timing.initiationInterval}`);
    const layer = lut.layers[0] as LutLinearPlan;
    storage.push(`Storage at P_c = ${s.Pc}, P_m = ${s.Pm}: LUT-NN tables ${((layer.memory.table.banks * layer.memory.table.depth * layer.memory.table.width) / 2 ** 20).toFixed(1)} Mibit in ${layer.memory.table.banks} banks (${layer.memory.table.style}); MAC weights ${((BERT_FFN.D * BERT_FFN.M * 8) / 2 ** 20).toFixed(1)} Mibit (${mac.layers[0].kind === 'mac_linear' ? (mac.layers[0] as MacLinearPlan).memory.weights.style : ''}).`);
    for (const t of Object.values(TARGETS)) {
      if (t.family === 'asic') continue;
      const a = estimateDesign(lut, t).total;
      const b = estimateDesign(mac, t).total;
      const fits = (r: typeof a) => (['LUT', 'FF', 'BRAM', 'DSP'] as const).every((k) => r[k] <= t.available[k] || (k === 'DSP' && !t.dspMultipliers)) ? 'yes' : 'no';
      lines.push(`| ${s.Pc}, ${s.Pm} | ${ii} | ${t.name} | ${a.LUT} | ${b.LUT} | ${(a.LUT / b.LUT).toFixed(2)} | ${a.BRAM} | ${b.BRAM} | ${a.DSP} | ${b.DSP} | ${fits(a)} | ${fits(b)} |`);
    }
  }
  lines.push('', ...storage.map((l) => `* ${l}`), '');
  const text = lines.join('\n');
  console.log(text);
  if (args.out) await writeFile(args.out, text);
} finally {
  await rm(work, { recursive: true, force: true });
}
