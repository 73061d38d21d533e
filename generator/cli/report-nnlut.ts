/** `lutnn report-nnlut`: error figures of an NN-LUT table file and an SVG plot (f, table, error). */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { loadUserFunction, NNLUT_FUNCTIONS, parseQFormat } from '../nnlut/functions.ts';
import { reportTable } from '../nnlut/report.ts';
import { readNnlutTableFile } from '../nnlut/table-file.ts';
import { parseRange } from './fit-nnlut.ts';

export function reportNnlutCommand(program: Command): void {
  program
    .command('report-nnlut')
    .description('Error of an NN-LUT table\'s hardware output against the float function, and an SVG plot of f, the table and the error.')
    .argument('<table.json>', 'table file from fit-nnlut, or a public NN-LUT JSON {op, hidden, cut_points, slopes, biases}')
    .option('--fn <name>', 'function the table approximates (default: the one the file names)')
    .option('--points <file.csv>', 'user function samples (with --fn user)')
    .option('--range <lo,hi>', 'input range to judge (default: the file\'s)')
    .option('--in <qI.F>', 'input format (needed for NN-LUT JSON files, which carry none)')
    .option('--out <qI.F>', 'output format (likewise)')
    .option('--svg <file.svg>', 'plot to write (default: <table>.svg)')
    .action(async (file: string, opts: { fn?: string; points?: string; range?: string; in?: string; out?: string; svg?: string }) => {
      const t = await readNnlutTableFile(file);
      const input = opts.in ? parseQFormat(opts.in, '--in') : t.input;
      const output = opts.out ? parseQFormat(opts.out, '--out') : t.output;
      if (!input || !output) throw new LutnnError('The table file has no number formats.', { file, expected: '--in and --out (e.g. q6.10) for an NN-LUT JSON file', found: 'no input/output format' });
      const fn = opts.fn === 'user' && opts.points ? await loadUserFunction(opts.points) : opts.fn ? NNLUT_FUNCTIONS[opts.fn] : undefined;
      if (opts.fn && !fn) throw new LutnnError(`Unknown function ${JSON.stringify(opts.fn)}.`, { field: '--fn', expected: Object.keys(NNLUT_FUNCTIONS).join(', '), found: opts.fn });
      const r = reportTable({ ...t, input, output }, fn, opts.range ? parseRange(opts.range) : null, file);
      const svg = opts.svg ?? file.replace(/\.json$/i, '') + '.svg';
      await writeFile(svg, r.svg);
      const e = r.errors;
      process.stdout.write(
        `table      ${r.function}, ${r.segments} segments, INT${input.bits} (scale ${input.scale}) -> INT${output.bits} (scale ${output.scale}), F = ${r.quantized.fracBits}\n` +
          `error      hardware output vs float on [${r.range.join(', ')}] (${e.points} inputs): max |e| ${e.maxAbs.toExponential(3)}, mean |e| ${e.meanAbs.toExponential(3)}, max rel ${e.maxRel.toExponential(3)} (where |f| ≥ 1/16)\n` +
          `plot       ${svg}\n`,
      );
    });
}
