import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LutnnError } from '../../generator/errors.ts';
import {
  MAX_HEADER_BYTES,
  encodeSafetensors,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
  type TensorInput,
} from '../../generator/artifact/safetensors.ts';

const FILE = 'weights.safetensors';

/** Builds a safetensors file by hand so the reader can be fed headers the writer would never produce. */
function rawFile(header: unknown, dataBytes: number, headerLengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(headerLengthOverride ?? BigInt(json.length), 0);
  out.set(json, 8);
  return out;
}

/** Runs `fn`, expecting a LutnnError whose message contains every fragment. */
function expectError(fn: () => unknown, ...fragments: string[]): LutnnError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(LutnnError);
  const err = caught as LutnnError;
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}

describe('safetensors round trip', () => {
  const cases: TensorInput[] = [
    { name: 'f32', dtype: 'F32', shape: [2, 3], data: [0, -0.5, 1.25, 3.4028234663852886e38, -1.401298464324817e-45, 16777216] },
    // F16 values chosen to be exactly representable: max, min normal, a subnormal, f16(1/3).
    { name: 'f16', dtype: 'F16', shape: [6], data: [65504, -6.103515625e-5, 5.960464477539063e-8, 0.333251953125, -2, 0] },
    { name: 'i8', dtype: 'I8', shape: [4], data: [-128, 127, 0, -1] },
    { name: 'i16', dtype: 'I16', shape: [2, 2], data: [-32768, 32767, 1234, -4321] },
    { name: 'i32', dtype: 'I32', shape: [3], data: [-2147483648, 2147483647, 7] },
  ];

  for (const input of cases) {
    it(`keeps ${input.dtype} values exact`, () => {
      const { tensors } = parseSafetensors(encodeSafetensors([input]), FILE);
      const t = tensors.get(input.name)!;
      expect(t.dtype).toBe(input.dtype);
      expect(t.shape).toEqual(input.shape);
      expect(t.data).toBeInstanceOf(input.dtype.startsWith('F') ? Float64Array : Int32Array);
      expect(Array.from(t.data)).toEqual(Array.from(input.data));
    });
  }

  it('keeps NaN and infinities in float tensors (the loader, not the container, refuses them)', () => {
    const { tensors } = parseSafetensors(
      encodeSafetensors([
        { name: 'a', dtype: 'F32', shape: [3], data: [NaN, Infinity, -Infinity] },
        { name: 'b', dtype: 'F16', shape: [3], data: [NaN, Infinity, -Infinity] },
      ]),
      FILE,
    );
    for (const name of ['a', 'b']) {
      const d = tensors.get(name)!.data;
      expect(Number.isNaN(d[0])).toBe(true);
      expect([d[1], d[2]]).toEqual([Infinity, -Infinity]);
    }
  });

  it('writes several tensors in the given order with metadata, header padded to 8 bytes', () => {
    const bytes = encodeSafetensors(
      [
        { name: 'z.second', dtype: 'I8', shape: [3], data: [1, 2, 3] },
        { name: 'a.first', dtype: 'F32', shape: [1], data: [1.5] },
        { name: 'scalar', dtype: 'I32', shape: [], data: [42] },
        { name: 'empty', dtype: 'F16', shape: [0, 4], data: [] },
      ],
      { format: 'pt', note: 'ünïcode' },
    );
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    expect(header['z.second'].data_offsets).toEqual([0, 3]);
    expect(header['a.first'].data_offsets).toEqual([3, 7]);
    expect(header.scalar.data_offsets).toEqual([7, 11]);
    expect(header.empty.data_offsets).toEqual([11, 11]);
    expect(bytes.length).toBe(8 + headerLength + 11);

    const parsed = parseSafetensors(bytes, FILE);
    expect([...parsed.tensors.keys()]).toEqual(['z.second', 'a.first', 'scalar', 'empty']);
    expect({ ...parsed.metadata }).toEqual({ format: 'pt', note: 'ünïcode' });
    expect(Array.from(parsed.tensors.get('scalar')!.data)).toEqual([42]);
    expect(parsed.tensors.get('empty')!.data.length).toBe(0);
  });

  it('reads a file that is a slice of a larger buffer (non-zero byteOffset)', () => {
    const bytes = encodeSafetensors([{ name: 't', dtype: 'I16', shape: [2], data: [-2, 300] }]);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const t = parseSafetensors(padded.subarray(3), FILE).tensors.get('t')!;
    expect(Array.from(t.data)).toEqual([-2, 300]);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'lutnn-st-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writeSafetensors then readSafetensors', async () => {
      const file = path.join(dir, FILE);
      await writeSafetensors(file, [{ name: 'x', dtype: 'F32', shape: [2], data: [0.25, -8] }], { k: 'v' });
      const { tensors, metadata } = await readSafetensors(file);
      expect(Array.from(tensors.get('x')!.data)).toEqual([0.25, -8]);
      expect(metadata.k).toBe('v');
    });

    it('reports a missing file with its path', async () => {
      const file = path.join(dir, 'nope.safetensors');
      await expect(readSafetensors(file)).rejects.toThrow(/nope\.safetensors/);
      await expect(readSafetensors(file)).rejects.toBeInstanceOf(LutnnError);
    });

    it('writeSafetensors names the target file in a writer error', async () => {
      const file = path.join(dir, 'bad.safetensors');
      await expect(
        writeSafetensors(file, [{ name: 'x', dtype: 'I8', shape: [1], data: [128] }]),
      ).rejects.toThrow(/bad\.safetensors/);
    });

    it('reads a hand-written file whose header has no padding', async () => {
      const header = { t: { dtype: 'I8', shape: [2], data_offsets: [0, 2] } };
      const bytes = rawFile(header, 2);
      bytes[bytes.length - 2] = 0xff;
      bytes[bytes.length - 1] = 0x05;
      const file = path.join(dir, FILE);
      await writeFile(file, bytes);
      expect(Array.from((await readSafetensors(file)).tensors.get('t')!.data)).toEqual([-1, 5]);
    });
  });
});

describe('safetensors reader refuses malformed files', () => {
  const good = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('file shorter than 8 bytes', () => {
    expectError(() => parseSafetensors(new Uint8Array(5), FILE), FILE, 'too short', '5 bytes');
  });

  it('header length larger than the file', () => {
    expectError(() => parseSafetensors(rawFile({}, 0, 1000n), FILE), FILE, 'larger than the file', '1000 bytes');
  });

  it('absurd header length', () => {
    const err = expectError(() => parseSafetensors(rawFile({}, 0, 2n ** 63n), FILE), FILE, 'absurd');
    expect(err.location.expected).toContain(String(MAX_HEADER_BYTES));
  });

  it('header that is not JSON', () => {
    expectError(() => parseSafetensors(rawFile('{"a": ', 0), FILE), FILE, 'not valid JSON');
  });

  it('header that is JSON but not an object', () => {
    expectError(() => parseSafetensors(rawFile([1, 2], 0), FILE), FILE, 'not a JSON object');
  });

  it('unknown dtype, naming it and listing the supported ones', () => {
    const header = { 'fc1.lut': { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } };
    expectError(() => parseSafetensors(rawFile(header, 4), FILE), FILE, '"BF16"', 'tensor "fc1.lut"', 'F32, F16, I8, I16, I32');
  });

  it('shape that is not an array of non-negative integers', () => {
    for (const shape of [[-1], [2.5], '2', [2, null]]) {
      const header = { t: { ...good, shape } };
      expectError(() => parseSafetensors(rawFile(header, 8), FILE), FILE, 'tensor "t" shape', 'non-negative integers');
    }
  });

  it('data_offsets that are not [begin, end] with begin <= end', () => {
    for (const data_offsets of [[8, 0], [0], [0, 4, 8], '0-8', [-1, 7]]) {
      const header = { t: { ...good, data_offsets } };
      expectError(() => parseSafetensors(rawFile(header, 8), FILE), FILE, 'tensor "t" data_offsets', 'begin <= end');
    }
  });

  it('byte length that does not match shape and dtype', () => {
    const header = { t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } };
    expectError(() => parseSafetensors(rawFile(header, 8), FILE), FILE, 'tensor "t"', '12 bytes', 'found:    8 bytes');
  });

  it('truncated file (offsets past the end of the buffer)', () => {
    const bytes = encodeSafetensors([
      { name: 'a', dtype: 'F32', shape: [4], data: [1, 2, 3, 4] },
      { name: 'fc1.lut', dtype: 'I8', shape: [16], data: new Array(16).fill(1) },
    ]);
    const truncated = bytes.subarray(0, bytes.length - 5);
    expectError(() => parseSafetensors(truncated, FILE), FILE, 'truncated', 'tensor "fc1.lut"', '5 bytes missing');
  });

  it('overlapping tensors', () => {
    const header = {
      a: { dtype: 'I8', shape: [4], data_offsets: [0, 4] },
      b: { dtype: 'I8', shape: [4], data_offsets: [2, 6] },
    };
    expectError(() => parseSafetensors(rawFile(header, 6), FILE), FILE, 'overlap', 'tensor "b"', 'tensor "a"');
  });

  it('entry that is not an object', () => {
    expectError(() => parseSafetensors(rawFile({ t: 3 }, 0), FILE), FILE, 'tensor "t"', 'not an object');
  });

  it('non-string metadata values', () => {
    const header = { __metadata__: { epoch: 3 } };
    expectError(() => parseSafetensors(rawFile(header, 0), FILE), FILE, '__metadata__.epoch', 'a string');
  });

  it('header that is not UTF-8', () => {
    const bytes = rawFile('{"a":1}', 0);
    bytes[10] = 0xff;
    expectError(() => parseSafetensors(bytes, FILE), FILE, 'UTF-8');
  });
});

describe('safetensors writer refuses bad input', () => {
  it('integer out of range or not an integer', () => {
    expectError(() => encodeSafetensors([{ name: 'q', dtype: 'I8', shape: [2], data: [1, 128] }]), 'tensor "q"', '-128 to 127', '128 at flat index 1');
    expectError(() => encodeSafetensors([{ name: 'q', dtype: 'I16', shape: [1], data: [0.5] }]), 'tensor "q"', '0.5');
  });

  it('data length not matching the shape', () => {
    expectError(() => encodeSafetensors([{ name: 'q', dtype: 'F32', shape: [2, 2], data: [1, 2, 3] }]), 'tensor "q"', '4 values', '3 values');
  });

  it('duplicate or reserved names, unknown dtype, bad shape', () => {
    const t: TensorInput = { name: 'x', dtype: 'I8', shape: [1], data: [0] };
    expectError(() => encodeSafetensors([t, t]), 'Duplicate', '"x"');
    expectError(() => encodeSafetensors([{ ...t, name: '__metadata__' }]), 'tensor name');
    expectError(() => encodeSafetensors([{ ...t, dtype: 'F64' as never }]), '"F64"', 'F32, F16, I8, I16, I32');
    expectError(() => encodeSafetensors([{ ...t, shape: [-1] }]), 'shape');
  });

  it('a tensor named __proto__ is stored as a tensor', () => {
    const { tensors } = parseSafetensors(encodeSafetensors([{ name: '__proto__', dtype: 'I8', shape: [1], data: [3] }]), FILE);
    expect(Array.from(tensors.get('__proto__')!.data)).toEqual([3]);
  });
});
