/**
 * `npm run teams:package [-- --out <file>]`: the Teams app package to side-load or upload —
 * `manifest.json` with `TEAMS_APP_ID` as app and bot id (and, when `PUBLIC_URL` is set, its host as
 * the valid domain), `color.png` and `outline.png`, zipped into `dist/herald-teams.zip`.
 * The zip is written here with node:zlib (deflate, CRC-32): no archiver joins the dependencies.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLACEHOLDER_ID = '00000000-0000-0000-0000-000000000000';

interface Entry {
  name: string;
  data: Buffer;
}

/**
 * A zip archive (deflate, no extra fields, fixed 1980-01-01 timestamps so the same input gives
 * the same bytes). Enough for a Teams package: few small files, ASCII names, no zip64.
 */
export function zip(entries: readonly Entry[]): Buffer {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data) >>> 0;
    const nameBytes = Buffer.from(name, 'ascii');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6); // needed
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk number, internal and external attributes: 0
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The manifest with the real ids (and domain) in place of the placeholders. */
export function fillManifest(
  template: Record<string, unknown>,
  appId: string,
  version: string,
  publicUrl: string | undefined,
): Record<string, unknown> {
  const manifest = JSON.parse(JSON.stringify(template).replaceAll(PLACEHOLDER_ID, appId)) as Record<
    string,
    unknown
  >;
  manifest.version = version;
  if (publicUrl && URL.canParse(publicUrl)) {
    const host = new URL(publicUrl).hostname;
    if (host !== 'localhost' && host !== '127.0.0.1') manifest.validDomains = [host];
  }
  return manifest;
}

function fail(message: string): never {
  console.error(`teams:package: ${message}`);
  process.exit(1);
}

function main(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const appId = env.TEAMS_APP_ID?.trim() ?? '';
  if (appId === '') {
    fail('TEAMS_APP_ID is not set: give the Microsoft App ID of the bot registration (a GUID)');
  }
  if (!GUID.test(appId) || appId === PLACEHOLDER_ID) {
    fail(`TEAMS_APP_ID="${appId}": must be the bot's Microsoft App ID, a GUID like 1b2c3d4e-…`);
  }
  const outAt = argv.indexOf('--out');
  if (outAt !== -1 && !argv[outAt + 1]) fail('--out needs a file name');
  const out = resolve(outAt === -1 ? resolve(root, 'dist', 'herald-teams.zip') : argv[outAt + 1]!);

  const dir = resolve(root, 'manifest', 'teams');
  const template = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  const manifest = fillManifest(template, appId.toLowerCase(), version, env.PUBLIC_URL);
  const archive = zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: 'color.png', data: readFileSync(resolve(dir, 'color.png')) },
    { name: 'outline.png', data: readFileSync(resolve(dir, 'outline.png')) },
  ]);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, archive);
  console.log(`teams:package: wrote ${out} (app id ${appId.toLowerCase()}, version ${version})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2), process.env);
}
