/** Every file of a maxpool2d layer: its top (window generator, maximum tree, output register) and the window generator. */
import type { DesignPlan, MaxPool2dPlan } from '../../plan/types.ts';
import type { GeneratedFile } from '../common/context.ts';
import { poolFiles, poolTopContext } from '../pool.ts';
import { renderTemplate } from '../render.ts';
import { slice } from '../verilog.ts';

/** A balanced tree of signed maxima over `leaves` (expressions), as named wires; returns the root's name. */
function maxTree(leaves: string[], prefix: string, nodes: { name: string; expr: string }[]): string {
  let level = leaves;
  let depth = 0;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) {
        next.push(level[i]);
        continue;
      }
      const name = `${prefix}_l${depth}_${i / 2}`;
      nodes.push({ name, expr: `(${level[i + 1]} > ${level[i]}) ? ${level[i + 1]} : ${level[i]}` });
      next.push(name);
    }
    level = next;
    depth++;
  }
  return level[0];
}

function topFile(design: DesignPlan, plan: MaxPool2dPlan): GeneratedFile {
  const w = plan.window;
  const [kh, kw] = w.kernel;
  const b = plan.input.bits;
  const C = w.inChannels;
  const nodes: { name: string; expr: string }[] = [];
  const roots: string[] = [];
  for (let ch = 0; ch < C; ch++) {
    // The leaves as signed wires, so every compare in the tree is signed.
    const leaves = Array.from({ length: kh * kw }, (_, e) => {
      const name = `ch${ch}_e${e}`;
      nodes.push({ name, expr: slice('patch', (ch * kh * kw + e) * b, b) });
      return name;
    });
    roots.push(maxTree(leaves, `ch${ch}`, nodes));
  }
  const ctx = {
    ...poolTopContext(design, plan, `max pooling layer ${plan.name}`),
    nodes,
    maximum: roots.length === 1 ? roots[0] : `{${[...roots].reverse().join(', ')}}`,
  };
  return { path: `${plan.modules.top}.v`, content: renderTemplate('conv/maxpool_top.v.hbs', ctx) };
}

export function maxPool2dFiles(design: DesignPlan, plan: MaxPool2dPlan): GeneratedFile[] {
  return poolFiles(design, plan, topFile(design, plan));
}
