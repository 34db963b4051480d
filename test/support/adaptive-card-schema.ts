import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readSpec, specsAvailable } from './specs.js';

const require = createRequire(import.meta.url);

/** The newest card version PRODUCT §3 allows. */
const MAX_VERSION = [1, 5];

let validate: ValidateFunction | undefined;

/** The official Adaptive Card 1.5 schema (draft-06), compiled once. */
function validator(): ValidateFunction {
  if (!validate) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
    addFormats.default(ajv);
    // The file names itself with draft-04's `id`, which Ajv 8 refuses; `$id` means the same.
    const { id, ...schema } = readSpec<{ id?: string }>('adaptive-card.schema.json');
    validate = ajv.compile({ ...schema, ...(id ? { $id: id } : {}) });
  }
  return validate;
}

const versionTooNew = (version: unknown): boolean => {
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) return true;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MAX_VERSION[0]! || (major === MAX_VERSION[0] && minor > MAX_VERSION[1]!);
};

/**
 * What is wrong with an Adaptive Card: schema violations (`instancePath: message`) and a version
 * above 1.5. Empty when valid; `null` when the official schema is not available on this clone, so
 * callers can tell "valid" from "not checked".
 */
export function adaptiveCardErrors(card: unknown): string[] | null {
  if (!specsAvailable) return null;
  const check = validator();
  const errors = check(card)
    ? []
    : (check.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
  const version = (card as { version?: unknown } | null)?.version;
  if (versionTooNew(version)) errors.push(`/version: ${String(version)} is not 1.5 or lower`);
  return errors;
}
