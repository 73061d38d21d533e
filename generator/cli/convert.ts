/** `lutnn convert`: dense MLP or CNN + calibration inputs → LUT-NN artifact (vanilla PQ, LUT-NN tables). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeArtifactAtomically } from '../convert/write-artifact.ts';
import { loadDenseModel } from '../convert/load-dense.ts';
import { finiteRows, imagesAsFrames, readNpy } from '../convert/numpy.ts';
import { isDensePool, stageInputs, stageOutputs } from '../convert/dense.ts';
import { readTopology } from '../import/topology.ts';
import { convertDense, DEFAULT_CONVERT } from '../convert/pq.ts';
import { LutnnError } from '../errors.ts';
import { makeReporter } from './progress.ts';
import { checkLimit, formatBytes, SIZE_LIMITS } from '../util/size-limits.ts';
import { parseIntOption, parseNonNegative, parseSubvectorLens } from './options.ts';

export function convertCommand(program: Command): void {
  program
    .command('convert')
    .description('Convert a dense MLP or CNN to a LUT-NN artifact: k-means codebooks per layer (over im2col patches for a convolution), LUT-NN tables, scales from calibration data.')
    .requiredOption('-d, --dense <file>', 'dense model: .safetensors or .npz state dict (<layer>.weight (out, in), <layer>.bias; a CNN with --topology), or .onnx (Gemm/MatMul/Add/Relu; a CNN: Conv, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, Gemm)')
    .requiredOption('--calib <file.npy>', 'calibration inputs, shape (N, D) of the first layer; images (N, C, H, W), (N, H, W) or (N, H·W·C) channels last')
    .requiredOption('-o, --out <dir>', 'artifact folder to write (model.json + model.safetensors)')
    .option('--name <name>', 'model name in the artifact', 'model')
    .option('--layers <names>', 'comma-separated layer prefixes in order (state dicts; default: natural order)')
    .option('--topology <file.yaml>', 'a CNN state dict’s steps in order: conv2d, batchnorm2d, relu, maxpool2d, avgpool2d, global_avgpool2d, flatten, linear (docs/convert-and-import.md, "Dense CNNs")')
    .option('--subvector-len <V>', `sub-vector length V, or per layer: name=V,… with an optional default (e.g. conv1=9,fc=4,8; default ${DEFAULT_CONVERT.subvectorLen})`, parseSubvectorLens('--subvector-len'), { layers: {} })
    .option('-K, --centroids <n>', 'centroids per codebook K', parseIntOption('--centroids', 2), DEFAULT_CONVERT.centroids)
    .option('--bits <n>', 'bits of inputs, outputs and tables', parseIntOption('--bits', 2), DEFAULT_CONVERT.bits)
    .option('--refine <iterations>', 'centroid refinement iterations per layer (reduces ||Â·W − A·W||²; closest-centroid encoder)', parseIntOption('--refine', 0), DEFAULT_CONVERT.refineIterations)
    .option('--encoder <kind>', 'ccs (closest-centroid search, k-means codebooks) or hash-tree (MADDNESS hash trees, K = 2^depth; no distance arithmetic in hardware)', DEFAULT_CONVERT.encoder)
    .option('--ridge <lambda>', 'hash-tree: λ of MADDNESS’s ridge refinement of the table against A·W (0: the bucket means’ table)', parseNonNegative('--ridge'), DEFAULT_CONVERT.ridge)
    .option('--calib-rows <n>', 'calibration rows used for k-means and refinement', parseIntOption('--calib-rows', 1), DEFAULT_CONVERT.calibrationRows)
    .option('-s, --seed <n>', 'k-means seed', parseIntOption('--seed', 0), DEFAULT_CONVERT.seed)
    .option('--force', 'convert past the size limits (docs/hw-config.md, "Size limits")')
    .option('-q, --quiet', 'print only errors')
    .action(async (opts: { dense: string; calib: string; out: string; name: string; layers?: string; topology?: string; subvectorLen: { all?: number; layers: Record<string, number> }; centroids: number; bits: number; refine: number; encoder: string; ridge: number; calibRows: number; seed: number; force?: boolean; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      if (opts.encoder !== 'ccs' && opts.encoder !== 'hash-tree') throw new LutnnError('Unknown encoder.', { field: '--encoder', expected: 'ccs or hash-tree', found: JSON.stringify(opts.encoder) });
      if (opts.encoder === 'hash-tree' && opts.refine > 0) throw new LutnnError('--refine refines k-means centroids.', { field: '--refine', expected: '--ridge λ to refine a hash tree’s table', found: `--refine ${opts.refine} with --encoder hash-tree` });
      if (opts.encoder === 'ccs' && opts.ridge > 0) throw new LutnnError('--ridge refines a hash tree’s table.', { field: '--ridge', expected: '--encoder hash-tree, or --refine for k-means centroids', found: `--ridge ${opts.ridge} with --encoder ccs` });
      report.stage('loading dense model');
      const topology = opts.topology ? await readTopology(opts.topology) : undefined;
      const model = await loadDenseModel(opts.dense, { layers: opts.layers?.split(',').map((s) => s.trim()), topology });
      const first = model.layers[0];
      const image = isDensePool(first) ? first.pool : first.conv;
      const raw = await readNpy(opts.calib, 'calibration data');
      const calib = image ? imagesAsFrames(raw, image) : raw;
      const D = stageInputs(first);
      finiteRows(calib, D, { file: opts.calib, what: 'calibration data', columns: image ? `${image.height} x ${image.width} x ${image.inChannels} images as frames (raster order, channels last), or give (N, ${image.inChannels}, ${image.height}, ${image.width})` : `the first layer's ${D} inputs` });
      if (calib.data.every((v) => v === 0)) {
        throw new LutnnError('The calibration data is all zeros.', { file: opts.calib, expected: 'real inputs of the model: k-means learns the codebooks and the scales from them', found: `${calib.shape[0]} rows of zeros` });
      }
      // The artifact holds, per layer, centroids (C·K·V = D·K), LUT-NN's weight (D·M) and bias, as F32.
      const lutLayers = model.layers.flatMap((l) => (isDensePool(l) ? [] : [l]));
      const artifactBytes = lutLayers.reduce((n, l) => n + 4 * (l.inFeatures * opts.centroids + l.inFeatures * l.outFeatures + l.outFeatures), 0);
      checkLimit(`The converted artifact (about ${formatBytes(artifactBytes)})`, artifactBytes, SIZE_LIMITS.outputBytes, {
        force: opts.force === true,
        file: opts.dense,
        field: 'layer sizes',
        unit: formatBytes,
        advice: 'check the dense model’s layer sizes',
      });
      // Per row, the largest step holds three copies of its widest side (activations in, LUT-NN
      // outputs, their float forward) and, a convolution, its patches.
      const perRow = Math.max(...model.layers.map((l) => 3 * Math.max(stageInputs(l), stageOutputs(l)) + (!isDensePool(l) && l.conv ? (stageOutputs(l) / l.outFeatures) * l.inFeatures : 0)));
      const workingBytes = 8 * calib.shape[0] * perRow;
      checkLimit(`The conversion's working memory (about ${formatBytes(workingBytes)}: ${calib.shape[0]} calibration rows through its largest step)`, workingBytes, SIZE_LIMITS.workingBytes, {
        force: opts.force === true,
        file: opts.calib,
        unit: formatBytes,
        advice: 'fewer calibration rows',
      });
      const conversion = convertDense(
        model,
        calib.data,
        calib.shape[0],
        { ...DEFAULT_CONVERT, name: opts.name, subvectorLen: opts.subvectorLen.all ?? DEFAULT_CONVERT.subvectorLen, layerSubvectorLen: opts.subvectorLen.layers, centroids: opts.centroids, bits: opts.bits, refineIterations: opts.refine, encoder: opts.encoder, ridge: opts.ridge, calibrationRows: opts.calibRows, seed: opts.seed },
        (layer) => report.stage(`converting ${layer}`),
      );
      await writeArtifactAtomically(opts.out, conversion.manifest, conversion.tensors);
      report.done(`wrote ${opts.out}/model.json`);
      if (!opts.quiet) {
        for (const l of conversion.report) {
          const r = l.reconstructionError;
          process.stdout.write(`${l.name.padEnd(12)} C=${String(l.C).padEnd(4)} output MSE ${r.kmeans.toExponential(3)}${r.refined !== r.kmeans ? ` → ${r.refined.toExponential(3)} refined` : ''}, scales in ${l.inputScale.toPrecision(4)} out ${l.outputScale.toPrecision(4)}\n`);
        }
        process.stdout.write(`next         npx lutnn gen-rtl --model ${join(opts.out, 'model.json')} --out rtl-out/${opts.name}\n`);
      }
    });
}
