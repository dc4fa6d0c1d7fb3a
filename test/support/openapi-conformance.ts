import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, Json> }>>;
  components: { schemas: Record<string, Json> };
}

/**
 * The closed form of a schema, for ajv: an object may hold only the properties the document
 * names.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closed(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined)
    out.additionalProperties = false;
  // OpenAPI 3.0 spells exclusive bounds as booleans beside minimum/maximum; ajv takes numbers.
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag]) out[flag] = out[bound];
      else delete out[flag];
      if (out[flag] !== undefined) delete out[bound];
    }
  }
  return out;
}

/**
 * Holds real answers to the OpenAPI document the app serves: the status must be documented for
 * the operation, the media type too, and a JSON body must match its schema with no field the
 * document does not name. (The document leaves response objects open for clients; tests do not.)
 */
export class OpenApiConformance {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    // ajv-formats is CommonJS: its default export is the plugin, also as its own `default`.
    addFormats.default(this.ajv);
    this.ajv.addSchema({ $id: 'herald', components: closed(document.components) }, 'herald');
  }

  /** Throws, naming the operation and what differs, unless the answer is what the document says. */
  check(method: string, pathTemplate: string, status: number, contentType: string, body: unknown) {
    const where = `${method.toUpperCase()} ${pathTemplate} → ${status}`;
    const operation = this.document.paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${where}: the document has no such operation`);
    const response = operation.responses?.[String(status)] as
      { content?: Record<string, { schema?: Json }> } | undefined;
    if (!response) throw new Error(`${where}: this status is not documented`);
    if (!response.content) {
      if (
        body !== undefined &&
        body !== '' &&
        !(typeof body === 'object' && !Object.keys(body as object).length)
      )
        throw new Error(`${where}: documented without a body, but one came`);
      return;
    }
    const media = contentType.split(';')[0].trim().toLowerCase();
    const entry = Object.entries(response.content).find(
      ([type]) => type.split(';')[0].trim().toLowerCase() === media,
    );
    if (!entry) {
      throw new Error(
        `${where}: answered ${media}, documented ${Object.keys(response.content).join(', ')}`,
      );
    }
    const schema = entry[1].schema;
    const ref = typeof schema?.$ref === 'string' ? schema.$ref : undefined;
    if (!ref) return; // text (CSV, Atom, Prometheus): the media type is what is documented
    const validate = this.validator(ref);
    if (!validate(body)) {
      const errors = (validate.errors ?? [])
        .slice(0, 10)
        .map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
        .join('\n  ');
      throw new Error(`${where}: the body does not match ${ref}:\n  ${errors}`);
    }
  }

  /** The document's path template that `path` (no query) is an instance of, for `method`. */
  templateOf(method: string, path: string): string | undefined {
    const candidates = Object.keys(this.document.paths).filter(
      (template) =>
        this.document.paths[template][method.toLowerCase()] !== undefined &&
        new RegExp(
          `^${template
            .split(/\{[^}]+\}/)
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]+')}$`,
        ).test(path),
    );
    // A literal segment wins over a parameter: /v1/tenants/bulk is not /v1/tenants/{id}.
    const params = (template: string) => template.split('{').length;
    return candidates.sort((a, b) => params(a) - params(b))[0];
  }

  private validator(ref: string): ValidateFunction {
    const found = this.validators.get(ref);
    if (found) return found;
    const validate = this.ajv.compile({ $ref: `herald${ref}` });
    this.validators.set(ref, validate);
    return validate;
  }
}
