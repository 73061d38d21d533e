/** The beat FIFO of a stream output (templates/beat_fifo.v.hbs), shared by the lut_linear layer and its MAC baseline. */
import type { BeatOutputPlan, DesignPlan } from '../../plan/types.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, slice } from '../verilog.ts';
import { baseContext, counterFields, countWidth, type GeneratedFile, type HeaderParams } from './context.ts';

export interface BeatFifoShape {
  /** P_m lanes of `bits` per push. */
  groupLanes: number;
  bits: number;
  /** Cycles between pushes at least (the core's steps per group). */
  pushInterval: number;
  /** Groups per vector. */
  groups: number;
  /** Vectors the FIFO holds (the credit count). */
  depth: number;
}

export function beatFifoFile(design: DesignPlan, module: string, b: BeatOutputPlan, params: HeaderParams, shape: BeatFifoShape): GeneratedFile {
  const { groupLanes: Pm, bits: ob, groups: G } = shape;
  const W = b.elementsPerBeat * ob;
  const GW = Pm * ob;
  const leftW = countWidth(b.beatsPerGroup);
  const countW = countWidth(b.fifoWords);
  const ctx = {
    ...baseContext(design, module, 'beat FIFO of the stream output', { ...params, 'words x bits': `${b.fifoWords} x ${W}`, style: b.style }),
    groupLanes: Pm,
    bits: ob,
    steps: shape.pushInterval,
    style: b.style,
    perBeat: b.elementsPerBeat,
    beatsPerGroup: b.beatsPerGroup,
    lastGroupBeats: b.lastGroupBeats,
    groups: G,
    fifoWords: b.fifoWords,
    depth: shape.depth,
    beats: b.beats,
    groupRange: range(GW),
    beatRange: range(W),
    beatMsb: W - 1,
    multiBeatGroup: b.beatsPerGroup > 1,
    shiftExpr: b.beatsPerGroup > 1 ? `{${lit(0, W)}, ${slice('group_q', W, GW - W)}}` : '',
    leftRange: range(leftW),
    leftZeroLit: lit(0, leftW),
    leftOneLit: lit(1, leftW),
    beatsPerGroupLit: lit(b.beatsPerGroup, leftW),
    lastGroupBeatsLit: lit(b.lastGroupBeats, leftW),
    multiGroup: G > 1,
    ...(G > 1 ? counterFields('groupIdx', G) : {}),
    lastWord: b.fifoWords - 1,
    ...counterFields('ptr', b.fifoWords),
    countRange: range(countW),
    countZeroLit: lit(0, countW),
    countOneLit: lit(1, countW),
    multiBeatVector: b.beats > 1,
    ...(b.beats > 1 ? counterFields('outBeat', b.beats) : {}),
  };
  return { path: `${module}.v`, content: renderTemplate('beat_fifo.v.hbs', ctx) };
}
