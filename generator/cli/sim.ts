/** `lutnn sim`: Verilator simulation of a generated design, checked bit-exactly against the golden model. */
import type { Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { accuracy, loadDataset, quantizeInputs, DATASETS } from '../../tb/datasets.ts';
import { floatErrorReport } from '../../tb/float-report.ts';
import { loadDesign, verifyDesign } from '../../tb/verify.ts';
import { EXIT_CHECK_FAILED } from './main.ts';
import { parseIntOption, parseProbability } from './options.ts';
import { makeReporter } from './progress.ts';

export function simCommand(program: Command): void {
  program
    .command('sim')
    .description('Simulate a generated design in Verilator and check every output bit-exactly against the golden model.')
    .argument('<design-dir>', 'folder written by lutnn gen-rtl')
    .option('-n, --vectors <n>', 'random input vectors to stream', parseIntOption('--vectors', 1), 10000)
    .option('-s, --seed <n>', 'seed of the vectors and of the gap/back-pressure pattern', parseIntOption('--seed', 0), 1)
    .option('--gap <p>', 'probability of an idle input cycle', parseProbability('--gap'), 0.25)
    .option('--stall <p>', 'probability of output back-pressure in a cycle', parseProbability('--stall'), 0.25)
    .option('--exhaustive', 'every representable input value in every element position (2^bits vectors; replaces --vectors)')
    .option('--no-timing', 'skip measuring latency and initiation interval against the plan')
    .option('--dataset <name>', `simulate a real dataset instead of random vectors and report accuracy (${DATASETS.join(', ')})`)
    .option('-m, --model <model.json>', 'artifact for the float-reference error report (default: the one the design records, if unchanged)')
    .option('-q, --quiet', 'print only the verdict')
    .action(async (designDir: string, opts: { vectors: number; seed: number; gap: number; stall: number; timing: boolean; exhaustive?: boolean; dataset?: string; model?: string; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      if (opts.dataset && opts.exhaustive) {
        throw new LutnnError('--dataset and --exhaustive choose different inputs.', { field: '--dataset, --exhaustive', expected: 'one of them', found: 'both' });
      }
      const design = opts.dataset ? await loadDesign(designDir) : undefined;
      const dataset = opts.dataset && design ? loadDataset(opts.dataset, design) : undefined;
      const started = performance.now();
      const r = await verifyDesign(designDir, {
        inputs: dataset && design ? quantizeInputs(design, dataset.images) : undefined,
        vectors: opts.vectors,
        seed: opts.seed,
        gapProbability: opts.gap,
        stallProbability: opts.stall,
        skipTiming: !opts.timing,
        exhaustive: opts.exhaustive === true,
        onStage: (s) => report.stage(s),
      });
      report.done(r.build.cached ? 'simulator reused from cache' : `simulator built in ${r.build.buildSeconds.toFixed(1)}s`);
      const lines: string[] = [];
      if (r.failure) lines.push(`FAIL  ${r.failure}`);
      if (r.mismatch) {
        const m = r.mismatch;
        lines.push(
          `FAIL  mismatch at vector ${m.vector}, output lane ${m.lane}: expected ${m.expected}, got ${m.got}`,
          `      input: [${m.input.join(', ')}]`,
          `      waveform: ${m.tracePath}`,
        );
      } else if (!r.failure) {
        const what = opts.exhaustive ? `exhaustive: all ${2 ** r.design.io.input.bits} input values in each of ${r.design.io.input.elements} element(s), ` : '';
        lines.push(`PASS  ${what}${r.vectors} vectors bit-exact against the golden model (${r.simCycles} cycles, seed ${opts.seed}, gap ${opts.gap}, stall ${opts.stall})`);
      }
      if (r.timing) {
        const t = r.timing;
        const verdict = t.ok ? 'PASS' : 'FAIL';
        lines.push(`${verdict}  latency ${t.measuredLatency} cycles (plan ${t.planLatency}), initiation interval ${t.measuredIntervals.join('/')} (plan ${t.planII})`);
      }
      if (dataset && r.ok) {
        const classes = r.design.io.output.elements;
        lines.push(
          `info  ${dataset.name}: ${dataset.count} inputs in ${((performance.now() - started) / 1000).toFixed(1)}s (simulator build ${r.build.buildSeconds.toFixed(1)}s); ` +
            `accuracy golden ${(100 * accuracy(r.expected, dataset.labels, classes)).toFixed(2)} %, RTL ${(100 * accuracy(r.outputs, dataset.labels, classes)).toFixed(2)} %`,
        );
      }
      const err = r.ok ? await floatErrorReport(r.design, r.inputs, opts.model) : null;
      if (err) {
        lines.push(
          `info  error vs float reference (${r.vectors} vectors): max |e| ${err.maxAbsError.toPrecision(4)}, mean |e| ${err.meanAbsError.toPrecision(4)}, relative RMS ${(100 * err.relativeRmsError).toFixed(2)} %, saturated outputs ${(100 * err.saturatedFraction).toFixed(2)} %`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!r.ok) process.exitCode = EXIT_CHECK_FAILED;
    });
}
