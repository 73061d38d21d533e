import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYER_CONFIG, type LayerHwConfig } from '../../generator/config/hw-config.ts';
import { beatFormat, byteLaneBits, designPort, planInputBuffer, portBeats, streamTiming } from '../../generator/plan/stream.ts';
import type { LayerPlan } from '../../generator/plan/types.ts';

describe('stream ports: beats and timing', () => {
  it('defaults to as many byte lanes as fit a 64-bit bus', () => {
    expect(beatFormat(64, 8, 'auto')).toEqual({ elementsPerBeat: 8, beats: 8, laneBits: 8 });
    expect(beatFormat(64, 16, 'auto').elementsPerBeat).toBe(4);
    expect(beatFormat(64, 12, 'auto').elementsPerBeat).toBe(4);
    expect(beatFormat(64, 4, 'auto').elementsPerBeat).toBe(8);
    expect(beatFormat(64, 32, 'auto').elementsPerBeat).toBe(2);
  });
  it('caps a beat at one vector and counts a short last beat', () => {
    expect(beatFormat(10, 8, 16)).toEqual({ elementsPerBeat: 10, beats: 1, laneBits: 8 });
    expect(beatFormat(10, 8, 4)).toEqual({ elementsPerBeat: 4, beats: 3, laneBits: 8 });
    expect(beatFormat(768, 8, 'auto').beats).toBe(96);
  });
  it('adds the beats in and one register out to the core latency; II is the slowest of core and ports', () => {
    const core = { latency: 17, initiationInterval: 4, watchdogCycles: 100 };
    expect(streamTiming(core, 13, 7)).toMatchObject({ latency: 31, initiationInterval: 13 });
    expect(streamTiming(core, 2, 9).initiationInterval).toBe(9);
    expect(streamTiming(core, 1, 1)).toMatchObject({ latency: 19, initiationInterval: 4 });
  });
  it('puts each element in whole bytes at an AXI4-Stream top, one beat per vector for a parallel port', () => {
    expect(byteLaneBits(1)).toBe(8);
    expect(byteLaneBits(9)).toBe(16);
    const spec = { elements: 6, bits: 12, scale: 0.5 };
    expect(designPort(spec, beatFormat(6, 12, 4), true).beat).toEqual({ elementsPerBeat: 4, beats: 2, laneBits: 16 });
    expect(designPort(spec, undefined, true).beat).toEqual({ elementsPerBeat: 6, beats: 1, laneBits: 16 });
    expect(designPort(spec, undefined, false)).toEqual(spec);
    expect(portBeats(spec)).toEqual({ elementsPerBeat: 6, beats: 1, laneBits: 12 });
  });
});

describe('stream input buffer (input_buffer)', () => {
  const layer = (bits: number, words = 4) =>
    ({ kind: 'lut_linear', name: 'fc', dims: { D: 8 * words, M: 4, C: 2 * words, K: 4, V: 4 }, input: { bits, scale: 1 }, output: { bits: 8, scale: 1 }, inputWords: { wordElements: 8, words, banks: 2, readAtTake: 'taken', latencySaved: 0 } }) as unknown as LayerPlan;
  const cfg = (inputBuffer: LayerHwConfig['inputBuffer']) => ({ ...DEFAULT_LAYER_CONFIG, io: 'stream' as const, inputBuffer });
  it('auto: block RAM from 4 Kibit of banks and lane memories 64 words deep, registers otherwise with the reason', () => {
    // 2 banks x 4 words x 8 elements x 8 bits = 512 bits: registers.
    expect(planInputBuffer(layer(8), beatFormat(32, 8, 4), cfg('auto'), 'hw.yaml')).toEqual({ storage: 'registers', reason: '512 bits of buffer, below the 4096 that go to block RAM' });
    // 4096 bits at 64-bit elements, but lane memories of 2 x 4 words: registers.
    expect(planInputBuffer(layer(64), beatFormat(32, 64, 4), cfg('auto'), 'hw.yaml')).toEqual({ storage: 'registers', reason: 'lane memories 8 words deep, below the 64 that fill block RAM' });
    // 2 banks x 32 words x 64 bits = 4096 bits, lane memories 64 deep: block.
    expect(planInputBuffer(layer(8, 32), beatFormat(256, 8, 4), cfg('auto'), 'hw.yaml')).toEqual({
      storage: 'block', banks: 2, words: 32, wordElements: 8, wordBits: 64, beatsPerWord: 2, wordAddressBits: 5, depth: 64, bits: 4096, readAtTake: 'taken',
    });
  });
  it('block: refused where a step is not whole beats, kept as registers by auto', () => {
    expect(() => planInputBuffer(layer(8), beatFormat(32, 8, 3), cfg('block'), 'hw.yaml')).toThrow(/cannot have a block-RAM input buffer/);
    expect(planInputBuffer(layer(64), beatFormat(32, 64, 3), cfg('auto'), 'hw.yaml')).toMatchObject({ storage: 'registers', reason: expect.stringMatching(/not whole beats of 3/) });
    expect(planInputBuffer(layer(8), beatFormat(32, 8, 4), cfg('block'), 'hw.yaml').storage).toBe('block');
    expect(planInputBuffer(layer(64), beatFormat(32, 64, 4), cfg('registers'), 'hw.yaml').storage).toBe('registers');
  });
  it('a kind without word reads (nnlut) keeps registers, and refuses block', () => {
    const nn = { ...layer(8), inputWords: undefined, kind: 'nnlut' } as unknown as LayerPlan;
    expect(planInputBuffer(nn, beatFormat(32, 8, 4), cfg('auto'), 'hw.yaml').storage).toBe('registers');
    expect(() => planInputBuffer(nn, beatFormat(32, 8, 4), cfg('block'), 'hw.yaml')).toThrow(/only lut_linear and the MAC baseline/);
  });
});
