/**
 * The OpenAPI 3.1 description of `/api/v1` — exactly the routes `intake.ts` serves. Kept as a TS
 * object beside the routes so a change to one shows up in review next to the other; the tests
 * check the paths against the router and the schemas against real responses.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The incident number (#42 is 42).',
  schema: { type: 'integer', minimum: 1 },
};

const errors = {
  '400': error('Invalid input or malformed JSON; `field` names the offending field.'),
  '401': error('Missing or wrong bearer token.'),
  '413': error('Body larger than 64 kB.'),
  '415': error('Body not sent as application/json.'),
};

const severity = { type: 'string', enum: ['SEV1', 'SEV2', 'SEV3', 'SEV4'] };
const labels = { type: 'object', additionalProperties: { type: 'string' } };

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: {
            type: 'string',
            description:
              'INVALID_INPUT, MALFORMED_JSON, UNAUTHORIZED, FORBIDDEN, INCIDENT_NOT_FOUND, NOT_FOUND, ALREADY_RESOLVED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, INTERNAL',
          },
          message: { type: 'string' },
          field: { type: 'string' },
        },
      },
    },
  },
  Incident: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'title',
      'summary',
      'severity',
      'service',
      'status',
      'source',
      'externalKey',
      'createdAt',
      'resolvedAt',
      'resolutionNote',
      'lastStakeholderUpdateAt',
    ],
    properties: {
      id: { type: 'integer', minimum: 1 },
      title: { type: 'string' },
      summary: { type: 'string', description: 'The stakeholder summary: impact in plain words.' },
      severity,
      service: nullable('string'),
      status: { type: 'string', enum: ['open', 'resolved'] },
      source: { type: 'string', enum: ['slack', 'teams', 'api', 'alertmanager'] },
      externalKey: nullable('string'),
      createdAt: { type: 'string', format: 'date-time' },
      resolvedAt: nullable('string', { format: 'date-time' }),
      resolutionNote: nullable('string'),
      lastStakeholderUpdateAt: nullable('string', { format: 'date-time' }),
    },
  },
  StatusUpdate: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'text', 'notify', 'createdAt'],
    properties: {
      id: { type: 'integer', minimum: 1 },
      text: { type: 'string' },
      notify: { type: 'boolean', description: 'Sent to stakeholders.' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  DeclareRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['title'],
    properties: {
      title: { type: 'string', minLength: 1, maxLength: 200 },
      summary: { type: 'string', maxLength: 3000 },
      severity: { ...severity, default: 'SEV3' },
      service: nullable('string', { maxLength: 100 }),
      externalKey: nullable('string', {
        minLength: 1,
        maxLength: 200,
        description:
          'Makes the call idempotent: the same key returns the same incident (200). The "alertmanager:" prefix is reserved.',
      }),
    },
  },
  DeclareResponse: {
    type: 'object',
    additionalProperties: false,
    required: ['incident', 'created'],
    properties: { incident: ref('Incident'), created: { type: 'boolean' } },
  },
  IncidentDetails: {
    type: 'object',
    additionalProperties: false,
    required: ['incident', 'updates', 'stakeholders'],
    properties: {
      incident: ref('Incident'),
      updates: { type: 'array', items: ref('StatusUpdate'), description: 'Newest first.' },
      stakeholders: { type: 'integer', minimum: 0, description: 'People who would be told now.' },
    },
  },
  UpdateRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    properties: {
      text: { type: 'string', minLength: 1, maxLength: 3000 },
      notify: {
        type: 'boolean',
        default: false,
        description: 'Send as update to stakeholders; otherwise internal.',
      },
    },
  },
  UpdateResponse: {
    type: 'object',
    additionalProperties: false,
    required: ['update', 'notified'],
    properties: {
      update: ref('StatusUpdate'),
      notified: { type: 'integer', minimum: 0, description: 'People the update was sent to.' },
    },
  },
  ResolveRequest: {
    type: 'object',
    additionalProperties: false,
    properties: { note: nullable('string', { maxLength: 3000 }) },
  },
  ResolveResponse: {
    type: 'object',
    additionalProperties: false,
    required: ['incident', 'notified'],
    properties: { incident: ref('Incident'), notified: { type: 'integer', minimum: 0 } },
  },
  AlertmanagerPayload: {
    type: 'object',
    description: 'Alertmanager webhook payload, version 4.',
    required: [
      'version',
      'groupKey',
      'status',
      'receiver',
      'groupLabels',
      'commonLabels',
      'commonAnnotations',
      'externalURL',
      'alerts',
    ],
    properties: {
      version: { const: '4' },
      groupKey: { type: 'string', minLength: 1 },
      truncatedAlerts: { type: 'integer', minimum: 0 },
      status: { type: 'string', enum: ['firing', 'resolved'] },
      receiver: { type: 'string' },
      groupLabels: labels,
      commonLabels: labels,
      commonAnnotations: labels,
      externalURL: { type: 'string' },
      alerts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'fingerprint'],
          properties: {
            status: { type: 'string', enum: ['firing', 'resolved'] },
            labels,
            annotations: labels,
            startsAt: { type: 'string' },
            endsAt: { type: 'string' },
            generatorURL: { type: 'string' },
            fingerprint: { type: 'string', minLength: 1 },
          },
        },
      },
    },
  },
  AlertmanagerResponse: {
    type: 'object',
    additionalProperties: false,
    required: ['action', 'incident'],
    properties: {
      action: {
        type: 'string',
        enum: ['declared', 'updated', 'unchanged', 'resolved', 'ignored'],
      },
      incident: { oneOf: [ref('Incident'), { type: 'null' }] },
    },
  },
};

/** The OpenAPI document served at `GET /api/v1/openapi.json`, with `serverUrl` as its server. */
export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald intake API',
      version: '1.0.0',
      description:
        'Declare, update and resolve incidents from monitoring tools, and receive Prometheus Alertmanager webhooks. Every call needs `Authorization: Bearer $INTAKE_TOKEN`.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/incidents': {
        post: {
          operationId: 'declareIncident',
          summary: 'Declare an incident (idempotent on externalKey)',
          requestBody: { required: true, ...json(ref('DeclareRequest')) },
          responses: {
            '201': { description: 'Declared.', ...json(ref('DeclareResponse')) },
            '200': {
              description: 'An incident with this externalKey already exists; returned unchanged.',
              ...json(ref('DeclareResponse')),
            },
            ...errors,
          },
        },
      },
      '/api/v1/incidents/{id}': {
        get: {
          operationId: 'getIncident',
          summary: 'One incident with its latest updates',
          parameters: [idParam],
          responses: {
            '200': { description: 'The incident.', ...json(ref('IncidentDetails')) },
            '400': errors['400'],
            '401': errors['401'],
            '404': error('No such incident.'),
          },
        },
      },
      '/api/v1/incidents/{id}/updates': {
        post: {
          operationId: 'postStatusUpdate',
          summary: 'Add a status update; with notify=true it is sent to stakeholders',
          parameters: [idParam],
          requestBody: { required: true, ...json(ref('UpdateRequest')) },
          responses: {
            '201': { description: 'Added.', ...json(ref('UpdateResponse')) },
            ...errors,
            '404': error('No such incident.'),
            '409': error('The incident is resolved (ALREADY_RESOLVED).'),
          },
        },
      },
      '/api/v1/incidents/{id}/resolve': {
        post: {
          operationId: 'resolveIncident',
          summary: 'Resolve an incident and tell its stakeholders',
          parameters: [idParam],
          requestBody: { required: false, ...json(ref('ResolveRequest')) },
          responses: {
            '200': { description: 'Resolved.', ...json(ref('ResolveResponse')) },
            ...errors,
            '404': error('No such incident.'),
            '409': error('Already resolved (ALREADY_RESOLVED).'),
          },
        },
      },
      '/api/v1/alertmanager': {
        post: {
          operationId: 'alertmanagerWebhook',
          summary: 'Prometheus Alertmanager receiver: one incident per groupKey',
          description:
            "firing declares the group's incident, or adds an internal update when the set of firing alerts changed; resolved resolves it. Repeats are no-ops; a firing after resolution opens a new incident.",
          requestBody: { required: true, ...json(ref('AlertmanagerPayload')) },
          responses: {
            '201': { description: 'Incident declared.', ...json(ref('AlertmanagerResponse')) },
            '200': {
              description: 'Updated, resolved, or nothing to do.',
              ...json(ref('AlertmanagerResponse')),
            },
            ...errors,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas,
    },
  };
}
