/**
 * Draws the Teams app icons into `manifest/teams/`: `color.png` (192×192, the accent colour with a
 * white megaphone) and `outline.png` (32×32, the white megaphone on transparency), as Teams asks.
 * The PNGs are committed; run again only to change the drawing: `npx tsx scripts/make-teams-icons.ts`.
 * Plain node:zlib, so no image library joins the dependencies for two small files.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Point = readonly [number, number];

/** The manifest's `accentColor`, #3B5BDB. */
const ACCENT = [0x3b, 0x5b, 0xdb] as const;

/** The megaphone in a unit square (y down): a mouthpiece, the flaring horn, a handle. */
const SHAPES: Point[][] = [
  [
    [0.2, 0.41],
    [0.33, 0.41],
    [0.6, 0.25],
    [0.6, 0.75],
    [0.33, 0.59],
    [0.2, 0.59],
  ],
  [
    [0.31, 0.59],
    [0.4, 0.59],
    [0.45, 0.76],
    [0.36, 0.76],
  ],
];

/** Two sound waves in front of the horn: centre, radius, half thickness, half angle. */
const WAVES = [
  { cx: 0.6, cy: 0.5, r: 0.13, half: 0.035, angle: Math.PI / 4.5 },
  { cx: 0.6, cy: 0.5, r: 0.24, half: 0.035, angle: Math.PI / 4 },
];

function insidePolygon(x: number, y: number, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The drawing is wider on the right (the waves): shifted so it sits in the middle. */
const SHIFT_X = 0.035;

function insideGlyph(px: number, y: number): boolean {
  const x = px + SHIFT_X;
  if (SHAPES.some((s) => insidePolygon(x, y, s))) return true;
  return WAVES.some((w) => {
    const dx = x - w.cx;
    const dy = y - w.cy;
    return (
      dx > 0 &&
      Math.abs(Math.hypot(dx, dy) - w.r) <= w.half &&
      Math.abs(Math.atan2(dy, dx)) <= w.angle
    );
  });
}

/** Glyph coverage of one pixel, from 4×4 samples: the anti-aliasing. */
function coverage(px: number, py: number, size: number): number {
  let hits = 0;
  for (let sy = 0; sy < 4; sy += 1) {
    for (let sx = 0; sx < 4; sx += 1) {
      if (insideGlyph((px + (sx + 0.5) / 4) / size, (py + (sy + 0.5) / 4) / size)) hits += 1;
    }
  }
  return hits / 16;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG, every scanline with filter 0 (none). */
export function png(size: number, pixel: (x: number, y: number) => readonly number[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) {
    const row = y * (size * 4 + 1);
    for (let x = 0; x < size; x += 1) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** White glyph blended over the accent colour, opaque. */
const colorIcon = () =>
  png(192, (x, y) => {
    const c = coverage(x, y, 192);
    return [...ACCENT.map((v) => Math.round(v + (255 - v) * c)), 255];
  });

/** White glyph, its coverage as alpha, on transparency. */
const outlineIcon = () =>
  png(32, (x, y) => {
    const a = Math.round(coverage(x, y, 32) * 255);
    return a === 0 ? [0, 0, 0, 0] : [255, 255, 255, a];
  });

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = new URL('../manifest/teams/', import.meta.url);
  writeFileSync(new URL('color.png', dir), colorIcon());
  writeFileSync(new URL('outline.png', dir), outlineIcon());
  console.log('wrote manifest/teams/color.png (192×192) and outline.png (32×32)');
}
