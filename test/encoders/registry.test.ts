/**
 * The encoder registry (generator/encoders/registry.ts) covers every encoder with every piece.
 *
 * The real guarantee is the type system: ENCODERS is typed `EncoderRegistry`, a mapped type over
 * `EncoderPlan['kind']` (encoders/types.ts), so adding an encoder plan to that union without a
 * registry line fails `tsc --noEmit -p .` with
 *   generator/encoders/registry.ts: error TS2741: Property 'hash_tree' is missing in type
 *   '{ ccs: EncoderDefinition<CcsPlan, { kind: "ccs"; }>; }' but required in type 'EncoderRegistry'.
 * and a definition without one of its pieces fails at the definition, e.g.
 *   generator/encoders/ccs/index.ts: error TS2741: Property 'estimate' is missing in type
 *   '{ plan: …; encode: …; … }' but required in type 'EncoderDefinition<CcsPlan, { kind: "ccs"; }>'.
 * Here: the member lists are the interfaces' (compile time), each entry holds them, and the
 * registry dispatches a real plan to its own encoder.
 */
import { describe, expect, it } from 'vitest';
import { ENCODERS, encoderOf, type EncoderDefinition, type EncoderEmitter } from '../../generator/encoders/registry.ts';
import type { EncoderPlan } from '../../generator/encoders/types.ts';
import type { LutLinearEncoder } from '../../generator/artifact/types.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { planRandomLayer } from '../support/plan-random.ts';
import { FULL_SCALE_16 } from '../support/reference-check.ts';

const MEMBERS = ['plan', 'encode', 'emit', 'estimate', 'vectorInput', 'reference', 'float', 'describe', 'writableStepRom', 'reload'] as const satisfies readonly (keyof EncoderDefinition<EncoderPlan, LutLinearEncoder>)[];
const EMIT_MEMBERS = ['shell', 'headerParams', 'files', 'stepRom'] as const satisfies readonly (keyof EncoderEmitter<EncoderPlan>)[];
type Unlisted<T, L extends readonly unknown[]> = Exclude<keyof T, L[number]>;
const listsComplete: [Unlisted<EncoderDefinition<EncoderPlan, LutLinearEncoder>, typeof MEMBERS> | Unlisted<EncoderEmitter<EncoderPlan>, typeof EMIT_MEMBERS>] extends [never] ? true : never = true;

describe('encoder registry', () => {
  it('lists every member of the definition', () => {
    expect(listsComplete).toBe(true);
  });

  it.each(Object.keys(ENCODERS))('encoder %s has every piece', (kind) => {
    const def = ENCODERS[kind as keyof typeof ENCODERS] as unknown as Record<string, unknown>;
    for (const m of MEMBERS) expect(def[m], `${kind}.${m}`).toBeDefined();
    for (const m of MEMBERS.filter((m) => m !== 'emit' && m !== 'writableStepRom')) expect(typeof def[m], `${kind}.${m}`).toBe('function');
    expect(typeof def.writableStepRom, `${kind}.writableStepRom`).toBe('boolean');
    const emit = def.emit as Record<string, unknown>;
    for (const m of EMIT_MEMBERS) expect(emit[m], `${kind}.emit.${m}`).toBeDefined();
    const shell = emit.shell as { title: string; instance: string; stepRom: Record<string, string> };
    for (const name of [shell.title, shell.instance, ...Object.values(shell.stepRom)]) expect(name.length).toBeGreaterThan(0);
    expect(shell.instance).toMatch(/^u_\w+$/);
    expect(shell.stepRom.port).toMatch(/_i$/);
  });

  it('plans an artifact layer into its encoder and dispatches the plan back to it', async () => {
    for (const codebooksPerCycle of ['all', 1] as const) {
      const { design } = await planRandomLayer({ ...FULL_SCALE_16, codebooksPerCycle });
      const layer = design.layers[0] as LutLinearPlan;
      expect(layer.encoder.kind).toBe('ccs');
      expect(encoderOf(layer.encoder)).toBe(ENCODERS.ccs);
      // The seam: an index per codebook lane, a latency, a step ROM exactly when lanes are time-shared.
      expect(layer.encoder.indexWidth).toBe(Math.ceil(Math.log2(layer.dims.K)));
      expect(layer.encoder.latency).toBeGreaterThan(0);
      expect(layer.encoder.stepRom === null).toBe(layer.parallel.encodeSteps === 1);
      expect(layer.timing.latency).toBe(layer.parallel.encodeSteps * (1 + layer.parallel.outputGroups) + layer.encoder.latency + 6);
    }
  });
});
