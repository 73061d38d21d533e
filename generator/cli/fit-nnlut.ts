/** `lutnn fit-nnlut`: fit an NN-LUT piecewise-linear table to a function and write a table file. */
import type { Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { fitNnlut, type FitMethod } from '../nnlut/fit.ts';
import { BUILTIN_FUNCTION_NAMES, loadUserFunction, NNLUT_FUNCTIONS, parseQFormat } from '../nnlut/functions.ts';
import { writeFitResult } from '../nnlut/table-file.ts';

export function parseRange(text: string, field = '--range'): [number, number] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p)) || !(parts[0] < parts[1])) {
    throw new LutnnError(`Invalid value for ${field}.`, { field, expected: 'lo,hi: two finite numbers with lo < hi, e.g. -8,8', found: JSON.stringify(text) });
  }
  return [parts[0], parts[1]];
}

function fmtErr(v: number): string {
  return v.toExponential(3);
}

export function fitNnlutCommand(program: Command): void {
  program
    .command('fit-nnlut')
    .description('Fit an NN-LUT table (breakpoints, slopes, intercepts) to a nonlinear function, quantized to the hardware formats.')
    .requiredOption('--fn <name>', `function: ${BUILTIN_FUNCTION_NAMES.join(', ')}, or user (with --points)`)
    .option('--points <file.csv>', 'user function as sampled "x,y" lines (linear between samples)')
    .option('--segments <n>', 'number of segments N (N−1 breakpoints)', '16')
    .option('--range <lo,hi>', 'input range the table is judged on (default per function)')
    .option('--in <qI.F>', 'input format, e.g. q6.10 (16 bits, scale 2^-10)', 'q6.10')
    .option('--out <qI.F>', 'output format', 'q6.10')
    .option('--coefficient-bits <n>', 'signed width of a slope constant', '16')
    .option('--method <m>', 'best (default: try both, keep the better), minimax or relu-net', 'best')
    .option('--seed <n>', 'seed of the ReLU network initialisation', '1')
    .requiredOption('-o, --output <file.json>', 'table file to write')
    .addHelpText('after', '\nExample:\n  npx lutnn fit-nnlut --fn gelu --segments 16 --range -8,8 --in q6.10 --out q6.10 -o gelu16.json\n')
    .action(async (opts: { fn: string; points?: string; segments: string; range?: string; in: string; out: string; coefficientBits: string; method: string; seed: string; output: string }) => {
      const fn = opts.fn === 'user' ? (opts.points ? await loadUserFunction(opts.points) : undefined) : NNLUT_FUNCTIONS[opts.fn];
      if (!fn) {
        throw new LutnnError(`Unknown function ${JSON.stringify(opts.fn)}${opts.fn === 'user' ? ' without --points' : ''}.`, {
          field: '--fn',
          expected: `${BUILTIN_FUNCTION_NAMES.join(', ')}, or user with --points file.csv`,
          found: JSON.stringify(opts.fn),
        });
      }
      const int = (v: string, field: string) => {
        const n = Number(v);
        if (!Number.isInteger(n)) throw new LutnnError(`Invalid value for ${field}.`, { field, expected: 'an integer', found: JSON.stringify(v) });
        return n;
      };
      const methods: FitMethod[] | undefined =
        opts.method === 'best' ? undefined : opts.method === 'minimax' || opts.method === 'relu-net' ? [opts.method] : (() => {
          throw new LutnnError('Invalid value for --method.', { field: '--method', expected: 'best, minimax or relu-net', found: JSON.stringify(opts.method) });
        })();
      const coefficientBits = int(opts.coefficientBits, '--coefficient-bits');
      if (coefficientBits < 2 || coefficientBits > 24) throw new LutnnError('Invalid value for --coefficient-bits.', { field: '--coefficient-bits', expected: 'an integer from 2 to 24', found: String(coefficientBits) });
      const r = fitNnlut({
        fn,
        segments: int(opts.segments, '--segments'),
        range: opts.range ? parseRange(opts.range) : fn.defaultRange,
        input: parseQFormat(opts.in, '--in'),
        output: parseQFormat(opts.out, '--out'),
        coefficientBits,
        seed: int(opts.seed, '--seed'),
        methods,
      });
      const command = `npx lutnn fit-nnlut --fn ${opts.fn}${opts.points ? ` --points ${opts.points}` : ''} --segments ${opts.segments} --range ${r.range.join(',')} --in ${opts.in} --out ${opts.out} --coefficient-bits ${coefficientBits} --method ${opts.method} --seed ${opts.seed} -o ${opts.output}`;
      await writeFitResult(opts.output, r, command);
      const cands = Object.entries(r.candidates).map(([m, e]) => `${m} ${fmtErr(e!.maxAbs)}`).join(', ');
      process.stdout.write(
        `fit        ${r.function} on [${r.range.join(', ')}], ${r.segments} segments, method ${r.method} (max |e| per method: ${cands})\n` +
          `error      hardware output vs float over ${r.errors.points} inputs: max |e| ${fmtErr(r.errors.maxAbs)}, mean |e| ${fmtErr(r.errors.meanAbs)}, max rel ${fmtErr(r.errors.maxRel)}\n` +
          `wrote      ${opts.output}\n`,
      );
    });
}
