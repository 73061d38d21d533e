/** `lutnn fit-nnlut`: fit an NN-LUT piecewise-linear table to a function and write a table file. */
import { Option, type Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { fitNnlut, type FitMethod } from '../nnlut/fit.ts';
import { BUILTIN_FUNCTION_NAMES, loadUserFunction, NNLUT_FUNCTIONS, parseQFormat } from '../nnlut/functions.ts';
import { checkOutputTarget } from '../nnlut/output-file.ts';
import { tableOutputTarget, writeFitResult } from '../nnlut/table-file.ts';

export function parseRange(text: string, field = '--range'): [number, number] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p)) || !(parts[0] < parts[1])) {
    throw new LutnnError(`Invalid value for ${field}.`, { field, expected: 'lo,hi: two finite numbers with lo < hi, e.g. -8,8', found: JSON.stringify(text) });
  }
  return [parts[0], parts[1]];
}

const Q_FORMAT = /^[qQ]\d+\.\d+$/;

/** Every value of a repeatable option, in order (so that `-o a --out b` is seen, not silently b). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The number formats are --in-format / --out-format (as in `lutnn import`); --in and --out once
 * meant them. Old-style use gets an error naming the new flags instead of a misread value.
 * `outIsFile`: --out is the output file (fit-nnlut), so only a q-format value there is old style.
 */
export function refuseOldFormatFlags(opts: { in?: string[]; out?: string[] }, command: string, outIsFile: boolean): void {
  const oldIn = opts.in?.[0];
  const oldOut = outIsFile ? opts.out?.find((v) => Q_FORMAT.test(v.trim())) : opts.out?.[0];
  if (oldIn === undefined && oldOut === undefined) return;
  const parts: string[] = [];
  if (oldOut !== undefined) parts.push(outIsFile ? `--out is the output file; the output format is --out-format (e.g. --out-format ${oldOut})` : `the output format is --out-format (e.g. --out-format ${oldOut})`);
  if (oldIn !== undefined) parts.push(`the input format is --in-format (e.g. --in-format ${oldIn})`);
  throw new LutnnError(`${command}: ${parts.join('; ')}.`, {
    field: [oldIn !== undefined ? '--in' : '', oldOut !== undefined ? '--out' : ''].filter(Boolean).join(', '),
    expected: `--in-format qI.F and --out-format qI.F for the number formats${outIsFile ? ', -o/--out <file.json> for the table file' : ''}`,
    found: [oldIn !== undefined ? `--in ${oldIn}` : '', oldOut !== undefined ? `--out ${oldOut}` : ''].filter(Boolean).join(' '),
  });
}

function fmtErr(v: number): string {
  return v.toExponential(3);
}

interface FitCliOptions {
  fn: string;
  points?: string;
  segments: string;
  range?: string;
  inFormat: string;
  outFormat: string;
  coefficientBits: string;
  method: string;
  seed: string;
  out?: string[];
  in?: string[];
  output?: string;
  force?: boolean;
}

export function fitNnlutCommand(program: Command): void {
  program
    .command('fit-nnlut')
    .description('Fit an NN-LUT table (breakpoints, slopes, intercepts) to a nonlinear function, quantized to the hardware formats.')
    .requiredOption('--fn <name>', `function: ${BUILTIN_FUNCTION_NAMES.join(', ')}, or user (with --points); divide and invsqrt are 1/x and 1/sqrt(x) without range reduction (NN-LUT's names), reciprocal and rsqrt with it`)
    .option('--points <file.csv>', 'user function as sampled "x,y" lines (linear between samples)')
    .option('--segments <n>', 'number of segments N (N−1 breakpoints)', '16')
    .option('--range <lo,hi>', 'input range the table is judged on (default per function)')
    .option('--in-format <qI.F>', 'input format, e.g. q6.10 (16 bits, scale 2^-10)', 'q6.10')
    .option('--out-format <qI.F>', 'output format', 'q6.10')
    .option('--coefficient-bits <n>', 'signed width of a slope constant', '16')
    .option('--method <m>', 'best (default: try both, keep the better), minimax or relu-net', 'best')
    .option('--seed <n>', 'seed of the ReLU network initialisation', '1')
    .option('-o, --out <file.json>', 'table file to write, required (replaces an existing file only if it is a lutnn-nnlut table, or with --force)', collect)
    .option('--force', 'replace an existing file at -o/--out even if lutnn did not write it')
    .addOption(new Option('--in <qI.F>', 'old name of --in-format (refused with a message)').hideHelp().argParser(collect))
    .addOption(new Option('--output <file>', 'old name of -o/--out (refused with a message)').hideHelp())
    .addHelpText('after', '\nExample:\n  npx lutnn fit-nnlut --fn gelu --segments 16 --range -8,8 --in-format q6.10 --out-format q6.10 -o gelu16.json\n')
    .action(async (opts: FitCliOptions) => {
      refuseOldFormatFlags(opts, 'fit-nnlut', true);
      if (opts.output !== undefined) {
        throw new LutnnError('fit-nnlut: the table file is -o/--out.', { field: '--output', expected: `-o ${opts.output} (or --out ${opts.output})`, found: `--output ${opts.output}` });
      }
      if (!opts.out) throw new LutnnError('fit-nnlut needs the table file to write.', { field: '-o/--out', expected: '-o <file.json>', found: 'no -o/--out' });
      if (opts.out.length > 1) {
        throw new LutnnError('fit-nnlut: -o/--out is given more than once.', { field: '-o/--out', expected: 'one table file', found: opts.out.map((v) => JSON.stringify(v)).join(', ') });
      }
      const outFile = opts.out[0];
      const fn = opts.fn === 'user' ? (opts.points ? await loadUserFunction(opts.points) : undefined) : Object.hasOwn(NNLUT_FUNCTIONS, opts.fn) ? NNLUT_FUNCTIONS[opts.fn] : undefined;
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
      const input = parseQFormat(opts.inFormat, '--in-format');
      const output = parseQFormat(opts.outFormat, '--out-format');
      // Refuse a folder or a foreign file before the (possibly long) fit.
      await checkOutputTarget(tableOutputTarget(outFile, opts.force === true));
      const r = fitNnlut({
        fn,
        segments: int(opts.segments, '--segments'),
        range: opts.range ? parseRange(opts.range) : fn.defaultRange,
        input,
        output,
        coefficientBits,
        seed: int(opts.seed, '--seed'),
        methods,
      });
      const command = `npx lutnn fit-nnlut --fn ${opts.fn}${opts.points ? ` --points ${opts.points}` : ''} --segments ${opts.segments} --range ${r.range.join(',')} --in-format ${opts.inFormat} --out-format ${opts.outFormat} --coefficient-bits ${coefficientBits} --method ${opts.method} --seed ${opts.seed} -o ${outFile}`;
      await writeFitResult(outFile, r, command, opts.force === true);
      const cands = Object.entries(r.candidates).map(([m, e]) => `${m} ${fmtErr(e!.maxAbs)}`).join(', ');
      process.stdout.write(
        `fit        ${r.function} on [${r.range.join(', ')}], ${r.segments} segments, method ${r.method} (max |e| per method: ${cands})\n` +
          `error      hardware output vs float over ${r.errors.points} inputs: max |e| ${fmtErr(r.errors.maxAbs)}, mean |e| ${fmtErr(r.errors.meanAbs)}, max rel ${fmtErr(r.errors.maxRel)}\n` +
          `wrote      ${outFile}\n`,
      );
    });
}
