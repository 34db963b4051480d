import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { intakeRouter } from '../../adapters/http/intake.js';
import { silentLogger } from '../../src/logger.js';
import { coreHarness } from '../support/core.js';
import { startApi, type ApiHarness, type ApiResponse } from './harness.js';
import { readFileSync } from 'node:fs';

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<
          string,
          { content?: { 'application/json': { schema: { $ref: string } } } }
        >;
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
}

let api: ApiHarness;
let doc: OpenApiDoc;
beforeEach(async () => {
  api = await startApi();
  const res = await api.call('GET', '/api/v1/openapi.json', { token: null });
  expect(res.status).toBe(200);
  doc = res.body as OpenApiDoc;
});
afterEach(async () => {
  await api.stop();
});

const ROUTES = [
  'GET /api/v1/incidents/{id}',
  'POST /api/v1/alertmanager',
  'POST /api/v1/incidents',
  'POST /api/v1/incidents/{id}/resolve',
  'POST /api/v1/incidents/{id}/updates',
];

/** The routes the intake router really serves, from express's own route table. */
async function servedRoutes(): Promise<string[]> {
  const h = coreHarness();
  try {
    const router = intakeRouter({
      ctx: h.ctx,
      token: 'x'.repeat(16),
      actor: () => {
        throw new Error('not called');
      },
      publicUrl: 'http://localhost',
      logger: silentLogger,
    }) as unknown as {
      stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }>;
    };
    return router.stack
      .flatMap((layer) =>
        layer.route
          ? Object.keys(layer.route.methods)
              // `_all` is the route's 405 for every other method, not a route of its own.
              .filter((m) => m !== '_all')
              .map(
                (m) => `${m.toUpperCase()} /api/v1${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
              )
          : [],
      )
      .filter((r) => r !== 'GET /api/v1/openapi.json')
      .sort();
  } finally {
    await h.close();
  }
}

describe('GET /api/v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing exactly the routes the router serves', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(listed).toEqual(ROUTES);
    expect(await servedRoutes()).toEqual(ROUTES);
  });

  it('every $ref resolves and the schemas describe real responses', async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    // The component schemas as one JSON Schema 2020-12 document (`$defs`), compiled strictly.
    const defs = JSON.parse(
      JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
    ) as Record<string, unknown>;
    ajv.addSchema({ $id: 'herald-openapi', $defs: defs });
    const schemaFor = (ref: string) =>
      ajv.compile({ $ref: `herald-openapi${ref.replace('#/components/schemas/', '#/$defs/')}` });
    for (const name of Object.keys(defs)) schemaFor(`#/components/schemas/${name}`);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(\w+)"/.exec(ref)?.[1];
      expect(name && doc.components.schemas[name], ref).toBeTruthy();
    }
    const check = (method: string, path: string, res: ApiResponse) => {
      const op = doc.paths[path]?.[method];
      const content = op?.responses[String(res.status)]?.content;
      expect(content, `${method} ${path} ${res.status} is documented`).toBeDefined();
      const validate = schemaFor(content!['application/json'].schema.$ref);
      expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
    };

    const declared = await api.call('POST', '/api/v1/incidents', {
      body: { title: 'Checkout errors', service: 'checkout', externalKey: 'k' },
    });
    check('post', '/api/v1/incidents', declared);
    check(
      'post',
      '/api/v1/incidents',
      await api.call('POST', '/api/v1/incidents', { body: { title: 'x', externalKey: 'k' } }),
    );
    check('post', '/api/v1/incidents', await api.call('POST', '/api/v1/incidents', { body: {} }));
    check('post', '/api/v1/incidents', await api.call('POST', '/api/v1/incidents', { raw: '{' }));
    check(
      'post',
      '/api/v1/incidents',
      await api.call('POST', '/api/v1/incidents', { body: {}, token: null }),
    );
    const id = (declared.body as { incident: { id: number } }).incident.id;
    const one = `/api/v1/incidents/${id}`;
    check(
      'post',
      '/api/v1/incidents/{id}/updates',
      await api.call('POST', `${one}/updates`, { body: { text: 'x' } }),
    );
    check('get', '/api/v1/incidents/{id}', await api.call('GET', one));
    check('get', '/api/v1/incidents/{id}', await api.call('GET', '/api/v1/incidents/9999'));
    check('post', '/api/v1/incidents/{id}/resolve', await api.call('POST', `${one}/resolve`));
    check('post', '/api/v1/incidents/{id}/resolve', await api.call('POST', `${one}/resolve`));
    check(
      'post',
      '/api/v1/incidents/{id}/updates',
      await api.call('POST', `${one}/updates`, { body: { text: 'x' } }),
    );
    const firing = JSON.parse(
      readFileSync(new URL('./fixtures/firing.json', import.meta.url), 'utf8'),
    ) as unknown;
    const resolved = JSON.parse(
      readFileSync(new URL('./fixtures/resolved.json', import.meta.url), 'utf8'),
    ) as unknown;
    const payloadValid = schemaFor('#/components/schemas/AlertmanagerPayload');
    expect(payloadValid(firing)).toBe(true);
    check(
      'post',
      '/api/v1/alertmanager',
      await api.call('POST', '/api/v1/alertmanager', { body: firing }),
    );
    check(
      'post',
      '/api/v1/alertmanager',
      await api.call('POST', '/api/v1/alertmanager', { body: resolved }),
    );
    check(
      'post',
      '/api/v1/alertmanager',
      await api.call('POST', '/api/v1/alertmanager', { body: { version: '4' } }),
    );
  });
});
