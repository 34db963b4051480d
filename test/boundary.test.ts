import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Dependencies point inward (ARCHITECTURE.md). The sources are parsed with the TypeScript compiler,
// so every form of import counts — `import`, `import type`, `export … from`, a type's
// `import('…')`, a dynamic `import()`, `require()` — and comments never do. A dynamic import whose
// target is computed cannot be checked, so it is a violation wherever a rule applies.
//
// What is an adapter: a subfolder of adapters/ (cron, email, http, slack, teams, web). A file at the
// top of adapters/ (door.ts, the contract between the composition root and every door) belongs to
// no adapter: each adapter may import it, and it may import no adapter, since through it each
// would then depend on that one.

const root = fileURLToPath(new URL('..', import.meta.url));

/** Repository-relative path (posix) → source text. */
type Files = ReadonlyMap<string, string>;

function readTree(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) readTree(path, into);
    else if (/\.[cm]?[jt]sx?$/.test(name) && !name.endsWith('.d.ts'))
      into.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return into;
}

/** src/, adapters/ and db/ as they are on disk. */
const repo: Files = new Map(['src', 'adapters', 'db'].flatMap((d) => [...readTree(join(root, d))]));

interface Import {
  /** As written; null for a dynamic import of a computed target. */
  specifier: string | null;
  line: number;
}

interface Literal {
  text: string;
  line: number;
}

/** Every import of a file, and the text of its string, template and regular expression literals. */
function parse(file: string, text: string): { imports: Import[]; literals: Literal[] } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const imports: Import[] = [];
  const literals: Literal[] = [];
  const lineOf = (node: ts.Node) =>
    source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const literal = (node: ts.Node | undefined): string | null =>
    node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
      ? node.text
      : null;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier)
        imports.push({ specifier: literal(node.moduleSpecifier), line: lineOf(node) });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      imports.push({ specifier: literal(node.moduleReference.expression), line: lineOf(node) });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      imports.push({
        specifier: ts.isLiteralTypeNode(arg) ? literal(arg.literal) : null,
        line: lineOf(node),
      });
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      imports.push({ specifier: literal(node.arguments[0]), line: lineOf(node) });
    }
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      literals.push({ text: node.text, line: lineOf(node) });
    } else if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      literals.push({ text: node.getText(source), line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, literals };
}

/**
 * Where an import points: a repository-relative path for a relative specifier (`db/store.js`),
 * else the specifier itself (a package, `node:fs`).
 */
const target = (from: string, specifier: string): string =>
  specifier.startsWith('.')
    ? posix.normalize(posix.join(posix.dirname(from), specifier))
    : specifier;

/** The source file a repository-relative import target names, if it is one of `files`. */
function fileOf(files: Files, path: string): string | null {
  const base = path.replace(/\.[cm]?js$/, '');
  const candidates = [path, `${base}.ts`, `${base}.tsx`, `${base}.mts`, `${path}/index.ts`];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** The adapter a file belongs to: its subfolder of adapters/; null outside one (door.ts too). */
const adapterOf = (path: string): string | null => /^adapters\/([^/]+)\//.exec(path)?.[1] ?? null;

const under = (dir: string) => (path: string) => path.startsWith(`${dir}/`);
const isCore = (path: string) => under('src')(path) && path !== 'src/main.ts';

/** Runs `check` on each import of each file `applies` to; a computed dynamic import always fails. */
function importViolations(
  files: Files,
  applies: (path: string) => boolean,
  check: (target: string) => string | null,
): string[] {
  const found: string[] = [];
  for (const [path, text] of files) {
    if (!applies(path)) continue;
    for (const { specifier, line } of parse(path, text).imports) {
      const why =
        specifier === null
          ? 'import() of a computed target, which cannot be checked'
          : check(target(path, specifier));
      if (why) found.push(`${path}:${line}: ${specifier ?? 'import(…)'} — ${why}`);
    }
  }
  return found;
}

const PLATFORM_SDK = /^(@slack\/|@microsoft\/|botbuilder|botframework)/;
const DATABASE = /^(drizzle-orm|better-sqlite3|pg|postgres)(\/|$)/;

/** src/ (but the composition root) depends on no adapter, no db/, no SDK, driver, mailer or server. */
const coreImportLeaks = (files: Files) =>
  importViolations(files, isCore, (t) => {
    if (under('adapters')(t) || under('db')(t)) return 'the core imports an outer layer';
    if (PLATFORM_SDK.test(t)) return 'the core imports a platform SDK';
    if (DATABASE.test(t)) return 'the core imports a database library';
    if (/^(nodemailer|express)(\/|$)/.test(t)) return 'the core imports a transport';
    return null;
  });

/** adapters/ reach the database only through the core's ports: no db/, no database library. */
const adapterDatabaseLeaks = (files: Files) =>
  importViolations(files, under('adapters'), (t) => {
    if (under('db')(t)) return 'an adapter imports db/';
    if (DATABASE.test(t)) return 'an adapter imports a database library';
    return null;
  });

/**
 * No adapter depends on another, directly or through any module in between (an adapter importing
 * src/main.ts would reach them all); a file at the top of adapters/ depends on none.
 */
function crossAdapterImports(files: Files): string[] {
  const edges = new Map<string, Array<{ to: string; line: number }>>();
  const edgesOf = (path: string) => {
    let out = edges.get(path);
    if (!out) {
      out = [];
      for (const { specifier, line } of parse(path, files.get(path) ?? '').imports) {
        const to = specifier?.startsWith('.') ? fileOf(files, target(path, specifier)) : null;
        if (to) out.push({ to, line });
      }
      edges.set(path, out);
    }
    return out;
  };
  const found = new Set<string>();
  for (const start of files.keys()) {
    if (!under('adapters')(start)) continue;
    const own = adapterOf(start);
    // Breadth first from the file: the first path found to another adapter is the shortest.
    const via = new Map<string, string[]>([[start, [start]]]);
    const queue = [start];
    while (queue.length > 0) {
      const path = queue.shift()!;
      for (const { to, line } of edgesOf(path)) {
        if (via.has(to)) continue;
        const chain = [...via.get(path)!.slice(0, -1), `${path}:${line}`, to];
        const other = adapterOf(to);
        if (other !== null && other !== own) {
          const who = own === null ? start : `adapters/${own}`;
          found.add(`${who} depends on adapters/${other}: ${chain.join(' → ')}`);
          continue;
        }
        via.set(to, chain);
        queue.push(to);
      }
    }
  }
  return [...found].sort();
}

/** Platform markup the doors decode (adapters/slack/dialect.ts, adapters/teams/dialect.ts). */
const MARKUP: ReadonlyArray<[string, RegExp]> = [
  ['a Slack mention, channel or special link (<@…>, <#…>, <!…>)', /<[@#!]/],
  ['a mailto: link', /mailto:/i],
  ['an HTML entity as Slack escapes (&lt; &gt; &amp;)', /&(?:lt|gt|amp);/],
  ['a Teams <at> mention', /<\\?\/?at\b/i],
];

/** src/ (but the composition root) handles no Slack or Teams markup: the doors decode their own. */
function coreMarkup(files: Files): string[] {
  const found: string[] = [];
  for (const [path, text] of files) {
    if (!isCore(path)) continue;
    for (const { text: value, line } of parse(path, text).literals) {
      for (const [what, pattern] of MARKUP) {
        if (pattern.test(value)) found.push(`${path}:${line}: ${what} — ${value.slice(0, 60)}`);
      }
    }
  }
  return found;
}

describe('dependencies point inward (ARCHITECTURE.md)', () => {
  it('the scan sees the real tree: six adapters, each importing door.ts', () => {
    const adapters = new Set([...repo.keys()].map(adapterOf).filter((a) => a !== null));
    expect([...adapters].sort()).toEqual(['cron', 'email', 'http', 'slack', 'teams', 'web']);
    const importingDoor = [...repo]
      .filter(([path, text]) =>
        parse(path, text).imports.some(
          (i) => i.specifier !== null && target(path, i.specifier) === 'adapters/door.js',
        ),
      )
      .map(([path]) => adapterOf(path));
    expect([...new Set(importingDoor.filter((a) => a !== null))].sort()).toEqual(
      [...adapters].sort(),
    );
  });

  it('src/ imports no adapter, no db, no platform SDK, database library, mailer or server (src/main.ts aside)', () => {
    expect(coreImportLeaks(repo)).toEqual([]);
  });

  it('adapters/ never import db/ (nor a database library)', () => {
    expect(adapterDatabaseLeaks(repo)).toEqual([]);
  });

  it('no adapter imports another adapter, directly or through another module (door.ts is shared)', () => {
    expect(crossAdapterImports(repo)).toEqual([]);
  });

  it('src/ handles no Slack or Teams markup (src/main.ts aside)', () => {
    expect(coreMarkup(repo)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const files = (entries: Record<string, string>): Files => new Map(Object.entries(entries));

  it('catch every form of import, and a computed one', () => {
    const leaks = coreImportLeaks(
      files({
        'src/a.ts': [
          "import { App } from '@slack/bolt';",
          "import type { Store } from '../db/store.js';",
          "export { x } from '../adapters/slack/index.js';",
          "const bb = await import('botbuilder');",
          "type T = import('drizzle-orm').SQL;",
          "const m = require('nodemailer');",
          'const anything = await import(name);',
          "import 'express';",
          "import { x } from './ports.js';",
          "import { y } from 'zod';",
          '// import { z } from "../db/store.js"; a comment is not an import',
        ].join('\n'),
        'src/main.ts': "import { openSqlite } from '../db/client.js';",
      }),
    );
    expect(leaks.map((l) => l.replace(/ — .*/, ''))).toEqual([
      'src/a.ts:1: @slack/bolt',
      'src/a.ts:2: ../db/store.js',
      'src/a.ts:3: ../adapters/slack/index.js',
      'src/a.ts:4: botbuilder',
      'src/a.ts:5: drizzle-orm',
      'src/a.ts:6: nodemailer',
      'src/a.ts:7: import(…)',
      'src/a.ts:8: express',
    ]);
  });

  it('catch an adapter importing db/ or a driver, however deep it sits', () => {
    expect(
      adapterDatabaseLeaks(
        files({
          'adapters/slack/listeners/x.ts': "import { createStore } from '../../../db/store.js';",
          'adapters/http/y.ts': "const { default: Database } = await import('better-sqlite3');",
          'adapters/email/z.ts': "import { sql } from 'drizzle-orm';",
          'adapters/teams/ok.ts': "import type { Store } from '../../src/ports.js';",
        }),
      ).map((l) => l.split(':')[0]),
    ).toEqual(['adapters/slack/listeners/x.ts', 'adapters/http/y.ts', 'adapters/email/z.ts']);
  });

  it('catch an adapter reaching another, directly, dynamically or through the composition root', () => {
    const tree = files({
      'adapters/door.ts': "import type { Config } from '../src/config.js';",
      'adapters/slack/index.ts': [
        "import type { DoorFactory } from '../door.js';",
        "import { fromSlackText } from './dialect.js';",
        "import { homeView } from './views/home.js';",
      ].join('\n'),
      'adapters/slack/dialect.ts': "import { plainInput } from '../../src/commands/types.js';",
      'adapters/slack/views/home.ts': "import { escapeSlack } from '../escape.js';",
      'adapters/slack/escape.ts': '',
      'adapters/teams/index.ts': "const { fromSlackText } = await import('../slack/dialect.js');",
      'adapters/email/index.ts': "import { startHerald } from '../../src/main.js';",
      'adapters/cron/index.ts': "import { Door } from '../door.js';",
      'src/main.ts': "import { createSlackDoor } from '../adapters/slack/index.js';",
      'src/commands/types.ts': '',
      'src/config.ts': '',
    });
    expect(crossAdapterImports(tree)).toEqual([
      'adapters/email depends on adapters/slack: adapters/email/index.ts:1 → src/main.ts:1 → adapters/slack/index.ts',
      'adapters/teams depends on adapters/slack: adapters/teams/index.ts:1 → adapters/slack/dialect.ts',
    ]);
    const shared = new Map(tree);
    shared.set('adapters/door.ts', "import type { Client } from './slack/deps.js';");
    shared.set('adapters/slack/deps.ts', '');
    expect(crossAdapterImports(shared)).toContain(
      'adapters/door.ts depends on adapters/slack: adapters/door.ts:1 → adapters/slack/deps.ts',
    );
  });

  it('catch markup in strings, templates and regular expressions, not in comments', () => {
    const found = coreMarkup(
      files({
        'src/commands/a.ts': [
          '/** A door decodes `<@U1|bob>`, `<at>Bob</at>`, `<mailto:a@b|a@b>` and `&lt;`. */',
          'const mention = /<@(U\\w+)(?:\\|[^>]*)?>/g;',
          "const teams = text.replace(/<at>([^<]*)<\\/at>/g, '$1');",
          "const mail = 'mailto:';",
          'const lt = `${a}&lt;${b}`;',
          "const here = '<!here>';",
          "const ok = 'a < b, @here, at 5';",
        ].join('\n'),
        'src/main.ts': "const allowed = '<@U1>';",
      }),
    );
    expect(found.map((f) => f.replace(/ — .*/s, ''))).toEqual([
      'src/commands/a.ts:2: a Slack mention, channel or special link (<@…>, <#…>, <!…>)',
      'src/commands/a.ts:3: a Teams <at> mention',
      'src/commands/a.ts:4: a mailto: link',
      'src/commands/a.ts:5: an HTML entity as Slack escapes (&lt; &gt; &amp;)',
      'src/commands/a.ts:6: a Slack mention, channel or special link (<@…>, <#…>, <!…>)',
    ]);
  });
});
