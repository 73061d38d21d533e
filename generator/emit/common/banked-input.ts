/**
 * The input port of a layer core behind a banked stream buffer (hw.yaml input_buffer: block;
 * plan/stream.ts planInputBuffer): the core drives a word index and reads the word a cycle later,
 * in place of a whole-vector in_data_i. Every kind's core template declares and passes on its input
 * through templates/partials/core_input_port.hbs and core_input_conn.hbs, which read these fields.
 */
import { bankedInput } from '../../plan/stream.ts';
import type { LayerPlan } from '../../plan/types.ts';
import { range } from '../verilog.ts';

/** Template fields `banked`: false for a core with a whole-vector input port. */
export function bankedPorts(layer: LayerPlan): false | { multiWord: boolean; idxRange: string; wordRange: string } {
  const b = bankedInput(layer);
  if (!b) return false;
  return { multiWord: b.words > 1, idxRange: range(Math.max(1, b.wordAddressBits)), wordRange: range(b.wordBits) };
}
