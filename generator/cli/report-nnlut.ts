/** `lutnn report-nnlut`: error figures of an NN-LUT table file and an SVG plot (f, table, error). */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { knownFunctionsText, loadUserFunction, NNLUT_FUNCTIONS, parseQFormat } from '../nnlut/functions.ts';
import { checkOutputTarget, writeOutputAtomically } from '../nnlut/output-file.ts';
import { svgOutputTarget } from '../nnlut/plot.ts';
import { reportTable } from '../nnlut/report.ts';
import { readNnlutTableFile } from '../nnlut/table-file.ts';
import { collect, parseRange, refuseOldFormatFlags } from './fit-nnlut.ts';

interface ReportCliOptions {
  fn?: string;
  points?: string;
  range?: string;
  inFormat?: string;
  outFormat?: string;
  coefficientBits?: string;
  svg?: string;
  force?: boolean;
  in?: string[];
  out?: string[];
}

export function reportNnlutCommand(program: Command): void {
  program
    .command('report-nnlut')
    .description('Error of an NN-LUT table\'s hardware output against the float function, and an SVG plot of f, the table and the error.')
    .argument('<table.json>', 'table file from fit-nnlut, or a public NN-LUT JSON {op, hidden, cut_points, slopes, biases}')
    .option('--fn <name>', 'function the table approximates (default: the one the file names)')
    .option('--points <file.csv>', 'user function samples (with --fn user)')
    .option('--range <lo,hi>', 'input range to judge (default: the file\'s fit range, NN-LUT\'s training range for its op, or the function\'s default)')
    .option('--in-format <qI.F>', 'input format (needed for NN-LUT JSON files, which carry none)')
    .option('--out-format <qI.F>', 'output format (likewise)')
    .option('--coefficient-bits <n>', 'signed width of a quantized slope (default: the file\'s; 16 for NN-LUT JSON)')
    .option('--svg <file.svg>', 'plot to write (default: <table>.svg); replaces only a plot lutnn wrote, or with --force')
    .option('--force', 'replace an existing file at the plot path even if lutnn did not write it')
    .addOption(new Option('--in <qI.F>', 'old name of --in-format (refused with a message)').hideHelp().argParser(collect))
    .addOption(new Option('--out <qI.F>', 'old name of --out-format (refused with a message)').hideHelp().argParser(collect))
    .addHelpText('after', '\nExample (a public NN-LUT table, judged on NN-LUT\'s training range [1, 1024]):\n  npx lutnn report-nnlut lut_details_divide_H10_sub.json --in-format q12.4 --out-format q2.14\n')
    .action(async (file: string, opts: ReportCliOptions) => {
      refuseOldFormatFlags(opts, 'report-nnlut', false);
      const t = await readNnlutTableFile(file);
      const input = opts.inFormat ? parseQFormat(opts.inFormat, '--in-format') : t.input;
      const output = opts.outFormat ? parseQFormat(opts.outFormat, '--out-format') : t.output;
      if (!input || !output) throw new LutnnError('The table file has no number formats.', { file, expected: '--in-format and --out-format (e.g. q6.10) for an NN-LUT JSON file', found: `input ${input ? 'given' : 'missing'}, output ${output ? 'given' : 'missing'}` });
      const coefficientBits = opts.coefficientBits === undefined ? t.coefficientBits : Number(opts.coefficientBits);
      if (!Number.isInteger(coefficientBits) || coefficientBits < 2 || coefficientBits > 24) throw new LutnnError('Invalid value for --coefficient-bits.', { field: '--coefficient-bits', expected: 'an integer from 2 to 24', found: JSON.stringify(opts.coefficientBits) });
      const fn = opts.fn === 'user' && opts.points ? await loadUserFunction(opts.points) : opts.fn && Object.hasOwn(NNLUT_FUNCTIONS, opts.fn) ? NNLUT_FUNCTIONS[opts.fn] : undefined;
      if (opts.fn && !fn) throw new LutnnError(`Unknown function ${JSON.stringify(opts.fn)}${opts.fn === 'user' ? ' without --points' : ''}.`, { field: '--fn', expected: `${knownFunctionsText()}, or user with --points f.csv`, found: opts.fn });
      const svg = opts.svg ?? file.replace(/\.json$/i, '') + '.svg';
      if (resolve(svg) === resolve(file)) throw new LutnnError('The plot would overwrite the table file.', { file, field: '--svg', expected: 'a plot path other than the table file', found: svg });
      const target = svgOutputTarget(svg, opts.force === true);
      await checkOutputTarget(target);
      const r = reportTable({ ...t, input, output, coefficientBits }, fn, opts.range ? parseRange(opts.range) : null, file);
      await writeOutputAtomically(target, r.svg);
      const e = r.errors;
      const empty = r.emptySegments > 0 ? ` (${r.emptySegments} empty: repeated or out-of-range breakpoints, never selected)` : '';
      process.stdout.write(
        `table      ${r.function}, ${r.segments} segments${empty}, INT${input.bits} (scale ${input.scale}) -> INT${output.bits} (scale ${output.scale}), ${coefficientBits}-bit slopes, F = ${r.quantized.fracBits}\n` +
          `range      [${r.range.join(', ')}]: ${r.rangeOrigin}\n` +
          `error      hardware output vs float on [${r.range.join(', ')}] (${e.points} inputs): max |e| ${e.maxAbs.toExponential(3)}, mean |e| ${e.meanAbs.toExponential(3)}, max rel ${e.maxRel.toExponential(3)} (where |f| ≥ 1/16)\n` +
          `plot       ${svg}\n`,
      );
    });
}
