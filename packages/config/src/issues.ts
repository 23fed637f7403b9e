// The shape of a validation finding (JSON-pointer path, message, offending value) and how it is
// printed. No kernel facility.

/** One validation finding: `path` is a JSON pointer (RFC 6901) into the input, "" for the whole
 *  document; `value` is the offending value when there is one. */
export interface ConfigIssue {
  path: string;
  message: string;
  value?: unknown;
}

/** Append one reference token to a JSON pointer, escaping "~" and "/". */
export function pointer(base: string, token: string | number): string {
  return `${base}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `/cgroups/memory: expected a number of bytes, got "512m"`; the whole document prints as "/". */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path === '' ? '/' : issue.path}: ${issue.message}`;
}

/** A short rendering of a received value for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 60 ? `${quoted.slice(0, 56)}..."` : quoted;
  }
  return String(value);
}

export function issue(path: string, message: string, value?: unknown): ConfigIssue {
  return value === undefined ? { path, message } : { path, message, value };
}

/** Sort issues into the order their paths appear in `doc` (stable; a path that does not exist in
 *  the document sorts with its nearest existing ancestor), so reports read top to bottom. */
export function inDocumentOrder(doc: unknown, issues: ConfigIssue[]): ConfigIssue[] {
  if (issues.length < 2) return issues;
  const order = new Map<string, number>();
  // The schema is at most a few levels deep, so deeper input never holds an issue's position;
  // stopping there also keeps hostile nesting from exhausting the stack.
  const visit = (value: unknown, path: string, depth = 0) => {
    order.set(path, order.size);
    if (depth >= 8) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], pointer(path, i), depth + 1);
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        visit((value as Record<string, unknown>)[key], pointer(path, key), depth + 1);
      }
    }
  };
  visit(doc, '');
  const rank = (path: string): number => {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const r = order.get(p);
      if (r !== undefined) return r;
      if (p === '') return 0;
    }
  };
  return issues
    .map((item, i) => ({ item, i, r: rank(item.path) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.item);
}

/** Append every item; `list.push(...items)` passes each as an argument and a hostile config with a
 *  million entries would exhaust the stack. */
export function pushAll<T>(list: T[], items: readonly T[]): void {
  for (const item of items) list.push(item);
}
