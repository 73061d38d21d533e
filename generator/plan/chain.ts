/**
 * The schedule of a chain of layers (docs/architecture.md "In a chain" and "Pixel FIFO"), from
 * the first cycle after reset: each layer's input beats are offered when the layer before gives
 * them, and each kind's `schedule` says when it takes them and gives its own. From it:
 *   - the pixel FIFO in front of each windowed layer, sized so that the layer before never waits
 *     (every output beat leaves in the cycle the model says, which is what makes the model exact);
 *   - the design's latency (the last layer's first output beat from the first layer's first input
 *     beat) and II (its slowest layer's).
 */
import { layerKindOf, type ChainSchedule } from '../kinds/registry.ts';
import { layerPortTiming } from './stream.ts';
import type { DesignTiming, LayerPlan } from './types.ts';

/**
 * Frames (vectors) the chain is scheduled over, back to back: the first, whose scans start at
 * reset, and the ones after it until the chain is periodic (a scan that ran ahead in its first
 * frame's padding does not in the next, and a burst may straddle two frames). planChain checks
 * that the last ones leave every II, so the FIFOs sized over these frames hold for every frame after.
 */
export const CHAIN_FRAMES = 8;

/**
 * Depth of a FIFO in front of a consumer that takes beat i at `takes[i]`, beat i being offered at
 * `arrivals[i]` (both rising): 0 when every beat is taken in the cycle it comes (it passes
 * through), else one more than the most beats held when one comes, so the FIFO is never full
 * then. Held after cycle t = beats come by t − beats taken by t.
 */
export function fifoDepth(arrivals: readonly number[], takes: readonly number[]): number {
  if (arrivals.every((a, i) => takes[i] === a)) return 0;
  let taken = 0;
  let most = 0;
  for (let i = 0; i < arrivals.length; i++) {
    while (taken < i && takes[taken] < arrivals[i]) taken++;
    most = Math.max(most, i - taken);
  }
  return most + 1;
}

export interface PlannedChain {
  /** The layers, windowed ones with their pixel FIFO where one is needed. */
  layers: LayerPlan[];
  timing: DesignTiming;
  /** Per layer, its first CHAIN_FRAMES frames. */
  schedules: ChainSchedule[];
}

/**
 * The design's first layer, when it is windowed and faster than the chain's slowest layer: its
 * frames start at most every II cycles (plan `window.framePeriod`). Otherwise the layers before
 * the slowest would run ahead of it, frame after frame, until their queues fill and back-pressure
 * starts and stops them (timing the schedule does not model).
 */
function paceFirstLayer(layers: LayerPlan[], ii: number): LayerPlan[] {
  const [first, ...rest] = layers;
  const kind = layerKindOf(first);
  if (!kind.withFramePeriod || layerPortTiming(first).initiationInterval >= ii) return layers;
  return [kind.withFramePeriod(first, ii), ...rest];
}

/** The chain scheduled, its FIFOs sized, and its timing. */
export function planChain(layers: LayerPlan[]): PlannedChain {
  const ii = Math.max(...layers.map((l) => layerPortTiming(l).initiationInterval));
  let arrivals: number[] | null = null;
  const schedules: ChainSchedule[] = [];
  const planned = paceFirstLayer(layers, ii).map((layer, i) => {
    const kind = layerKindOf(layer);
    const s = kind.schedule(layer, arrivals, CHAIN_FRAMES);
    schedules.push(s);
    const depth = arrivals && kind.withInputFifo ? fifoDepth(arrivals, s.takes) : 0;
    arrivals = s.outputs;
    if (depth === 0) return layer;
    const reason = `layer "${layers[i - 1].name}" gives pixels before the scan takes them: at most ${depth - 1} wait when one comes (${CHAIN_FRAMES} frames back to back)`;
    return kind.withInputFifo!(layer, { depth, reason });
  });
  const port = planned.map(layerPortTiming);
  const startupIntervals = startup(schedules[schedules.length - 1].outputs, ii);
  return {
    layers: planned,
    schedules,
    timing: {
      latency: schedules[schedules.length - 1].outputs[0] - schedules[0].takes[0],
      initiationInterval: ii,
      watchdogCycles: port.reduce((a, t) => a + t.watchdogCycles, 0) + startupIntervals.reduce((a, d) => a + Math.max(0, d - ii), 0),
      ...(startupIntervals.length ? { startupIntervals } : {}),
    },
  };
}

/**
 * The intervals between the first frames' first output beats up to the last that is not the II
 * (empty when all are). The first frame may leave early or late against the ones after it: a
 * scan further on started at reset and ran ahead in its padding, or waited for pixels in its
 * first frame that are queued for it in the next.
 */
function startup(outputs: readonly number[], ii: number): number[] {
  const beats = outputs.length / CHAIN_FRAMES;
  const intervals = Array.from({ length: CHAIN_FRAMES - 1 }, (_, f) => outputs[(f + 1) * beats] - outputs[f * beats]);
  let settled = intervals.length;
  while (settled > 0 && intervals[settled - 1] === ii) settled--;
  if (settled > intervals.length - 3) {
    throw new Error(`internal: the chain's frames are not periodic after ${CHAIN_FRAMES} frames (output intervals ${intervals.join(', ')}, II ${ii})`);
  }
  return intervals.slice(0, settled);
}
