/** Beats of a stream port (hw.yaml io: stream): how many elements per beat, how many beats per vector. Only a type import, so any planner can use it without an import cycle. */
import type { BeatFormat } from './types.ts';

/** Bus width the default `elements_per_beat` fills with byte lanes. */
export const AUTO_BUS_BITS = 64;

/** Bits of an element's byte-aligned lane (AXI4-Stream tdata): whole bytes. */
export function byteLaneBits(bits: number): number {
  return 8 * Math.ceil(bits / 8);
}

/** Beats of a vector of `elements` at `elementsPerBeat` (`auto`: byte lanes filling AUTO_BUS_BITS), capped at one beat per vector. */
export function beatFormat(elements: number, bits: number, elementsPerBeat: number | 'auto', laneBits = bits): BeatFormat {
  const asked = elementsPerBeat === 'auto' ? Math.max(1, Math.floor(AUTO_BUS_BITS / byteLaneBits(bits))) : elementsPerBeat;
  const per = Math.min(asked, elements);
  return { elementsPerBeat: per, beats: Math.ceil(elements / per), laneBits };
}

