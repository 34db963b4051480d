import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/child.js';
import { readSpec, specsAvailable, specsMissingReason } from '../support/specs.js';

const dir = join(repoRoot, 'manifest', 'teams');
const readManifest = () =>
  JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;

function manifestErrors(manifest: unknown): string[] {
  const ajv = new Ajv04.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(readSpec<object>('teams-manifest.schema.json'));
  return validate(manifest)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? ''}`);
}

/** Width, height, colour type and the RGBA pixels of one of our PNGs (8-bit RGBA, filter 0). */
function decodePng(file: string) {
  const bytes = readFileSync(join(dir, file));
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  expect(bytes.toString('ascii', 12, 16)).toBe('IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const colorType = bytes[25];
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('ascii', at + 4, at + 8) === 'IDAT') {
      idat.push(bytes.subarray(at + 8, at + 8 + length));
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: number[][] = [];
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 4 + 1);
    expect(raw[row]).toBe(0);
    for (let x = 0; x < width; x += 1)
      pixels.push([...raw.subarray(row + 1 + x * 4, row + 5 + x * 4)]);
  }
  return { width, height, colorType, pixels };
}

/** The entries of a zip, read from its central directory; data inflated and CRC-checked. */
function readZip(bytes: Buffer): Map<string, Buffer> {
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    const packedSize = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    expect(bytes.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const packed = bytes.subarray(start, start + packedSize);
    const data = method === 8 ? inflateRawSync(packed) : packed;
    expect(crc32(data) >>> 0).toBe(crc);
    entries.set(name, data);
    at += 46 + nameLength + extra;
  }
  return entries;
}

const run = promisify(execFile);
const packageScript = (env: Record<string, string>, out: string) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--out', out], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
  });

let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('the Teams app manifest and package', () => {
  describe.skipIf(!specsAvailable)(
    `against the Teams manifest schema (${specsMissingReason})`,
    () => {
      it('manifest.json validates, personal bot with the command list and placeholder ids', () => {
        const manifest = readManifest();
        expect(manifestErrors(manifest)).toEqual([]);
        expect(manifestErrors({ ...manifest, id: 'herald' })).not.toEqual([]);
        expect(manifest).toMatchObject({
          manifestVersion: '1.29',
          id: '00000000-0000-0000-0000-000000000000',
          bots: [{ botId: '00000000-0000-0000-0000-000000000000', scopes: ['personal'] }],
        });
        const bots = manifest.bots as Array<{
          commandLists: Array<{ commands: Array<{ title: string }> }>;
        }>;
        expect(bots[0]!.commandLists[0]!.commands.map((c) => c.title)).toEqual([
          'help',
          'incidents',
          'incident',
          'preferences',
          'unsubscribe',
        ]);
      });
    },
  );

  it('color.png is 192×192 and opaque; outline.png is 32×32, white on transparency', () => {
    const color = decodePng('color.png');
    expect([color.width, color.height, color.colorType]).toEqual([192, 192, 6]);
    expect(color.pixels.every((p) => p[3] === 255)).toBe(true);

    const outline = decodePng('outline.png');
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    const drawn = outline.pixels.filter((p) => p[3]! > 0);
    expect(drawn.length).toBeGreaterThan(50);
    expect(drawn.every(([r, g, b]) => r === 255 && g === 255 && b === 255)).toBe(true);
    expect([0, 31, 32 * 31, 32 * 32 - 1].map((i) => outline.pixels[i]![3])).toEqual([0, 0, 0, 0]);
  });

  it('npm run teams:package zips the manifest with the app id filled in, and both icons', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'herald-teams-package-'));
    const out = join(tmp, 'nested', 'herald-teams.zip');
    const appId = '1B2C3D4E-AAAA-BBBB-CCCC-1234567890AB';
    const { stdout } = await packageScript(
      { TEAMS_APP_ID: appId, PUBLIC_URL: 'https://herald.corp.example/' },
      out,
    );
    expect(stdout).toContain(out);

    const entries = readZip(readFileSync(out));
    expect([...entries.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    expect(entries.get('color.png')).toEqual(readFileSync(join(dir, 'color.png')));
    expect(entries.get('outline.png')).toEqual(readFileSync(join(dir, 'outline.png')));
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      id: appId.toLowerCase(),
      bots: [{ botId: appId.toLowerCase() }],
      validDomains: ['herald.corp.example'],
    });
    expect(JSON.stringify(manifest)).not.toContain('00000000-0000');
    if (specsAvailable) expect(manifestErrors(manifest)).toEqual([]);
  });

  it('a missing or malformed TEAMS_APP_ID stops the script with one clear line', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'herald-teams-package-'));
    const out = join(tmp, 'herald-teams.zip');
    for (const [env, words] of [
      [{}, 'TEAMS_APP_ID is not set'],
      [{ TEAMS_APP_ID: 'my-bot' }, 'TEAMS_APP_ID="my-bot": must be'],
    ] as const) {
      const failure = (await packageScript(env, out).then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | null;
      expect(failure?.code).toBe(1);
      expect(failure?.stderr.trim().split('\n')).toEqual([expect.stringContaining(words)]);
    }
    expect(() => readFileSync(out)).toThrow();
  });
});
