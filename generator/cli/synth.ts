/** `lutnn synth`: in-process Yosys synthesis (and iCE40 place-and-route) of a generated design. */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { DEFAULT_FREQ_MHZ, synthDesign } from '../synth/run.ts';
import { DEFAULT_PNR_TIMEOUT_SECONDS } from '../synth/nextpnr.ts';
import { TARGET_NAMES } from '../synth/targets.ts';
import { makeReporter } from './progress.ts';

export function parseMhz(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 2000)) throw new LutnnError('Invalid clock frequency.', { field: '--freq', expected: 'a frequency in MHz, 0 < f < 2000', found: JSON.stringify(value) });
  return n;
}

function parsePositiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new LutnnError('Invalid place-and-route time limit.', { field: '--pnr-timeout', expected: 'a positive number of seconds', found: JSON.stringify(v) });
  return n;
}

export function synthCommand(program: Command): void {
  program
    .command('synth')
    .description('Synthesise a generated design with Yosys (in-process) and report resources; place and route on iCE40 targets.')
    .argument('<design-dir>', 'folder written by lutnn gen-rtl')
    .option('-t, --target <target>', `one of ${TARGET_NAMES.join(', ')}`, 'ice40-hx8k')
    .option('--freq <MHz>', 'clock constraint for place-and-route; on sg13g2 ABC\'s delay target (period = 1000/MHz ns)', parseMhz, DEFAULT_FREQ_MHZ)
    .option('--no-pnr', 'skip place-and-route (iCE40)')
    .option('--module <name>', 'synthesise one unit of the design (e.g. <prefix>_ccs) instead of its top')
    .option('--seed <n>', 'nextpnr placement seed', (v) => Number(v), 1)
    .option('--tmg-ripup', 'timing-driven rip-up in nextpnr\'s router: a few % more Fmax on designs near the constraint, much longer routing on designs far from it')
    .option('--pnr-timeout <s>', 'stop place-and-route after this many seconds (nextpnr can hang on an unlucky seed; a nearly full device can take much longer)', parsePositiveSeconds, DEFAULT_PNR_TIMEOUT_SECONDS)
    .option('-o, --out <dir>', 'folder for report.json, report.txt and tool logs (default <design-dir>/synth/<target>)')
    .option('--json', 'print the report as JSON instead of a table')
    .option('-q, --quiet', 'print only the report')
    .addHelpText('after', '\nExamples:\n  npx lutnn synth rtl-out/example --target ice40-hx8k\n  npx lutnn synth rtl-out/example --target xilinx-7\n  npx lutnn synth rtl-out/example --target sg13g2 --freq 166.67   # ASIC area (µm², kGE) and delay\n  npx lutnn synth rtl-out/example --module example_fc1_accumulator --freq 175\n')
    .action(async (designDir: string, opts: { target: string; freq: number; pnr: boolean; module?: string; seed: number; tmgRipup?: boolean; pnrTimeout: number; out?: string; json?: boolean; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      const r = await synthDesign(designDir, {
        target: opts.target,
        freqMhz: opts.freq,
        // Place-and-route where the target has it (iCE40), unless --no-pnr.
        pnr: opts.pnr ? undefined : false,
        module: opts.module,
        seed: opts.seed,
        timingRipup: opts.tmgRipup === true,
        pnrTimeoutSeconds: opts.pnrTimeout,
        out: opts.out,
        onStage: (s) => report.stage(s),
        // A warning stays on screen (the live stage line on a terminal would overwrite it).
        onWarning: (w) => report.done(`warning: ${w}`),
        // A terminal's live line shows nextpnr's progress every second; a log gets a line per phase
        // and a heartbeat every 10 s.
        progressIntervalSeconds: process.stderr.isTTY === true ? 1 : 10,
        stopPnrOnSigint: true,
      });
      const where = relative(process.cwd(), r.outDir) || '.';
      report.done(`wrote ${where}`);
      process.stdout.write(opts.json ? `${JSON.stringify(r.report, null, 2)}\n` : r.text);
      const status = r.report.pnrStatus;
      if (status === 'timed-out') {
        const full = r.report.warnings.length > 0 ? ' The device is nearly full (see the warning), which makes placement and routing slow.' : '';
        throw new LutnnError(`Place-and-route did not finish within ${opts.pnrTimeout} s; the synthesis report and the reason are in ${where} (report.txt, report.json, nextpnr.log).`, {
          field: '--pnr-timeout',
          expected: `nextpnr-ice40 to finish within ${opts.pnrTimeout} s`,
          found: `stopped while ${r.report.pnrStoppedWhile ?? 'running'}.${full} Try a longer --pnr-timeout, another --seed, a smaller design, or --no-pnr.`,
        });
      }
      if (status === 'interrupted') {
        process.stderr.write(`lutnn: place-and-route interrupted; the synthesis report is in ${where}\n`);
        process.exitCode = 130;
      }
    });
}
