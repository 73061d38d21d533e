/** Generates the C++ Verilator harness of a design from tb/templates/harness.cpp.hbs. */
import { headerLines } from '../generator/emit/header.ts';
import { renderTemplate } from '../generator/emit/render.ts';
import { portBeats, topPortNames, type TopPortNames } from '../generator/plan/stream.ts';
import type { DesignPlan } from '../generator/plan/types.ts';

/** C++ statements copying 32-bit words into (or out of) a Verilator port of `width` bits. */
function portCopy(port: string, width: number, direction: 'in' | 'out'): string {
  const words = Math.ceil(width / 32);
  if (width <= 32) return direction === 'in' ? `  top->${port} = words[0];` : `  words[0] = (uint32_t)top->${port};`;
  if (width <= 64) {
    return direction === 'in'
      ? `  top->${port} = (uint64_t)words[0] | ((uint64_t)words[1] << 32);`
      : `  words[0] = (uint32_t)top->${port};\n  words[1] = (uint32_t)(top->${port} >> 32);`;
  }
  return direction === 'in'
    ? `  for (int i = 0; i < ${words}; i++) top->${port}[i] = words[i];`
    : `  for (int i = 0; i < ${words}; i++) words[i] = top->${port}[i];`;
}

/**
 * What every testbench of a design shares (the Verilator harness, the Icarus testbench): port
 * widths, the watchdog bound and the cycle limit, so both stop a run by the same rules.
 */
export function testbenchContext(design: DesignPlan, what: string) {
  const { input, output } = design.io;
  const t = design.timing;
  const ib = portBeats(input);
  const ob = portBeats(output);
  const ports: TopPortNames = topPortNames(design);
  return {
    header: headerLines(design, `${what} of ${design.top}.`),
    top: design.top,
    ports,
    /** Bits of the data ports: one beat. */
    inWidth: ib.elementsPerBeat * ib.laneBits,
    outWidth: ob.elementsPerBeat * ob.laneBits,
    inBeats: ib.beats,
    inPerBeat: ib.elementsPerBeat,
    inLane: ib.laneBits,
    outBeats: ob.beats,
    outPerBeat: ob.elementsPerBeat,
    outLane: ob.laneBits,
    watchdogCycles: t.watchdogCycles,
    watchdogNote: `${t.watchdogCycles} cycles (the sum of the layers' bounds: each layer's latency plus the cycles its buffers can hold work)`,
    maxCyclesPerVector: Math.max(t.initiationInterval, ...(t.startupIntervals ?? [])) + t.latency,
  };
}

export function harnessSource(design: DesignPlan): string {
  const { input, output } = design.io;
  const common = testbenchContext(design, 'Verilator harness');
  const { inWidth, outWidth } = common;
  return renderTemplate(
    'harness.cpp.hbs',
    {
      ...common,
      D: input.elements,
      M: output.elements,
      inBits: input.bits,
      outBits: output.bits,
      inWords: Math.ceil(inWidth / 32),
      outWords: Math.ceil(outWidth / 32),
      driveInput: portCopy(common.ports.inData, inWidth, 'in'),
      sampleOutput: portCopy(common.ports.outData, outWidth, 'out'),
      load: design.load ? { dataWords: Math.ceil(design.load.dataWidth / 32), driveData: portCopy('load_data_i', design.load.dataWidth, 'in') } : false,
    },
    'tb',
  );
}
