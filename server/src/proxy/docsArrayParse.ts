import { MAX_DOCS_PER_BULK } from './bulkDocs.js';
import { DocsOnDemand } from './docsOnDemand.js';
import { MAX_IDS_PER_READ } from './readBodies.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Most elements read one at a time: a batch holds at most MAX_DOCS_PER_BULK
 * documents (and a `_bulk_get` MAX_IDS_PER_READ ids). A longer array, which
 * is refused anyway, is left to JSON.parse whole: a million tiny elements
 * parsed one by one would cost several times as long.
 */
const MOST_ELEMENTS = Math.max(MAX_DOCS_PER_BULK, MAX_IDS_PER_READ);

const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Top-level members this reader takes; any other body goes to JSON.parse whole. */
const MEMBERS = new Set(['docs', 'new_edits']);

/**
 * Parses an ASCII body of the shape `{"docs": [...], "new_edits": true|false}`
 * (`new_edits` optional, either order) one document at a time: the same value
 * as `JSON.parse` of the whole text, without first making the whole body one
 * string. A string of a megabyte is a fresh allocation whose first touch
 * costs more than parsing it (about 3.5 ms per MB on the development VM);
 * each document alone is small enough to be allocated where memory is reused.
 * Answers undefined when `scanDocsArray` does, or when an element does not
 * parse: the caller then parses the whole body, which also words the errors.
 */
export function parseDocsArray(bytes: Buffer): { docs: unknown[]; new_edits?: boolean } | undefined {
  const scanned = scanDocsArray(bytes);
  if (scanned === undefined) return undefined;
  const docs: unknown[] = [];
  for (let i = 0; i < scanned.docs.length; i++) {
    try {
      docs.push(scanned.docs.at(i));
    } catch {
      return undefined;
    }
  }
  return scanned.new_edits === undefined ? { docs } : { docs, new_edits: scanned.new_edits };
}

/**
 * Finds the elements of an ASCII body of the shape `{"docs": [...],
 * "new_edits": true|false}` by their brackets outside strings, without
 * parsing them (each is later parsed by JSON.parse, the same parser as the
 * store's). Answers undefined for anything else (another member, a key
 * spelled with escapes, a repeated member, `new_edits` other than a literal,
 * text after the object, brackets that do not match, more elements than
 * MOST_ELEMENTS).
 */
export function scanDocsArray(bytes: Buffer): { docs: DocsOnDemand; new_edits?: boolean } | undefined {
  const end = bytes.length;
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== OPEN_BRACE) return undefined;
  const out: { docs?: DocsOnDemand; new_edits?: boolean } = {};
  at = skipSpace(bytes, at + 1);
  for (;;) {
    if (bytes[at] !== QUOTE) return undefined;
    const keyEnd = bytes.indexOf(QUOTE, at + 1);
    if (keyEnd < 0) return undefined;
    const key = bytes.toString('latin1', at + 1, keyEnd);
    if (!MEMBERS.has(key) || key in out) return undefined;
    at = skipSpace(bytes, keyEnd + 1);
    if (bytes[at] !== COLON) return undefined;
    at = skipSpace(bytes, at + 1);
    if (key === 'docs') {
      const docs = scanArray(bytes, at);
      if (docs === undefined) return undefined;
      out.docs = new DocsOnDemand(bytes, docs.spans);
      at = docs.next;
    } else {
      const literal = bytes[at] === 0x74 ? 'true' : 'false';
      if (bytes.toString('latin1', at, at + literal.length) !== literal) return undefined;
      out.new_edits = literal === 'true';
      at += literal.length;
    }
    at = skipSpace(bytes, at);
    if (bytes[at] === COMMA) {
      at = skipSpace(bytes, at + 1);
      continue;
    }
    if (bytes[at] !== CLOSE_BRACE) return undefined;
    break;
  }
  if (skipSpace(bytes, at + 1) !== end || out.docs === undefined) return undefined;
  return out.new_edits === undefined ? { docs: out.docs } : { docs: out.docs, new_edits: out.new_edits };
}

function skipSpace(bytes: Buffer, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

/** The array starting at `at` (its `[`): where each element starts and ends; `next` is past its `]`. */
function scanArray(bytes: Buffer, at: number): { spans: number[]; next: number } | undefined {
  if (bytes[at] !== OPEN_BRACKET) return undefined;
  const spans: number[] = [];
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === CLOSE_BRACKET) return { spans, next: at + 1 };
  for (;;) {
    if (spans.length === 2 * MOST_ELEMENTS) return undefined;
    const elementEnd = endOfElement(bytes, at);
    if (elementEnd === undefined || elementEnd === at) return undefined;
    spans.push(at, elementEnd);
    at = skipSpace(bytes, elementEnd);
    if (bytes[at] === CLOSE_BRACKET) return { spans, next: at + 1 };
    if (bytes[at] !== COMMA) return undefined;
    at = skipSpace(bytes, at + 1);
  }
}

/**
 * Where the element starting at `at` ends: the first `,` or `]` outside
 * strings at its own depth. Strings are skipped to their closing quote, the
 * first one not escaped (preceded by an even number of backslashes).
 */
function endOfElement(bytes: Buffer, at: number): number | undefined {
  let depth = 0;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      i = endOfString(bytes, i);
      if (i < 0) return undefined;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (depth === 0) return byte === CLOSE_BRACKET ? trimEnd(bytes, at, i) : undefined;
      depth--;
    } else if (byte === COMMA && depth === 0) return trimEnd(bytes, at, i);
  }
  return undefined;
}

/** The index of the quote closing the string whose opening quote is at `open`; -1 if none. */
function endOfString(bytes: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** `end` moved back over white space, not before `start`. */
function trimEnd(bytes: Buffer, start: number, end: number): number {
  while (end > start && isSpace(bytes[end - 1])) end--;
  return end;
}
