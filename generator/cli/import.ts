/** `lutnn import`: trained LUT-NN models in the formats trainers emit → native artifact. */
import type { Command } from 'commander';
import { readNpy } from '../convert/numpy.ts';
import { writeArtifactAtomically } from '../convert/write-artifact.ts';
import { LutnnError } from '../errors.ts';
import { toArtifact, type ImportedModel } from '../import/imported.ts';
import { importLutnnOnnx } from '../import/lutnn-onnx.ts';
import { importLutnnState } from '../import/lutnn-state.ts';
import { importPimDlNpz } from '../import/pim-dl-npz.ts';
import { parseQFormat } from '../nnlut/functions.ts';
import { nnlutManifestLayer, readNnlutTableFile } from '../nnlut/table-file.ts';
import { parseIntOption } from './options.ts';
import { makeReporter } from './progress.ts';

/** Importers of LUT-NN layers (lut_linear), by the name users pass to --from. */
export const LUT_IMPORTERS: Record<string, (file: string) => Promise<ImportedModel>> = {
  'lutnn-state': (f) => importLutnnState(f),
  'lutnn-onnx': (f) => importLutnnOnnx(f),
  'pim-dl-npz': (f) => importPimDlNpz(f),
};

/** NN-LUT table files (lutnn-nnlut or the public NN-LUT JSON) become a one-layer nnlut artifact. */
async function importNnlut(file: string, opts: { out: string; name: string; features?: number; inFormat?: string; outFormat?: string }): Promise<string> {
  const t = await readNnlutTableFile(file);
  const input = opts.inFormat ? parseQFormat(opts.inFormat, '--in-format') : t.input;
  const output = opts.outFormat ? parseQFormat(opts.outFormat, '--out-format') : t.output;
  if (!input || !output) {
    throw new LutnnError('The NN-LUT table has no fixed-point formats.', { file, expected: '--in-format and --out-format (e.g. q6.10), as the public NN-LUT JSON carries none', found: `input ${input ? 'given' : 'missing'}, output ${output ? 'given' : 'missing'}` });
  }
  const layer = nnlutManifestLayer({ ...t, input, output }, t.function && /^[A-Za-z]\w*$/.test(t.function) ? t.function : 'nnlut', opts.features ?? 1);
  await writeArtifactAtomically(opts.out, { format: 'lutnn-artifact', format_version: 1, name: opts.name, tensors: 'model.safetensors', description: `imported from ${file}`, layers: [layer] }, []);
  return `1 nnlut layer (${t.breakpoints.length + 1} segments, ${opts.features ?? 1} feature(s))`;
}

function parseScales(value: string): number[] {
  const s = value.split(',').map((v) => Number(v.trim()));
  if (s.some((v) => !(v > 0) || !Number.isFinite(v))) throw new LutnnError('Invalid value for --scales.', { field: '--scales', expected: 'comma-separated positive numbers', found: JSON.stringify(value) });
  return s;
}

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('Import a trained LUT-NN model (LUT-NN state, LUT-NN ONNX, PIM-DL npz) as a native artifact.')
    .argument('<file>', 'the trained model file')
    .requiredOption('--from <format>', `source format: ${Object.keys(LUT_IMPORTERS).join(', ')}, nnlut-json`)
    .requiredOption('-o, --out <dir>', 'artifact folder to write (model.json + model.safetensors)')
    .option('--name <name>', 'model name in the artifact', 'imported')
    .option('--calib <file.npy>', 'calibration inputs (N, D) to choose the stream scales from activation ranges')
    .option('--scales <list>', 'explicit stream scales instead: input scale, then each layer’s output scale', parseScales)
    .option('--bits <n>', 'bits of the streams and of tables quantized by the tool', parseIntOption('--bits', 2), 8)
    .option('--features <n>', 'nnlut-json: elements per vector of the nnlut layer', parseIntOption('--features', 1))
    .option('--in-format <q>', 'nnlut-json: input fixed-point format, e.g. q6.10 (when the file has none)')
    .option('--out-format <q>', 'nnlut-json: output fixed-point format, e.g. q6.10 (when the file has none)')
    .option('-q, --quiet', 'print only errors')
    .action(async (file: string, opts: { from: string; out: string; name: string; calib?: string; scales?: number[]; bits: number; features?: number; inFormat?: string; outFormat?: string; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      if (opts.from === 'nnlut-json') {
        report.done(`wrote ${opts.out}/model.json (${await importNnlut(file, opts)})`);
        return;
      }
      const importer = LUT_IMPORTERS[opts.from];
      if (!importer) throw new LutnnError('Unknown import format.', { field: '--from', expected: [...Object.keys(LUT_IMPORTERS), 'nnlut-json'].join(', '), found: JSON.stringify(opts.from) });
      report.stage(`reading ${opts.from}`);
      const model = await importer(file);
      let calibration: { data: Float64Array; rows: number } | undefined;
      if (opts.calib) {
        const c = await readNpy(opts.calib, 'calibration data');
        const D = model.layers[0].C * model.layers[0].V;
        if (c.shape.length !== 2 || c.shape[1] !== D) {
          throw new LutnnError('Calibration data has the wrong shape.', { file: opts.calib, expected: `shape (N, ${D})`, found: `shape (${c.shape.join(', ')})` });
        }
        calibration = { data: c.data, rows: c.shape[0] };
      }
      const { manifest, tensors } = toArtifact(model, opts.name, { bits: opts.bits, calibration, scales: opts.scales });
      await writeArtifactAtomically(opts.out, manifest, tensors);
      report.done(`wrote ${opts.out}/model.json (${model.layers.length} layer${model.layers.length > 1 ? 's' : ''}: ${model.layers.map((l) => `${l.name} ${l.C * l.V}->${l.M}`).join(', ')})`);
    });
}
