/**
 * A writer of NumPy .npy object arrays (dtype=object, payload a pickle) the way numpy.save writes
 * them: ndarray elements as `_reconstruct(ndarray, (0,), b'b')` + BUILD (1, shape, dtype, is_fortran,
 * data). Used to build variants and malformed copies of halutmatmul's offline storage for tests.
 */

export interface NpyElement {
  /** numpy dtype name: 'f4', 'f8', 'i4', 'i8', 'u1', … */
  dtype: string;
  /** '<', '>' or '|' */
  byteorder?: string;
  shape: number[];
  /** Values in C order. */
  values: ArrayLike<number>;
  /** Store the bytes in Fortran order with is_fortran True. */
  fortran?: boolean;
}

/** Raw pickle bytes to splice in as an element (e.g. a call of some global). */
export interface RawPickle {
  raw: number[];
}

/** `memoize`: the item, stored in the pickle memo (MEMOIZE, indices from 0 in order); `memoGet`: a reference to it (BINGET). */
export type PickleItem = NpyElement | { objects: PickleItem[] } | RawPickle | { memoize: PickleItem } | { memoGet: number };

export interface PickleStyle {
  /** numpy ≥ 2 writes `numpy._core.multiarray`, older numpy `numpy.core.multiarray`. */
  module?: string;
  /** 4: STACK_GLOBAL with unicode names (numpy ≥ 2's np.save); 3: GLOBAL opcode (numpy 1.x). */
  protocol?: 3 | 4;
}

const enc = new TextEncoder();

export function globalRef(module: string, name: string, protocol: 3 | 4): number[] {
  if (protocol === 3) return [0x63, ...enc.encode(`${module}\n${name}\n`)];
  return [...shortUnicode(module), ...shortUnicode(name), 0x93];
}

function shortUnicode(s: string): number[] {
  const b = enc.encode(s);
  return [0x8c, b.length, ...b];
}

function int(n: number): number[] {
  if (n >= 0 && n < 256) return [0x4b, n];
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return [0x4a, ...b];
}

function bytesOp(b: Uint8Array): number[] {
  if (b.length < 256) return [0x43, b.length, ...b];
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, b.length, true);
  return [0x42, ...len, ...b];
}

const SIZES: Record<string, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

function rawBytes(e: NpyElement): Uint8Array {
  const size = SIZES[e.dtype];
  const count = e.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(count * size);
  const v = new DataView(out.buffer);
  const le = (e.byteorder ?? '<') !== '>';
  // C index → storage index
  const strides = new Array<number>(e.shape.length);
  let s = 1;
  if (e.fortran) for (let d = 0; d < e.shape.length; d++) { strides[d] = s; s *= e.shape[d]; }
  for (let i = 0; i < count; i++) {
    let at = i;
    if (e.fortran) {
      at = 0;
      let rem = i;
      for (let d = e.shape.length - 1; d >= 0; d--) {
        at += (rem % e.shape[d]) * strides[d];
        rem = Math.floor(rem / e.shape[d]);
      }
    }
    const o = at * size;
    const x = e.values[i];
    switch (e.dtype) {
      case 'f4': v.setFloat32(o, x, le); break;
      case 'f8': v.setFloat64(o, x, le); break;
      case 'i1': v.setInt8(o, x); break;
      case 'i2': v.setInt16(o, x, le); break;
      case 'i4': v.setInt32(o, x, le); break;
      case 'i8': v.setBigInt64(o, BigInt(x), le); break;
      case 'u1': case 'b1': v.setUint8(o, x); break;
      case 'u2': v.setUint16(o, x, le); break;
      case 'u4': v.setUint32(o, x, le); break;
      default: throw new Error(`no writer for ${e.dtype}`);
    }
  }
  return out;
}

function dtypeOps(name: string, byteorder: string, p: Required<PickleStyle>): number[] {
  return [
    ...globalRef('numpy', 'dtype', p.protocol),
    ...shortUnicode(name), 0x89, 0x88, 0x87, 0x52, // ('f4', False, True) REDUCE
    0x28, ...int(3), ...shortUnicode(byteorder), 0x4e, 0x4e, 0x4e, ...int(-1), ...int(-1), ...int(name.startsWith('O') ? 63 : 0), 0x74, 0x62, // state BUILD
  ];
}

function arrayOps(item: PickleItem, p: Required<PickleStyle>): number[] {
  if ('raw' in item) return item.raw;
  if ('memoize' in item) return [...arrayOps(item.memoize, p), 0x94];
  if ('memoGet' in item) return [0x68, item.memoGet];
  const head = [...globalRef(p.module, '_reconstruct', p.protocol), ...globalRef('numpy', 'ndarray', p.protocol), ...int(0), 0x85, 0x43, 1, 0x62, 0x87, 0x52];
  if ('objects' in item) {
    const shape = [0x28, ...int(item.objects.length), 0x74];
    const list = [0x5d, 0x28, ...item.objects.flatMap((x) => arrayOps(x, p)), 0x65];
    return [...head, 0x28, ...int(1), ...shape, ...dtypeOps('O8', '|', p), 0x89, ...list, 0x74, 0x62];
  }
  const shape = [0x28, ...item.shape.flatMap(int), 0x74];
  const bo = item.byteorder ?? (SIZES[item.dtype] === 1 ? '|' : '<');
  return [...head, 0x28, ...int(1), ...shape, ...dtypeOps(item.dtype, bo, p), item.fortran ? 0x88 : 0x89, ...bytesOp(rawBytes(item)), 0x74, 0x62];
}

/** The pickle of an object array of `items` (one dimension). */
export function pickleObjectArray(items: PickleItem[], style: PickleStyle = {}): Uint8Array {
  const p: Required<PickleStyle> = { module: style.module ?? 'numpy._core.multiarray', protocol: style.protocol ?? 4 };
  return Uint8Array.from([0x80, p.protocol, ...arrayOps({ objects: items }, p), 0x2e]);
}

/** An .npy file: header (format 1.0) + payload. */
export function npyFile(header: { descr: string; shape: number[]; fortran?: boolean }, payload: Uint8Array): Uint8Array {
  let text = `{'descr': '${header.descr}', 'fortran_order': ${header.fortran ? 'True' : 'False'}, 'shape': (${header.shape.join(', ')}${header.shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + text.length + 1) / 64) * 64;
  text = text.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(enc.encode(text), 10);
  out.set(payload, total);
  return out;
}

/** numpy.save of an object array of `items`. */
export function npyObjectArray(items: PickleItem[], style: PickleStyle = {}): Uint8Array {
  return npyFile({ descr: '|O', shape: [items.length] }, pickleObjectArray(items, style));
}

/** A call `module.name(arg)` in pickle form (REDUCE of a global), e.g. to check unknown globals are refused. */
export function pickleCall(module: string, name: string, arg: string, protocol: 3 | 4 = 4): RawPickle {
  return { raw: [...globalRef(module, name, protocol), ...shortUnicode(arg), 0x85, 0x52] };
}
