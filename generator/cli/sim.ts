/** `lutnn sim`: Verilator (or Icarus) simulation of a generated design, checked bit-exactly against the golden model. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadArtifact } from '../artifact/load.ts';
import type { Artifact } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';
import { checkGoldenAgainstArtifact } from '../golden/artifact-reference.ts';
import { floatArtifact } from '../golden/float-reference.ts';
import { loadWordCount, planLoadedDesign } from '../plan/load-map.ts';
import type { DesignPlan } from '../plan/types.ts';
import { accuracy, loadDataset, quantizeInputs, DATASETS } from '../../tb/datasets.ts';
import { floatErrorReport } from '../../tb/float-report.ts';
import { compareOutputs, readLabels, readReference, readUserInputs, type OutputComparison } from '../../tb/user-inputs.ts';
import { loadDesign, verifyDesign } from '../../tb/verify.ts';
import { EXIT_CHECK_FAILED } from './main.ts';
import { parseIntOption, parseProbability } from './options.ts';
import { makeReporter } from './progress.ts';

interface SimOpts {
  vectors: number;
  seed: number;
  gap: number;
  stall: number;
  timing: boolean;
  exhaustive?: boolean;
  dataset?: string;
  inputs?: string;
  reference?: string;
  labels?: string;
  simulator: string;
  model?: string;
  load?: string;
  quiet?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const describe = (c: OutputComparison) => `max |e| ${c.maxAbsError.toPrecision(4)}, relative RMS ${pct(c.relativeRmsError)}, argmax agreement ${pct(c.argmaxAgreement)}`;

/** The design's artifact (or `--model`), if present and unchanged since generation. */
async function artifactOf(design: DesignPlan, manifest?: string): Promise<{ artifact: Artifact | null; why: string }> {
  const path = resolve(manifest ?? design.artifact.manifest);
  if (!existsSync(path)) return { artifact: null, why: `artifact ${path} not found (pass --model)` };
  const artifact = await loadArtifact(path);
  if (artifact.sha256 !== design.artifact.sha256) {
    if (manifest) throw new LutnnError('The artifact is not the one the design was generated from.', { file: path, field: '--model', expected: `sha256 ${design.artifact.sha256}`, found: `sha256 ${artifact.sha256}` });
    return { artifact: null, why: `artifact ${path} changed since the design was generated (regenerate, or pass --model)` };
  }
  return { artifact, why: '' };
}

export function simCommand(program: Command): void {
  program
    .command('sim')
    .description('Simulate a generated design in Verilator (or Icarus) and check every output bit-exactly against the golden model, and the golden model against an independent reference computed from the artifact.')
    .argument('<design-dir>', 'folder written by lutnn gen-rtl')
    .option('-n, --vectors <n>', 'random input vectors to stream', parseIntOption('--vectors', 1), 10000)
    .option('-s, --seed <n>', 'seed of the vectors and of the gap/back-pressure pattern', parseIntOption('--seed', 0), 1)
    .option('--gap <p>', 'probability of an idle input cycle', parseProbability('--gap'), 0.25)
    .option('--stall <p>', 'probability of output back-pressure in a cycle', parseProbability('--stall'), 0.25)
    .option('--exhaustive', 'every representable input value in every element position (2^bits vectors; replaces --vectors)')
    .option('--no-timing', 'skip measuring latency and initiation interval against the plan')
    .option('--inputs <x.npy>', 'your own input vectors (N, D), real values, quantized with the design’s input format (replaces --vectors)')
    .option('--reference <y.npy>', 'with --inputs: what the trained model outputs on them (N, M), e.g. PyTorch’s, to compare the design with')
    .option('--labels <l.npy>', 'with --inputs: class labels (N) for accuracy')
    .option('--dataset <name>', `simulate a real dataset instead of random vectors and report accuracy (${DATASETS.join(', ')})`)
    .option('--simulator <name>', 'verilator or icarus (same stimulus, same cycles)', 'verilator')
    .option('-m, --model <model.json>', 'artifact for the independent reference and the float error report (default: the one the design records, if unchanged)')
    .option('--load <model.json>', 'table_storage: ram designs: write this model’s tables and bias through the load port first, then check against its golden model')
    .option('-q, --quiet', 'print only the verdict')
    .addHelpText('after', '\nExamples:\n  npx lutnn sim rtl-out/example --vectors 10000 --seed 1\n  npx lutnn sim rtl-out/mlp --inputs test_x.npy --reference ref_logits.npy --labels test_y.npy\n')
    .action(async (designDir: string, opts: SimOpts) => {
      const report = makeReporter(opts.quiet === true);
      const chosen = [opts.dataset && '--dataset', opts.exhaustive && '--exhaustive', opts.inputs && '--inputs'].filter(Boolean);
      if (chosen.length > 1) throw new LutnnError(`${chosen.join(' and ')} choose different inputs.`, { field: chosen.join(', '), expected: 'one of them', found: 'more than one' });
      if ((opts.reference || opts.labels) && !opts.inputs) throw new LutnnError('--reference and --labels describe --inputs.', { field: opts.reference ? '--reference' : '--labels', expected: 'also --inputs x.npy', found: 'no --inputs' });
      if (opts.simulator !== 'verilator' && opts.simulator !== 'icarus') throw new LutnnError('Unknown simulator.', { field: '--simulator', expected: 'verilator or icarus', found: JSON.stringify(opts.simulator) });
      const design = await loadDesign(designDir);
      const dataset = opts.dataset ? loadDataset(opts.dataset, design) : undefined;
      const user = opts.inputs ? await readUserInputs(opts.inputs, design) : undefined;
      const reference = user && opts.reference ? await readReference(opts.reference, design, user.count) : undefined;
      const labels = user && opts.labels ? await readLabels(opts.labels, design.io.output.elements, user.count) : undefined;
      // Before the (possibly long) simulator build: a wrong --model is the user's to fix first.
      if (opts.load && opts.model) throw new LutnnError('--load names the model the outputs are checked against.', { field: '--model', expected: 'either --load or --model', found: 'both' });
      const loadedArtifact = opts.load ? await loadArtifact(resolve(opts.load)) : undefined;
      const loaded = loadedArtifact ? planLoadedDesign(design, loadedArtifact, opts.load!) : undefined;
      const { artifact, why } = loadedArtifact ? { artifact: loadedArtifact, why: '' } : await artifactOf(design, opts.model);
      const started = performance.now();
      const r = await verifyDesign(designDir, {
        inputs: dataset ? quantizeInputs(design, dataset.images) : user?.quantized,
        vectors: opts.vectors,
        seed: opts.seed,
        gapProbability: opts.gap,
        stallProbability: opts.stall,
        skipTiming: !opts.timing,
        exhaustive: opts.exhaustive === true,
        simulator: opts.simulator,
        loaded,
        onStage: (s) => report.stage(s),
      });
      report.done(r.build.cached ? `${opts.simulator} simulator reused from cache` : `${opts.simulator} simulator built in ${r.build.buildSeconds.toFixed(1)}s (cached for the next run)`);
      const lines: string[] = [];
      if (r.failure) lines.push(`FAIL  ${r.failure}`);
      if (r.mismatch) {
        const m = r.mismatch;
        lines.push(
          `FAIL  mismatch at vector ${m.vector}, output lane ${m.lane}: expected ${m.expected}, got ${m.got}`,
          `      input: [${m.input.join(', ')}]`,
          ...(m.tracePath ? [`      waveform: ${m.tracePath}`] : []),
        );
      } else if (!r.failure) {
        const what = opts.exhaustive ? `exhaustive: all ${2 ** r.design.io.input.bits} input values in each of ${r.design.io.input.elements} element(s), ` : '';
        const of = loaded ? ` of ${loaded.artifact.name}, loaded through the table port (${loadWordCount(design.load!)} writes)` : '';
        lines.push(`PASS  ${what}${r.vectors} vectors bit-exact against the golden model${of} (${opts.simulator}, ${r.simCycles} cycles, seed ${opts.seed}, gap ${opts.gap}, stall ${opts.stall})`);
      }
      if (r.timing) {
        const t = r.timing;
        lines.push(`${t.ok ? 'PASS' : 'FAIL'}  latency ${t.measuredLatency} cycles (plan ${t.planLatency}), initiation interval ${t.measuredIntervals.join('/')} (plan ${t.planII})${t.planStartupIntervals.length ? `, the first outputs' intervals ${t.measuredStartupIntervals.join('/')} (plan ${t.planStartupIntervals.join('/')})` : ''}`);
      }
      // The golden model and the RTL read the same plan; this check does not.
      report.stage('checking the golden model against the artifact');
      let referenceOk = true;
      if (!artifact) {
        lines.push(`warn  independent reference not run: ${why}`);
      } else {
        const check = checkGoldenAgainstArtifact(r.design, artifact, r.inputs);
        const skipped = check.skipped.length ? `; not covered: ${check.skipped.join(', ')}` : '';
        if (check.disagreement) {
          const d = check.disagreement;
          referenceOk = false;
          const cause = loaded ? 'the loaded model needs other hardware than its tables and bias, e.g. other centroids or thresholds, which are fixed at generation' : 'a wrong plan; please report it';
          lines.push(`FAIL  the plan disagrees with the artifact: layer ${d.layer}, vector ${d.vector}, output lane ${d.lane}: reference computed from the artifact ${d.reference}, golden model ${d.golden} (${cause})`);
        } else if (check.layers.length > 0) {
          lines.push(`PASS  golden model equals the independent reference computed from the artifact (${check.layers.length} layer${check.layers.length > 1 ? 's' : ''}, ${r.vectors} vectors${skipped})`);
        } else {
          lines.push(`warn  independent reference not run${skipped}`);
        }
      }
      report.done('checked');
      if (dataset && r.ok) {
        const classes = r.design.io.output.elements;
        lines.push(
          `info  ${dataset.name}: ${dataset.count} inputs in ${((performance.now() - started) / 1000).toFixed(1)}s (simulator build ${r.build.buildSeconds.toFixed(1)}s); ` +
            `accuracy golden ${pct(accuracy(r.expected, dataset.labels, classes))}, RTL ${pct(accuracy(r.outputs, dataset.labels, classes))}`,
        );
      }
      if (user && opts.inputs) {
        const { bits } = r.design.io.input;
        lines.push(`info  inputs ${opts.inputs}: ${user.count} vectors quantized to INT${bits}, ${pct(user.saturatedFraction)} of the elements clipped`);
        const M = r.design.io.output.elements;
        const scale = r.design.io.output.scale;
        const rtl = Float64Array.from(r.outputs, (q) => q * scale);
        const floatModel = artifact ? floatOutputs(artifact, user.real, user.count, r.design.io.input.elements, M) : null;
        if (reference) {
          lines.push(`info  design (RTL) vs reference ${opts.reference}: ${describe(compareOutputs(rtl, reference, M))}`);
          if (floatModel) lines.push(`info  float model (artifact, float64) vs reference: ${describe(compareOutputs(floatModel, reference, M))}`);
        }
        if (labels) {
          const acc = [`RTL ${pct(accuracy(r.outputs, labels, M))}`, `golden ${pct(accuracy(r.expected, labels, M))}`];
          if (floatModel) acc.push(`float model ${pct(accuracy(floatModel, labels, M))}`);
          if (reference) acc.push(`reference ${pct(accuracy(reference, labels, M))}`);
          lines.push(`info  accuracy on ${opts.labels} (${labels.length} labels): ${acc.join(', ')}`);
        }
      }
      const err = r.ok && !user && artifact ? floatErrorReport(r.design, r.inputs, r.expected, artifact) : null;
      if (err) {
        lines.push(
          `info  error vs float reference (${r.vectors} vectors): max |e| ${err.maxAbsError.toPrecision(4)}, mean |e| ${err.meanAbsError.toPrecision(4)}, relative RMS ${pct(err.relativeRmsError)}, saturated outputs ${pct(err.saturatedFraction)}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!r.ok || !referenceOk) process.exitCode = EXIT_CHECK_FAILED;
    });
}

/** The artifact's float model (golden/float-reference.ts) on real inputs (N·D) → N·M. */
function floatOutputs(artifact: Artifact, x: Float64Array, count: number, D: number, M: number): Float64Array {
  const model = floatArtifact(artifact);
  const out = new Float64Array(count * M);
  for (let n = 0; n < count; n++) out.set(model.run(x, n * D).subarray(0, M), n * M);
  return out;
}
