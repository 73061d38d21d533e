/**
 * LUT-NN (blink-mm) layer state: per layer `<p>.centroids (C, K, V)` with `<p>.weight (C, V, M)`
 * (or an already-built float `<p>.lut (C, K, M)`) and `<p>.bias (M)`, in a PyTorch checkpoint
 * (`torch.save({"state_dict": …})`, keys prefixed `cnn.` or `module.`), safetensors or npz
 * (state-dict.ts reads all three). `inverse_temperature_logit` / `temperature` (soft-PQ training
 * only) and every tensor no layer uses are ignored, whatever their dtype.
 *
 * A state dict does not say whether a layer is linear: blink-mm's AMMConv2d stores exactly the
 * tensors of AMMLinear (ops/amm_conv2d.py). So each LUT layer is classified from what the file
 * does say, and a layer that may be a convolution is refused by name rather than imported as a
 * linear layer (docs/convert-and-import.md, "Which layers are linear").
 */
import { LutnnError } from '../errors.ts';
import { MAX_KERNEL } from '../artifact/schema.ts';
import { safeName, type ImportedLayer, type ImportedModel } from './imported.ts';
import { expectTensor, readStateDict, type StateDict } from './state-dict.ts';
import { naturalOrder } from '../util/names.ts';
import type { Conv2dGeometry } from '../artifact/types.ts';
import { convOutputSize } from '../plan/lut-conv2d.ts';
import type { Topology } from './topology.ts';

export interface LutnnStateOptions {
  /** Layer prefixes to import, in order (default: every `<p>.centroids`, natural order). */
  layers?: string[];
  /** Take every selected LUT layer as linear even when its name does not say so. */
  assumeLinear?: boolean;
  hiddenActivation?: 'none' | 'relu';
  /** Which layers are convolutions, their geometry and the image size (topology.ts); replaces the classification by name. */
  topology?: Topology;
}

/** Name segments that say a layer is linear, or a convolution (torchvision / blink-mm model names). */
const LINEAR_WORDS = /^(fc|linear|lin|classifier|head|dense|query|key|value|proj|mlp|out|output|intermediate|qkv)$/i;
const CONV_WORDS = /^(conv|downsample|shortcut|stem|features|pw|dw|depthwise|pointwise)$/i;

/** The words of a layer prefix: `layer1.0.conv2` → layer, conv; `fc1` → fc. */
function words(prefix: string): string[] {
  return prefix.split(/[._]/).map((s) => s.replace(/\d+$/, '')).filter((s) => s !== '');
}

export type LayerClass = { kind: 'linear' | 'conv' | 'unknown'; why: string };

/** Whether a LUT layer is linear, as far as the state dict can tell. */
export function classifyLayer(prefix: string, sd: StateDict): LayerClass {
  const w = words(prefix);
  if (w.some((s) => CONV_WORDS.test(s))) return { kind: 'conv', why: `its name "${prefix}" names a convolution` };
  const keys = [...sd.tensors.keys()];
  const bn = keys.find((k) => /\.(running_mean|running_var|num_batches_tracked)$/.test(k));
  if (bn) return { kind: 'unknown', why: `the checkpoint holds BatchNorm state ("${bn}"), so the network is convolutional` };
  const conv = [...sd.tensors.values()].find((t) => t.name.endsWith('.weight') && t.shape.length === 4);
  if (conv) return { kind: 'unknown', why: `the checkpoint holds a convolution weight ("${conv.name}", shape [${conv.shape.join(', ')}])` };
  if (w.some((s) => LINEAR_WORDS.test(s))) return { kind: 'linear', why: `its name "${prefix}" names a linear layer` };
  return { kind: 'unknown', why: `its name "${prefix}" does not say, and LUT-NN's AMMConv2d stores the same tensors as AMMLinear` };
}

/** Tensors of layers that are not LUT-NN layers (dense weights): importing without them would be a different model. */
function denseLayers(sd: StateDict, lut: Set<string>): string[] {
  const out: string[] = [];
  for (const t of sd.tensors.values()) {
    if (!t.name.endsWith('.weight')) continue;
    const p = t.name.slice(0, -'.weight'.length);
    if (!lut.has(p) && t.shape.length >= 2) out.push(`${p} (weight [${t.shape.join(', ')}])`);
  }
  return out;
}

export async function importLutnnState(file: string, opts: LutnnStateOptions = {}): Promise<ImportedModel> {
  const sd = await readStateDict(file);
  const all = [...sd.tensors.keys()].filter((k) => k.endsWith('.centroids')).map((k) => k.slice(0, -'.centroids'.length)).sort(naturalOrder);
  if (all.length === 0) {
    throw new LutnnError('No LUT-NN layers found.', { file, expected: 'tensors <layer>.centroids (C, K, V) with <layer>.weight (C, V, M)', found: `tensors: ${[...sd.tensors.keys()].slice(0, 12).join(', ') || 'none'}` });
  }
  for (const p of opts.layers ?? []) {
    if (!all.includes(p)) throw new LutnnError(`Layer "${p}" is not a LUT-NN layer of the checkpoint.`, { file, field: '--layers', expected: `one of ${all.join(', ')}`, found: JSON.stringify(p) });
  }
  const prefixes = opts.layers ?? all;
  if (opts.topology) {
    checkTopologyNames(opts.topology, prefixes, all, file);
    // BatchNorm between the layers would be dropped: folding it into the tables is not built.
    const bn = [...sd.tensors.keys()].find((k) => /\.(running_mean|running_var)$/.test(k));
    if (bn) throw new LutnnError('The checkpoint holds BatchNorm state, which the import would drop.', { file, field: `tensor "${sd.strippedPrefix}${bn}"`, expected: 'LUT-NN layers only (folding BatchNorm into the tables is not built yet)', found: `BatchNorm state "${bn}"` });
  }
  for (const p of prefixes) {
    if (opts.topology) break;
    const c = classifyLayer(p, sd);
    if (c.kind === 'linear' || (c.kind === 'unknown' && opts.assumeLinear)) continue;
    throw new LutnnError(
      c.kind === 'conv'
        ? `Layer "${p}" is a convolution, and a state dict does not hold its kernel or image size.`
        : `Layer "${p}" may be a convolution, and a state dict does not say which it is.`,
      {
        file,
        field: `layer "${sd.strippedPrefix}${p}"`,
        expected:
          c.kind === 'conv'
            ? '--topology <file.yaml> naming each LUT layer conv2d (kernel_size, stride, padding; the input image size) or linear'
            : '--topology <file.yaml> naming each LUT layer conv2d or linear; or, if every selected layer is linear (AMMLinear), --assume-linear',
        found: c.why,
      },
    );
  }
  if (!opts.layers) {
    const dense = denseLayers(sd, new Set(all));
    if (dense.length > 0) {
      throw new LutnnError('The checkpoint holds layers that are not LUT-NN layers.', {
        file,
        expected: 'a network of LUT-NN layers only (or --layers naming the LUT-NN layers to import as a chain)',
        found: `dense layers ${dense.slice(0, 6).join(', ')}${dense.length > 6 ? ` and ${dense.length - 6} more` : ''}`,
      });
    }
  }
  const layers: ImportedLayer[] = prefixes.map((p, i) => {
    const cent = sd.tensors.get(`${p}.centroids`)!;
    if (cent.shape.length !== 3) throw new LutnnError(`Layer "${p}" has malformed centroids.`, { file, field: `tensor "${cent.stored}"`, expected: 'shape (C, K, V)', found: `shape [${cent.shape.join(', ')}]` });
    const [C, K, V] = cent.shape;
    const w = sd.tensors.get(`${p}.weight`);
    const lut = sd.tensors.get(`${p}.lut`);
    const M = w?.shape[2] ?? lut?.shape[2];
    if (M === undefined) throw new LutnnError(`Layer "${p}" has neither weight nor lut.`, { file, field: `tensor "${sd.strippedPrefix}${p}.weight"`, expected: '(C, V, M) weight or (C, K, M) lut', found: 'neither' });
    const table = w ? { kind: 'weight' as const, weight: expectTensor(sd, `${p}.weight`, [C, V, M]) } : { kind: 'float' as const, lut: expectTensor(sd, `${p}.lut`, [C, K, M]) };
    return {
      name: safeName(p, 'layer'),
      C, K, V, M,
      centroids: expectTensor(sd, `${p}.centroids`, [C, K, V]),
      table,
      bias: sd.tensors.has(`${p}.bias`) ? expectTensor(sd, `${p}.bias`, [M]) : new Float64Array(M),
      activation: i === prefixes.length - 1 ? 'none' : (opts.hiddenActivation ?? 'relu'),
    };
  });
  if (opts.topology) placeConvolutions(layers, prefixes, opts.topology);
  return { source: file, label: file, layers };
}

/** Every imported LUT layer is in the topology file, and the file names no other layer. */
function checkTopologyNames(t: Topology, prefixes: string[], all: string[], file: string): void {
  const missing = prefixes.find((p) => !t.layers.has(p));
  if (missing !== undefined) {
    throw new LutnnError(`The topology file does not say what layer "${missing}" is.`, { file: t.file, field: `layers.${missing}`, expected: `an entry for every imported LUT layer (${prefixes.join(', ')}): { kind: conv2d, kernel_size: [kh, kw] } or { kind: linear }`, found: 'no entry' });
  }
  const step = [...t.layers].find(([, l]) => l.kind !== 'conv2d' && l.kind !== 'linear');
  if (step) {
    throw new LutnnError(`The topology file has a ${step[1].kind} step, which lutnn import does not build.`, { file: t.file, field: `layers.${step[0]}`, expected: 'conv2d and linear entries only (the LUT layers of the state dict; pooling, BatchNorm, ReLU and flatten steps are read by lutnn convert of a dense CNN)', found: `kind ${step[1].kind}` });
  }
  const unknown = [...t.layers.keys()].find((n) => !prefixes.includes(n));
  if (unknown !== undefined) {
    throw new LutnnError(`The topology file names a layer that is not imported.`, { file: t.file, field: `layers.${unknown}`, expected: `one of the imported LUT layers of ${file}: ${prefixes.join(', ')}${all.length > prefixes.length ? ' (see --layers)' : ''}`, found: JSON.stringify(unknown) });
  }
}

/**
 * The convolutions' geometry from the topology: in_channels = C·V / (kh·kw); the first image's
 * size from the file's `input`, each later one the previous convolution's output. A linear layer
 * after an image reads it flattened (a whole-image convolution); a convolution after a linear layer
 * has no image and is refused.
 */
function placeConvolutions(layers: ImportedLayer[], prefixes: string[], t: Topology): void {
  let image: { height: number; width: number } | null = t.input ?? null;
  layers.forEach((l, i) => {
    const p = prefixes[i];
    const entry = t.layers.get(p)!;
    if (entry.kind === 'linear') {
      // PyTorch flattens an image (channel, row, column) before a linear layer: exactly the patch
      // order of a kernel as large as the image, so the layer is that convolution (one output pixel).
      if (layers[i - 1]?.conv && image && image.height * image.width > 1) {
        const D = l.C * l.V;
        const channels = layers[i - 1].M;
        if (D !== image.height * image.width * channels || image.height > MAX_KERNEL || image.width > MAX_KERNEL) {
          throw new LutnnError(`Layer "${p}" cannot read the flattened output image of convolution "${prefixes[i - 1]}".`, {
            file: t.file,
            field: `layers.${p}`,
            expected: `C·V = ${image.height}·${image.width}·${channels} (the flattened ${image.height} x ${image.width} x ${channels} image), an image of at most ${MAX_KERNEL} x ${MAX_KERNEL} (the flatten becomes a whole-image kernel)`,
            found: `C·V = ${l.C}·${l.V} = ${D}`,
          });
        }
        l.conv = { inChannels: channels, height: image.height, width: image.width, kernel: [image.height, image.width], stride: [1, 1], padding: [0, 0] };
      }
      image = null;
      return;
    }
    if (entry.kind !== 'conv2d') return; // refused by checkTopologyNames
    const [kh, kw] = entry.kernel;
    const D = l.C * l.V;
    if (D % (kh * kw) !== 0) {
      throw new LutnnError(`Layer "${p}" cannot be a ${kh}x${kw} convolution.`, { file: t.file, field: `layers.${p}.kernel_size`, expected: `a kernel whose kh·kw divides the layer's C·V = ${l.C}·${l.V} = ${D} inputs (in_channels · kh · kw)`, found: `[${kh}, ${kw}]` });
    }
    if (!image) {
      throw new LutnnError(`The size of layer "${p}"'s input image is not known.`, {
        file: t.file,
        field: i === 0 ? 'input' : `layers.${p}`,
        expected: i === 0 ? 'input: { height, width } (the first convolution\'s image, which a state dict does not hold)' : 'a convolution after a convolution (its image is the previous output)',
        found: i === 0 ? 'no input entry' : `a convolution after the linear layer "${prefixes[i - 1]}"`,
      });
    }
    const geometry: Conv2dGeometry = { inChannels: D / (kh * kw), height: image.height, width: image.width, kernel: [kh, kw], stride: entry.stride, padding: entry.padding };
    const out = [0, 1].map((d) => convOutputSize([image!.height, image!.width][d], entry.kernel[d], entry.stride[d], entry.padding[d]));
    if (out[0] < 1 || out[1] < 1) {
      throw new LutnnError(`Layer "${p}"'s kernel is larger than its padded image.`, { file: t.file, field: `layers.${p}.kernel_size`, expected: `at most the padded image, ${image.height + 2 * entry.padding[0]} x ${image.width + 2 * entry.padding[1]}`, found: `[${kh}, ${kw}]` });
    }
    l.conv = geometry;
    image = { height: out[0], width: out[1] };
  });
}
