/**
 * A real NN-LUT table, verbatim: `nnlut_bench/lut_details_divide_H10_sub.json` of the public
 * NN-LUT re-implementation github.com/neulxf/NN-LUT (file added in commit 29ce2ee, unchanged at
 * d4a740e1827715a75a4c857c549ad4f3e7e9f1f6), 880 bytes as `json.dump(..., indent=2)` wrote it:
 * bare -Infinity/Infinity, no final newline. 1/x ("divide") with H = 10 ReLU units, trained on
 * [1, 1024], no range reduction. The repository has no licence file, so no real table is
 * committed as a fixture file; the tests write this one (quoted as research data) from here.
 */
import { createHash } from 'node:crypto';

export const REAL_DIVIDE_H10_SOURCE = {
  repository: 'https://github.com/neulxf/NN-LUT',
  commit: 'd4a740e1827715a75a4c857c549ad4f3e7e9f1f6',
  path: 'nnlut_bench/lut_details_divide_H10_sub.json',
  bytes: 880,
  sha256: '6761c8bebc1c4dd01b8491c343ec13e278954c4722f49725a1dc347292900408',
};

export const REAL_DIVIDE_H10_TEXT = `{
  "op": "divide",
  "hidden": 10,
  "cut_points": [
    -Infinity,
    0.15410181879997253,
    0.48635414242744446,
    1.4447587728500366,
    2.1500797271728516,
    3.4340405464172363,
    3.4355151653289795,
    6.010868549346924,
    12.346359252929688,
    34.2826042175293,
    182.97793579101562,
    Infinity
  ],
  "slopes": [
    -0.457805335521698,
    -0.611741304397583,
    -0.6752148270606995,
    -0.3238562345504761,
    -0.1299806833267212,
    -0.023414352908730507,
    -0.048559945076704025,
    -0.01307924184948206,
    -0.002310020849108696,
    -0.0001398720924044028,
    0.0
  ],
  "biases": [
    1.59567129611969,
    1.6193931102752686,
    1.6502636671066284,
    1.1426352262496948,
    0.7257874011993408,
    0.35983431339263916,
    0.4462223947048187,
    0.2329525351524353,
    0.09999185800552368,
    0.025593506172299385,
    0.0
  ]
}`;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The parsed table (Python's bare ±Infinity read as JavaScript's). */
export function realDivideH10(): { op: string; hidden: number; cut_points: number[]; slopes: number[]; biases: number[] } {
  return JSON.parse(REAL_DIVIDE_H10_TEXT.replace(/(-?)Infinity/g, '"$1Infinity"'), (_k, v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}

/**
 * The real table with repeated cut points, as NN-LUT's larger tables have them (its H = 256 divide
 * table repeats 1.0 at cut_points 175–176): cut_points[6] set to cut_points[5], so segment 5 is
 * empty, and cut_points[7..8] both set to 8.0 (on the q12.4 grid: x = 8 must go right, to segment 8).
 * Written as Python writes it, bare ±Infinity.
 */
export function repeatedCutsText(): string {
  const t = realDivideH10();
  const c = [...t.cut_points];
  c[6] = c[5];
  c[7] = 8;
  c[8] = 8;
  const nums = (a: number[]) => `[${a.map((v) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v))).join(', ')}]`;
  return `{"op": "divide", "hidden": ${t.hidden}, "cut_points": ${nums(c)}, "slopes": ${nums(t.slopes)}, "biases": ${nums(t.biases)}}`;
}

/** Python's bisect_right(cut_points, x) − 1: the segment NN-LUT evaluates x with. */
export function nnlutSegment(cuts: readonly number[], x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < cuts[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}
