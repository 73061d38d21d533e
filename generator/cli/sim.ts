/** `lutnn sim`: Verilator simulation of a generated design, checked bit-exactly against the golden model. */
import type { Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { floatErrorReport } from '../../tb/float-report.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { EXIT_CHECK_FAILED } from './main.ts';
import { makeReporter } from './progress.ts';

function parseIntOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: `an integer >= ${min}`, found: JSON.stringify(value) });
    }
    return n;
  };
}

function parseProbability(name: string) {
  return (value: string): number => {
    const p = Number(value);
    if (!(p >= 0 && p < 1)) throw new LutnnError(`Invalid value for ${name}.`, { field: name, expected: 'a probability in [0, 1)', found: JSON.stringify(value) });
    return p;
  };
}

export function simCommand(program: Command): void {
  program
    .command('sim')
    .description('Simulate a generated design in Verilator and check every output bit-exactly against the golden model.')
    .argument('<design-dir>', 'folder written by lutnn gen-rtl')
    .option('-n, --vectors <n>', 'random input vectors to stream', parseIntOption('--vectors', 1), 10000)
    .option('-s, --seed <n>', 'seed of the vectors and of the gap/back-pressure pattern', parseIntOption('--seed', 0), 1)
    .option('--gap <p>', 'probability of an idle input cycle', parseProbability('--gap'), 0.25)
    .option('--stall <p>', 'probability of output back-pressure in a cycle', parseProbability('--stall'), 0.25)
    .option('--no-timing', 'skip measuring latency and initiation interval against the plan')
    .option('-m, --model <model.json>', 'artifact for the float-reference error report (default: the one the design records, if unchanged)')
    .option('-q, --quiet', 'print only the verdict')
    .action(async (designDir: string, opts: { vectors: number; seed: number; gap: number; stall: number; timing: boolean; model?: string; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      const r = await verifyDesign(designDir, {
        vectors: opts.vectors,
        seed: opts.seed,
        gapProbability: opts.gap,
        stallProbability: opts.stall,
        skipTiming: !opts.timing,
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
        lines.push(`PASS  ${r.vectors} vectors bit-exact against the golden model (${r.simCycles} cycles, seed ${opts.seed}, gap ${opts.gap}, stall ${opts.stall})`);
      }
      if (r.timing) {
        const t = r.timing;
        const verdict = t.ok ? 'PASS' : 'FAIL';
        lines.push(`${verdict}  latency ${t.measuredLatency} cycles (plan ${t.planLatency}), initiation interval ${t.measuredIntervals.join('/')} (plan ${t.planII})`);
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
