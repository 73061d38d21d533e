/** `lutnn compare`: LUT-NN hardware versus a MAC array of equal throughput, synthesised side by side. */
import type { Command } from 'commander';
import { compareLayer } from '../compare.ts';
import { DEFAULT_FREQ_MHZ } from '../synth/run.ts';
import { TARGET_NAMES } from '../synth/targets.ts';
import { makeReporter } from './progress.ts';
import { parseMhz } from './synth.ts';

export function compareCommand(program: Command): void {
  program
    .command('compare')
    .description('Generate a layer as LUT-NN hardware and as a dense INT8 MAC array of equal throughput, synthesise both and compare.')
    .argument('[example-dir]', 'artifact folder with model.json (and hw.yaml), e.g. examples/lut_linear_64x32')
    .option('-m, --model <model.json>', 'artifact manifest (instead of a folder)')
    .option('-c, --config <hw.yaml>', 'hardware configuration (default: hw.yaml in the folder)')
    .option('-t, --target <target>', `one of ${TARGET_NAMES.join(', ')}`, 'ice40-hx8k')
    .option('--freq <MHz>', 'clock constraint for place-and-route', parseMhz, DEFAULT_FREQ_MHZ)
    .option('--no-pnr', 'skip place-and-route (iCE40)')
    .option('--no-synth', 'only generate both designs (then `lutnn sim` each)')
    .option('-o, --out <dir>', 'output folder (lut/ and mac/ designs with their synth/ reports)', 'rtl-out/compare')
    .option('--json', 'print the comparison as JSON')
    .option('-q, --quiet', 'print only the table')
    .addHelpText('after', '\nExamples:\n  npx lutnn compare examples/lut_linear_64x32 --target ice40-hx8k\n  npx lutnn compare examples/lut_linear_64x32 --target xilinx-7 -o rtl-out/cmp-x7\n')
    .action(async (exampleDir: string | undefined, opts: { model?: string; config?: string; target: string; freq: number; pnr: boolean; synth: boolean; out: string; json?: boolean; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      const r = await compareLayer({ example: exampleDir, model: opts.model, config: opts.config, target: opts.target, out: opts.out, pnr: opts.pnr ? undefined : false, freqMhz: opts.freq, generateOnly: !opts.synth, onStage: (s) => report.stage(s) });
      report.done(`designs in ${r.lut.design} and ${r.mac.design}`);
      process.stdout.write(opts.json ? `${JSON.stringify({ rows: r.rows, lut: r.lut.synth?.report ?? null, mac: r.mac.synth?.report ?? null }, null, 2)}\n` : r.text);
    });
}
