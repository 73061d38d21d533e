/**
 * Small builders for Verilog expressions, so templates never contain arithmetic on widths and
 * never emit a zero-width replication (illegal in Verilog-2005).
 */

/** A sized decimal literal: `8'd5`, `12'sd7`, or `-12'sd7` for negative signed values. */
export function lit(value: number, width: number, signed = false): string {
  if (!signed && value < 0) throw new RangeError(`unsigned literal cannot be negative: ${value}`);
  const s = signed ? 's' : '';
  return value < 0 ? `-${width}'${s}d${-value}` : `${width}'${s}d${value}`;
}

/** Sign-extend `expr` (`from` bits wide, a plain identifier or part-select) to `to` bits. */
export function signExtend(expr: string, signBit: string, from: number, to: number): string {
  if (to < from) throw new RangeError(`cannot sign-extend ${from} bits to ${to}`);
  if (to === from) return expr;
  return `{{${to - from}{${signBit}}}, ${expr}}`;
}

/** Zero-extend `expr` (`from` bits) to `to` bits. */
export function zeroExtend(expr: string, from: number, to: number): string {
  if (to < from) throw new RangeError(`cannot zero-extend ${from} bits to ${to}`);
  if (to === from) return expr;
  return `{${to - from}'d0, ${expr}}`;
}

/** Part-select `[lsb +: width]` written as a constant range `[msb:lsb]`. */
export function slice(name: string, lsb: number, width: number): string {
  return width === 1 ? `${name}[${lsb}]` : `${name}[${lsb + width - 1}:${lsb}]`;
}

/** Declaration range `[w-1:0]`; one bit is `[0:0]` so that `x[0]` is always a legal select. */
export function range(width: number): string {
  return `[${width - 1}:0]`;
}

/**
 * Hex digits of a packed word whose lanes are `laneWidth`-bit two's-complement fields (lane 0 at
 * the LSB), as `$readmemh` reads it. Lanes past `lanes.length` are zero. Lane widths up to 32 bits.
 */
export function packHex(lanes: ArrayLike<number>, laneWidth: number, laneCount = lanes.length): string {
  if (laneWidth > 32) throw new RangeError(`lane width ${laneWidth} exceeds 32 bits`);
  const totalBits = laneWidth * laneCount;
  const nibbles = new Uint8Array(Math.ceil(totalBits / 4));
  const mask = laneWidth === 32 ? -1 : 2 ** laneWidth - 1;
  for (let l = 0; l < laneCount && l < lanes.length; l++) {
    const v = (lanes[l] & mask) >>> 0; // two's complement within the lane
    for (let b = 0; b < laneWidth; b++) {
      if ((v >>> b) & 1) {
        const p = l * laneWidth + b;
        nibbles[p >> 2] |= 1 << (p & 3);
      }
    }
  }
  let s = '';
  for (let i = nibbles.length - 1; i >= 0; i--) s += HEX[nibbles[i]];
  return s;
}

const HEX = '0123456789abcdef';

export interface PackedField {
  value: number;
  width: number;
}

/** Hex digits of fields of mixed widths, the first field at the LSB (two's complement per field). */
export function packFieldsHex(fields: PackedField[]): string {
  let word = 0n;
  let offset = 0n;
  for (const f of fields) {
    const w = BigInt(f.width);
    word |= BigInt.asUintN(f.width, BigInt(f.value)) << offset;
    offset += w;
  }
  return word.toString(16).padStart(Math.ceil(Number(offset) / 4), '0');
}
