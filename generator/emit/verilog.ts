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
  const bits = fields.reduce((a, f) => a + f.width, 0);
  return packFields(fields).toString(16).padStart(Math.ceil(bits / 4), '0');
}

/** Fields (least significant first, two's complement) as one word. */
export function packFields(fields: PackedField[]): bigint {
  let word = 0n;
  let offset = 0n;
  for (const f of fields) {
    word |= BigInt.asUintN(f.width, BigInt(f.value)) << offset;
    offset += BigInt(f.width);
  }
  return word;
}

const HEX_CODES = Buffer.from(HEX);

/**
 * Writes packed words of `lanes` two's-complement fields of `laneWidth` bits as hex lines into a
 * byte buffer (the fast path for large memories). Same output as `packHex` plus a newline slot.
 */
export class HexWordWriter {
  readonly digits: number;
  readonly lineBytes: number;
  private readonly nibbles: Uint8Array;
  private readonly mask: number;

  constructor(
    private readonly laneWidth: number,
    private readonly lanes: number,
  ) {
    if (laneWidth > 32) throw new RangeError(`lane width ${laneWidth} exceeds 32 bits`);
    this.digits = Math.ceil((laneWidth * lanes) / 4);
    this.lineBytes = this.digits + 1;
    this.nibbles = new Uint8Array(this.digits);
    this.mask = laneWidth === 32 ? -1 : 2 ** laneWidth - 1;
  }

  /** Word from values[offset … offset+count−1] (lanes past count are zero) at buf[pos …]. */
  write(buf: Buffer, pos: number, values: ArrayLike<number>, offset: number, count: number): void {
    const { laneWidth, digits, nibbles } = this;
    if (laneWidth % 4 === 0) {
      // Whole nibbles per lane: emit each lane's digits directly, lane 0 rightmost.
      const per = laneWidth / 4;
      for (let l = 0; l < this.lanes; l++) {
        let v = l < count ? (values[offset + l] & this.mask) >>> 0 : 0;
        let p = pos + digits - 1 - l * per;
        for (let d = 0; d < per; d++) {
          buf[p--] = HEX_CODES[v & 15];
          v >>>= 4;
        }
      }
      return;
    }
    nibbles.fill(0);
    for (let l = 0; l < count; l++) {
      const v = (values[offset + l] & this.mask) >>> 0;
      for (let b = 0; b < laneWidth; b++) {
        if ((v >>> b) & 1) {
          const p = l * laneWidth + b;
          nibbles[p >> 2] |= 1 << (p & 3);
        }
      }
    }
    for (let i = 0; i < digits; i++) buf[pos + i] = HEX_CODES[nibbles[digits - 1 - i]];
  }
}
