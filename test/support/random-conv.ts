/**
 * Random lut_conv2d layers for property tests: a conv geometry (kernel 1–5, stride 1–2, padding
 * below the kernel, channels, odd and even image sizes) around a random patch layer from
 * random-layer.ts (its formats, metric, table source, encoder knobs), whose C·V is the patch
 * length in_channels·kh·kw. Written as an artifact folder plus hw.yaml.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Conv2dGeometry } from '../../generator/artifact/types.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { convOutputSize } from '../../generator/plan/lut-conv2d.ts';
import { buildRandomLayer, hwConfigYaml, smallLayerSpec, type RandomLayerSpec } from './random-layer.ts';

export interface RandomConvSpec extends Conv2dGeometry {
  /** The patch layer: its C and V are replaced by a split of the patch length (`splitIndex`). */
  patch: RandomLayerSpec;
  /** Which divisor of the patch length is V (index into its divisors, modulo their count). */
  splitIndex: number;
  /** hw.yaml input_buffer of the convolution (its line buffers); `block` only where it has line buffers of two or more pixels. */
  lineBuffer?: 'auto' | 'registers' | 'block';
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/**
 * The patch layer's spec with C·V = in_channels·kh·kw; V at most 9 (the small family's bound):
 * any divisor in a third of the draws, else the largest, so that a wide patch has few codebooks.
 * At most 16 codebook lanes, so that a build stays quick.
 */
export function patchSpec(s: RandomConvSpec): RandomLayerSpec {
  const D = s.inChannels * s.kernel[0] * s.kernel[1];
  const ds = divisors(D).filter((d) => d <= 9);
  const V = s.splitIndex % 3 === 0 ? ds[Math.floor(s.splitIndex / 3) % ds.length] : ds[ds.length - 1];
  const C = D / V;
  const lanes = s.patch.codebooksPerCycle === 'all' ? C : s.patch.codebooksPerCycle;
  return { ...s.patch, V, C, codebooksPerCycle: lanes > 16 ? 8 : s.patch.codebooksPerCycle };
}

const kernelDim = fc.integer({ min: 1, max: 5 });

export const randomConvSpec: fc.Arbitrary<RandomConvSpec> = fc
  .record({
    inChannels: fc.integer({ min: 1, max: 6 }),
    kernel: fc.tuple(kernelDim, kernelDim),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    padRaw: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    extra: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })),
    patch: smallLayerSpec.map((p) => ({ ...p, M: Math.min(p.M, 12), K: Math.min(p.K, 16) })),
    splitIndex: fc.nat(),
    lineBuffer: fc.constantFrom('auto' as const, 'registers' as const, 'block' as const),
  })
  .map(({ inChannels, kernel, stride, padRaw, extra, patch, splitIndex, lineBuffer }) => {
    const padding: [number, number] = [Math.min(padRaw[0], kernel[0] - 1), Math.min(padRaw[1], kernel[1] - 1)];
    // The image at least as large as the kernel, a few pixels more (odd sizes included).
    const height = Math.max(1, kernel[0] - 2 * padding[0]) + extra[0];
    const width = Math.max(1, kernel[1] - 2 * padding[1]) + extra[1];
    const lines = lineBuffer === 'block' && (kernel[0] === 1 || width + 2 * padding[1] < 2) ? 'registers' : lineBuffer;
    return { inChannels, height, width, kernel, stride, padding, patch, splitIndex, lineBuffer: lines };
  });

/** The lut_conv2d manifest entry and tensors of a spec (the patch layer's, with the conv fields in place of in/out_features). */
export function buildRandomConv(s: RandomConvSpec, name: string, input?: { bits: number; scale: number }) {
  const built = buildRandomLayer(patchSpec(s), name, input);
  const { in_features: _d, out_features: m, kind: _k, ...rest } = built.manifest as Record<string, unknown>;
  const manifest = {
    kind: 'lut_conv2d',
    ...rest,
    in_channels: s.inChannels,
    out_channels: m,
    height: s.height,
    width: s.width,
    kernel_size: s.kernel,
    stride: s.stride,
    padding: s.padding,
  };
  return { manifest, tensors: built.tensors, output: built.output };
}

/**
 * What follows the convolution in a chain: nothing, a second convolution over its output image
 * (kernel clipped to that image), or a lut_linear layer reading the whole output frame as a
 * stream of output pixels (only where that frame is small enough for a quick build).
 */
export type ConvNext =
  | { kind: 'none' }
  | { kind: 'conv'; conv: RandomConvSpec }
  | { kind: 'linear'; layer: RandomLayerSpec }
  | { kind: 'linear-before'; layer: RandomLayerSpec }
  /**
   * Max or average pooling (`op`, absent: max) over the output image: kernel (clipped to the image;
   * `global`: the whole image), stride (absent: the kernel), padding (clipped to half the kernel).
   */
  | { kind: 'pool'; op?: 'max' | 'avg'; global?: boolean; kernel: [number, number]; stride?: [number, number]; padding: [number, number] }
  /**
   * A 2 × 2 max pool, then a convolution over the pooled image whose core takes a patch only every
   * `codebooksPerCycle`-limited II: the pool gives a row of pixels in a burst every other row, faster
   * than the paced scan takes them (the pixel FIFO's case, docs/architecture.md "Pixel FIFO").
   */
  | { kind: 'pool-conv'; conv: RandomConvSpec; codebooksPerCycle: number };

export const convNext: fc.Arbitrary<ConvNext> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
  { arbitrary: randomConvSpec.map((conv) => ({ kind: 'conv' as const, conv })), weight: 1 },
  { arbitrary: smallLayerSpec.map((layer) => ({ kind: 'linear' as const, layer: { ...layer, M: Math.min(layer.M, 8), K: Math.min(layer.K, 8) } })), weight: 1 },
  { arbitrary: smallLayerSpec.map((layer) => ({ kind: 'linear-before' as const, layer: { ...layer, C: Math.min(layer.C, 6), K: Math.min(layer.K, 8) } })), weight: 1 },
  {
    arbitrary: fc.record(
      {
        kind: fc.constant('pool' as const),
        op: fc.constantFrom('max' as const, 'avg' as const),
        global: fc.boolean(),
        kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        padding: fc.tuple(fc.nat(1), fc.nat(1)),
      },
      { requiredKeys: ['kind', 'op', 'kernel', 'padding'] },
    ),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('pool-conv' as const), conv: randomConvSpec, codebooksPerCycle: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
);

/** Largest frame (elements) a following lut_linear layer reads in these tests. */
const LINEAR_FRAME_LIMIT = 96;

/** The second convolution over the first's output image: its channels and size, the kernel and padding fitted to it. */
function fitNextConv(first: RandomConvSpec, next: RandomConvSpec, channels: number): RandomConvSpec {
  const [OH, OW] = [0, 1].map((d) => convOutputSize([first.height, first.width][d], first.kernel[d], first.stride[d], first.padding[d]));
  const kernel: [number, number] = [Math.min(next.kernel[0], OH), Math.min(next.kernel[1], OW)];
  const padding: [number, number] = [Math.min(next.padding[0], kernel[0] - 1), Math.min(next.padding[1], kernel[1] - 1)];
  return { ...next, inChannels: channels, height: OH, width: OW, kernel, padding };
}

export async function writeRandomConv(dir: string, spec: RandomConvSpec, next: ConvNext = { kind: 'none' }): Promise<{ model: string; config: string; chained: ConvNext['kind'] }> {
  // Before a second convolution, at most 4 output channels (its input channels), so its patch stays small.
  const s = next.kind === 'conv' || next.kind === 'pool-conv' ? { ...spec, patch: { ...spec.patch, M: Math.min(spec.patch.M, 4) } } : spec;
  const frameIn = s.height * s.width * s.inChannels;
  const overrides: Record<string, object> = {};
  // A lut_linear layer in front, its output the convolution's image, given as one pixel per beat.
  const before = next.kind === 'linear-before' && frameIn <= LINEAR_FRAME_LIMIT ? buildRandomLayer({ ...next.layer, M: frameIn }, 'fc0') : null;
  if (before) overrides.fc0 = { io: 'stream', elements_per_beat: s.inChannels };
  const first = buildRandomConv(s, 'conv', before?.output);
  if (s.lineBuffer && s.lineBuffer !== 'auto') overrides.conv = { input_buffer: s.lineBuffer };
  const M = patchSpec(s).M;
  const [OH, OW] = [0, 1].map((d) => convOutputSize([s.height, s.width][d], s.kernel[d], s.stride[d], s.padding[d]));
  const layers: { manifest: object; tensors: typeof first.tensors }[] = [...(before ? [before] : []), first];
  let chained: ConvNext['kind'] = before ? 'linear-before' : 'none';
  if (next.kind === 'conv') {
    const second = fitNextConv(s, next.conv, M);
    layers.push(buildRandomConv(second, 'conv2', first.output));
    chained = 'conv';
  } else if (next.kind === 'pool') {
    // A global pool: the whole image (up to the largest kernel), no padding.
    const kernel: [number, number] = next.global ? [Math.min(OH, 15), Math.min(OW, 15)] : [Math.min(next.kernel[0], OH), Math.min(next.kernel[1], OW)];
    layers.push({
      manifest: {
        kind: next.op === 'avg' ? 'avgpool2d' : 'maxpool2d',
        name: 'pool',
        channels: M,
        height: OH,
        width: OW,
        kernel_size: kernel,
        ...(next.stride ? { stride: next.stride } : {}),
        padding: next.global ? [0, 0] : [Math.min(next.padding[0], Math.floor(kernel[0] / 2)), Math.min(next.padding[1], Math.floor(kernel[1] / 2))],
        format: first.output,
      },
      tensors: [],
    });
    chained = 'pool';
  } else if (next.kind === 'pool-conv' && OH >= 2 && OW >= 2) {
    const pooled = { ...s, height: OH, width: OW, kernel: [2, 2] as [number, number], stride: [2, 2] as [number, number], padding: [0, 0] as [number, number] };
    layers.push({ manifest: { kind: 'maxpool2d', name: 'pool', channels: M, height: OH, width: OW, kernel_size: [2, 2], padding: [0, 0], format: first.output }, tensors: [] });
    const second = fitNextConv(pooled, next.conv, M);
    layers.push(buildRandomConv(second, 'conv2', first.output));
    overrides.conv2 = { codebooks_per_cycle: Math.min(next.codebooksPerCycle, patchSpec(second).C) };
    chained = 'pool-conv';
  } else if (next.kind === 'linear' && OH * OW * M <= LINEAR_FRAME_LIMIT) {
    const D = OH * OW * M;
    const V = [9, 8, 7, 6, 5, 4, 3, 2, 1].find((v) => D % v === 0)!;
    layers.push(buildRandomLayer({ ...next.layer, V, C: D / V }, 'fc', first.output));
    // The linear layer takes the frame as beats of one output pixel, as the convolution gives them.
    overrides.fc = { io: 'stream', elements_per_beat: M };
    chained = 'linear';
  }
  const manifest = { format: 'lutnn-artifact', format_version: 1, name: 'rnd', tensors: 'model.safetensors', layers: layers.map((l) => l.manifest) };
  await mkdir(dir, { recursive: true });
  const model = await writeArtifact(dir, manifest, layers.flatMap((l) => l.tensors));
  const config = join(dir, 'hw.yaml');
  await writeFile(config, hwConfigYaml(patchSpec(s)) + (Object.keys(overrides).length > 0 ? stringify({ layers: overrides }) : ''));
  return { model, config, chained };
}
