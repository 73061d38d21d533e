/**
 * The layer-kind registries (generator/kinds/registry.ts) cover every kind with every piece.
 *
 * The real guarantee is the type system: LAYER_KINDS is typed `LayerKindRegistry`, a mapped type
 * over `LayerPlan['kind']`, so adding a kind to the LayerPlan union without a registry line fails
 * `tsc --noEmit -p .` with
 *   generator/kinds/registry.ts: error TS2741: Property 'foo' is missing in type
 *   '{ lut_linear: LayerKindDefinition<LutLinearPlan>; nnlut: …; mac_linear: … }' but required in type 'LayerKindRegistry'.
 * and a kind's definition without one of its pieces fails at the definition, e.g.
 *   generator/kinds/nnlut.ts: error TS2741: Property 'estimate' is missing in type '{ io: …; golden: …; … }'
 *   but required in type 'LayerKindDefinition<NnlutPlan>'.
 * (An artifact layer kind added to `Layer` likewise: "Property 'conv' is missing in type … but
 * required in type 'ArtifactKindRegistry'", and "Type 'K' cannot be used to index type 'PlannedAs'".)
 * test/typecheck.test.ts runs tsc. What is checked here, at run time, is what the types cannot
 * say: that the member lists below are the interfaces' (a compile-time check too), that each
 * entry holds them, and that the two tables agree with each other and with real plans.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { ARTIFACT_KINDS, LAYER_KINDS, layerKindOf, type ArtifactKindDefinition, type LayerKindDefinition } from '../../generator/kinds/registry.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { planDesign } from '../../generator/plan/design.ts';
import { planMacDesign } from '../../generator/plan/mac-linear.ts';
import type { Layer } from '../../generator/artifact/types.ts';
import type { LayerPlan } from '../../generator/plan/types.ts';
import { randomConvSpec, writeRandomConv } from '../support/random-conv.ts';

const LAYER_MEMBERS = ['io', 'golden', 'emit', 'vectors', 'estimate', 'memories', 'writable', 'schedule', 'describe', 'notInArtifact'] as const satisfies readonly (keyof LayerKindDefinition<LayerPlan>)[];
// Members only some kinds have: windowed kinds put a pixel FIFO in front of their scan.
const OPTIONAL_LAYER_MEMBERS = ['withInputFifo', 'withFramePeriod'] as const satisfies readonly (keyof LayerKindDefinition<LayerPlan>)[];
const ARTIFACT_MEMBERS = ['planKind', 'tableEntries', 'plan', 'reload', 'float', 'reference'] as const satisfies readonly (keyof ArtifactKindDefinition<Layer, LayerPlan>)[];
// Compile time: a member added to an interface but not to its list above makes these lines fail.
type Unlisted<T, L extends readonly unknown[]> = Exclude<keyof T, L[number]>;
const layerListComplete: [Unlisted<LayerKindDefinition<LayerPlan>, [...typeof LAYER_MEMBERS, ...typeof OPTIONAL_LAYER_MEMBERS]>] extends [never] ? true : never = true;
const artifactListComplete: [Unlisted<ArtifactKindDefinition<Layer, LayerPlan>, typeof ARTIFACT_MEMBERS>] extends [never] ? true : never = true;

async function plannedKinds(): Promise<string[]> {
  const example = (dir: string) => [join(PROJECT_ROOT, 'examples', dir, 'model.json'), join(PROJECT_ROOT, 'examples', dir, 'hw.yaml')] as const;
  const opts = { manifest: 'm', regenerateCommand: 'test' };
  const [gm, gc] = example('lut_linear_gelu');
  const [em, ec] = example('lut_linear_64x32');
  const gelu = planDesign(await loadArtifact(gm), await loadHwConfig(gc), opts);
  const mac = planMacDesign(await loadArtifact(em), await loadHwConfig(ec), opts);
  // A convolution with a max pool and one with an average pool (no bundled example holds an
  // average pool yet): seeded random artifacts.
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-kinds-'));
  try {
    const spec = fc.sample(randomConvSpec, { seed: 1, numRuns: 1 })[0];
    const pooled = [];
    for (const op of ['max', 'avg'] as const) {
      const { model, config } = await writeRandomConv(join(dir, op), spec, { kind: 'pool', op, kernel: [2, 2], padding: [0, 0] });
      pooled.push(...planDesign(await loadArtifact(model), await loadHwConfig(config), opts).layers);
    }
    return [...new Set([...gelu.layers, ...mac.layers, ...pooled].map((l) => l.kind))].sort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('layer-kind registry', () => {
  it('lists every member of the definitions', () => {
    expect(layerListComplete && artifactListComplete).toBe(true);
  });

  it.each(Object.keys(LAYER_KINDS))('planned kind %s has every piece', (kind) => {
    const def = LAYER_KINDS[kind as keyof typeof LAYER_KINDS] as unknown as Record<string, unknown>;
    for (const m of LAYER_MEMBERS) expect(def[m], `${kind}.${m}`).toBeDefined();
    for (const m of ['io', 'golden', 'emit', 'vectors', 'estimate', 'memories', 'schedule', 'describe']) expect(typeof def[m], `${kind}.${m}`).toBe('function');
    // The windowed kinds (their scan waits for pixels) and only they can hold a pixel FIFO.
    const windowed = kind === 'lut_conv2d' || kind === 'maxpool2d' || kind === 'avgpool2d';
    for (const m of OPTIONAL_LAYER_MEMBERS) expect(typeof def[m], `${kind}.${m}`).toBe(windowed ? 'function' : 'undefined');
    expect(def.notInArtifact === null || typeof def.notInArtifact === 'string').toBe(true);
  });

  it.each(Object.keys(ARTIFACT_KINDS))('artifact kind %s has every piece and is planned as a registered kind', (kind) => {
    const def = ARTIFACT_KINDS[kind as keyof typeof ARTIFACT_KINDS] as unknown as Record<string, unknown>;
    for (const m of ARTIFACT_MEMBERS) expect(def[m], `${kind}.${m}`).toBeDefined();
    expect(Object.keys(LAYER_KINDS)).toContain(def.planKind);
    expect(LAYER_KINDS[def.planKind as keyof typeof LAYER_KINDS].notInArtifact).toBeNull();
  });

  it('a planned kind is either planned from an artifact kind or says why the artifact reference skips it', () => {
    const fromArtifact = Object.values(ARTIFACT_KINDS).map((d) => d.planKind as string);
    for (const [kind, def] of Object.entries(LAYER_KINDS)) expect(def.notInArtifact === null, kind).toBe(fromArtifact.includes(kind));
  });

  it('has exactly the kinds real designs plan (an example with an nnlut unit, the MAC baseline, a convolution, a max and an average pool)', async () => {
    expect(await plannedKinds()).toEqual(Object.keys(LAYER_KINDS).sort());
  });

  it('dispatches a layer to its own kind', async () => {
    const a = await loadArtifact(join(PROJECT_ROOT, 'examples', 'lut_linear_gelu', 'model.json'));
    const design = planDesign(a, await loadHwConfig(join(PROJECT_ROOT, 'examples', 'lut_linear_gelu', 'hw.yaml')), { manifest: 'm', regenerateCommand: 'test' });
    for (const layer of design.layers) expect(layerKindOf(layer)).toBe(LAYER_KINDS[layer.kind]);
  });
});
