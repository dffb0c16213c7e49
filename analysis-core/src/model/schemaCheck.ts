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

const patterns = new Map<string, RegExp>();
const regex = (source: string): RegExp => {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, 'u');
    patterns.set(source, re);
  }
  return re;
};

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

/** Checks `value` against `schema`; every problem comes back with its JSON-pointer path. */
export function checkAgainstSchema(schema: JsonSchema, value: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  visit(schema, value, [], errors);
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

function visit(schema: JsonSchema, value: unknown, path: Path, errors: ValidationError[]): void {
  if (errors.length >= MAX_ERRORS) return;
  // No closure or array per call: a session visits a few thousand values.
  const type = schema.type;
  if (type !== undefined) {
    // JSON has no NaN or Infinity: they arrive only from code, and are never valid numbers.
    const numberOk = typeof value !== 'number' || Number.isFinite(value);
    if (!numberOk || !(typeof type === 'string' ? matchesType(value, type) : type.some((t) => matchesType(value, t)))) {
      report(errors, path, `must be ${typeof type === 'string' ? type : type.join(' or ')}, got ${describeType(value)}`);
      return;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => e === value)) {
    report(errors, path, `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${truncate(JSON.stringify(value))}`);
    return;
  }

  if (typeof value === 'string') {
    // JSON Schema counts code points; UTF-16 length is an upper bound, so count only when it matters.
    const tooShort = schema.minLength !== undefined && (value.length < schema.minLength || codePoints(value) < schema.minLength);
    const tooLong = schema.maxLength !== undefined && value.length > schema.maxLength && codePoints(value) > schema.maxLength;
    if (tooShort) report(errors, path, `must be at least ${schema.minLength} characters long`);
    if (tooLong) {
      report(errors, path, `must be at most ${schema.maxLength} characters long, got ${codePoints(value)}`);
    } else if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) {
      report(errors, path, `must match ${schema.pattern}, got ${truncate(JSON.stringify(value))}`);
    }
  }

  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) report(errors, path, `must be >= ${schema.minimum}, got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum) report(errors, path, `must be <= ${schema.maximum}, got ${value}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) report(errors, path, `must be > ${schema.exclusiveMinimum}, got ${value}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) report(errors, path, `must be < ${schema.exclusiveMaximum}, got ${value}`);
  }

  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) report(errors, path, `must have at least ${schema.minItems} items, got ${value.length}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      // Do not walk a hostile array's items.
      report(errors, path, `must have at most ${schema.maxItems} items, got ${value.length}`);
      return;
    }
    if (schema.items) {
      for (let i = 0; i < value.length && errors.length < MAX_ERRORS; i++) {
        path.push(i);
        visit(schema.items, value[i], path, errors);
        path.pop();
      }
    }
  }

  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) {
        path.push(key);
        report(errors, path, 'is required');
        path.pop();
      }
    }
    const properties = schema.properties ?? {};
    for (const key of Object.keys(obj)) {
      const sub = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
      if (!sub && schema.additionalProperties !== false) continue;
      path.push(key);
      if (sub) visit(sub, obj[key], path, errors);
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
