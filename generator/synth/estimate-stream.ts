/**
 * Estimate of a stream layer's port modules (emit/stream/): the input assembler is one vector
 * register written a beat at a time (one enable gate per beat from a one-hot beat register), the
 * output serializer one vector register that loads or shifts (a 2:1 mux per bit when it has more
 * than one beat). A banked input buffer (input_buffer: block) is block RAM per lane memory and a
 * few counters. The wrapper itself is wiring.
 */
import { indexBits } from '../numeric/fixed.ts';
import { layerInput, layerOutput } from '../plan/layer-io.ts';
import { bankedInput } from '../plan/stream.ts';
import type { LayerPlan } from '../plan/types.ts';
import type { Target } from './targets.ts';
import { bramCount, unit, type UnitEstimate } from './estimate-units.ts';

export function streamEstimate(layer: LayerPlan, t: Target): UnitEstimate[] {
  const s = layer.stream;
  // A layer with beat ports of its own (lut_conv2d) has no stream modules; its kind estimates it.
  if (!s || s.nativeInput) return [];
  const banked = bankedInput(layer);
  const inBits = layerInput(layer).elements * layerInput(layer).bits;
  const outBits = layerOutput(layer).elements * layerOutput(layer).bits;
  const counter = (beats: number) => (beats > 1 ? indexBits(beats) : 0);
  const { latency, initiationInterval: ii } = s.timing;
  return [
    banked
      ? // One block RAM per lane memory (a beat wide, banks·words deep) with its read register; counters and the bank select in logic.
        unit(s.modules.input, { BRAM: banked.beatsPerWord * bramCount(t.family, s.input.elementsPerBeat * s.input.laneBits, banked.depth), LUT: 16 + banked.wordAddressBits, FF: 12 + banked.beatsPerWord + banked.wordAddressBits }, s.input.beats, ii)
      : unit(s.modules.input, { LUT: (s.input.beats > 1 ? s.input.beats : 0) + 2, FF: inBits + (s.input.beats > 1 ? s.input.beats : 0) + 1 }, s.input.beats, ii),
    ...(s.nativeOutput ? [] : [unit(s.modules.output, { LUT: (s.output.beats > 1 ? outBits : 0) + 2 * counter(s.output.beats) + 2, FF: outBits + counter(s.output.beats) + 1 }, 1, ii)]),
    unit(s.top, {}, latency, ii),
  ];
}
