import type { ValidationError } from './types.js';

/**
 * A JSON Schema, restricted to the keywords this package's schemas use.
 * `checkAgainstSchema` interprets exactly these; a test keeps the schemas to
 * this set and compares the verdicts with a full validator (Ajv).
 */
export interface JsonSchema {
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  enum?: readonly unknown[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  'title', 'description', 'type', 'enum', 'properties', 'required', 'additionalProperties', 'items',
  'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum',
]);

/** Past this many problems a document is hostile or hopeless; stop collecting. */
const MAX_ERRORS = 50;

const typeOf = (value: unknown): JsonType => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (t === 'string' || t === 'boolean' || t === 'object') return t;
  // undefined, functions, symbols, bigints never appear in JSON.
  return 'null';
};

const matchesType = (value: unknown, type: JsonType): boolean => {
  const actual = typeOf(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  if (type === 'null') return value === null;
  return actual === type;
};

const describeType = (value: unknown): string => {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeOf(value);
};

const escapePointer = (key: string): string => (/[~/]/.test(key) ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key);

/**
 * A schema node as `visit` reads it: every keyword present (undefined when
 * the schema has none), so all nodes share one shape. Schemas written as
 * object literals each have a shape of their own, and reading keywords from
 * a dozen shapes made every property read a slow lookup; the walk of a
 * session's few thousand values took twice as long.
 */
class SchemaNode {
  readonly types: readonly JsonType[] | undefined;
  readonly typeText: string;
  readonly enumValues: readonly unknown[] | undefined;
  readonly properties: ReadonlyMap<string, SchemaNode>;
  readonly required: readonly string[];
  readonly closed: boolean;
  readonly items: SchemaNode | undefined;
  readonly minItems: number | undefined;
  readonly maxItems: number | undefined;
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly pattern: string | undefined;
  readonly re: RegExp | undefined;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly exclusiveMinimum: number | undefined;
  readonly exclusiveMaximum: number | undefined;

  constructor(schema: JsonSchema) {
    const { type } = schema;
    this.types = type === undefined ? undefined : typeof type === 'string' ? [type] : [...type];
    this.typeText = type === undefined ? '' : typeof type === 'string' ? type : type.join(' or ');
    this.enumValues = schema.enum;
    this.properties = new Map(Object.entries(schema.properties ?? {}).map(([key, sub]) => [key, compiled(sub)]));
    this.required = schema.required ?? [];
    this.closed = schema.additionalProperties === false;
    this.items = schema.items ? compiled(schema.items) : undefined;
    this.minItems = schema.minItems;
    this.maxItems = schema.maxItems;
    this.minLength = schema.minLength;
    this.maxLength = schema.maxLength;
    this.pattern = schema.pattern;
    this.re = schema.pattern === undefined ? undefined : new RegExp(schema.pattern, 'u');
    this.minimum = schema.minimum;
    this.maximum = schema.maximum;
    this.exclusiveMinimum = schema.exclusiveMinimum;
    this.exclusiveMaximum = schema.exclusiveMaximum;
  }
}

/** Each schema object compiled once (schemas are constants; a test's throwaway schema is let go with it). */
const nodes = new WeakMap<JsonSchema, SchemaNode>();
function compiled(schema: JsonSchema): SchemaNode {
  let node = nodes.get(schema);
  if (!node) {
    node = new SchemaNode(schema);
    nodes.set(schema, node);
  }
  return node;
}

/** Checks `value` against `schema`; every problem comes back with its JSON-pointer path. */
export function checkAgainstSchema(schema: JsonSchema, value: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  visit(compiled(schema), value, [], errors);
  return errors;
}

/**
 * The path is a stack of raw segments (property names, array indices),
 * escaped and joined only when a problem is reported: most documents have
 * none, and a session's few thousand values then cost no string each.
 */
type Path = (string | number)[];
const pointer = (segments: Readonly<Path>): string =>
  segments.length === 0 ? '/' : `/${segments.map((s) => (typeof s === 'number' ? String(s) : escapePointer(s))).join('/')}`;

function report(errors: ValidationError[], path: Readonly<Path>, message: string): void {
  if (errors.length < MAX_ERRORS) errors.push({ path: pointer(path), message });
}

function visit(node: SchemaNode, value: unknown, path: Path, errors: ValidationError[]): void {
  if (errors.length >= MAX_ERRORS) return;
  // No closure or array per call: a session visits a few thousand values.
  const types = node.types;
  if (types !== undefined) {
    // JSON has no NaN or Infinity: they arrive only from code, and are never valid numbers.
    const numberOk = typeof value !== 'number' || Number.isFinite(value);
    let typeOk = false;
    for (let i = 0; numberOk && !typeOk && i < types.length; i++) typeOk = matchesType(value, types[i]!);
    if (!typeOk) {
      report(errors, path, `must be ${node.typeText}, got ${describeType(value)}`);
      return;
    }
  }
  if (node.enumValues !== undefined && !node.enumValues.some((e) => e === value)) {
    report(errors, path, `must be one of ${node.enumValues.map((e) => JSON.stringify(e)).join(', ')}, got ${truncate(JSON.stringify(value))}`);
    return;
  }

  if (typeof value === 'string') {
    // JSON Schema counts code points; UTF-16 length is an upper bound, so count only when it matters.
    const tooShort = node.minLength !== undefined && (value.length < node.minLength || codePoints(value) < node.minLength);
    const tooLong = node.maxLength !== undefined && value.length > node.maxLength && codePoints(value) > node.maxLength;
    if (tooShort) report(errors, path, `must be at least ${node.minLength} characters long`);
    if (tooLong) {
      report(errors, path, `must be at most ${node.maxLength} characters long, got ${codePoints(value)}`);
    } else if (node.re !== undefined && !node.re.test(value)) {
      report(errors, path, `must match ${node.pattern}, got ${truncate(JSON.stringify(value))}`);
    }
  } else if (typeof value === 'number') {
    if (node.minimum !== undefined && value < node.minimum) report(errors, path, `must be >= ${node.minimum}, got ${value}`);
    if (node.maximum !== undefined && value > node.maximum) report(errors, path, `must be <= ${node.maximum}, got ${value}`);
    if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) report(errors, path, `must be > ${node.exclusiveMinimum}, got ${value}`);
    if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) report(errors, path, `must be < ${node.exclusiveMaximum}, got ${value}`);
  } else if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) report(errors, path, `must have at least ${node.minItems} items, got ${value.length}`);
    if (node.maxItems !== undefined && value.length > node.maxItems) {
      // Do not walk a hostile array's items.
      report(errors, path, `must have at most ${node.maxItems} items, got ${value.length}`);
      return;
    }
    const items = node.items;
    if (items !== undefined) {
      for (let i = 0; i < value.length && errors.length < MAX_ERRORS; i++) {
        path.push(i);
        visit(items, value[i], path, errors);
        path.pop();
      }
    }
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const key of node.required) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) {
        path.push(key);
        report(errors, path, 'is required');
        path.pop();
      }
    }
    for (const key of Object.keys(obj)) {
      const sub = node.properties.get(key);
      if (sub === undefined && !node.closed) continue;
      path.push(key);
      if (sub !== undefined) visit(sub, obj[key], path, errors);
      else report(errors, path, 'is not allowed here');
      path.pop();
    }
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const truncate = (s: string | undefined): string => {
  const text = s ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
