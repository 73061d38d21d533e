import { describe, expect, it } from 'vitest';
import { beatFormat, byteLaneBits, designPort, portBeats, streamTiming } from '../../generator/plan/stream.ts';

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
