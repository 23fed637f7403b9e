// How errors reach the user: one readable line on stderr (`nsinit: <message>`), and with --debug
// the error's fields (code, errno, syscall, path, step, ...) and its whole `cause` chain.
import type { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { mayBeTerminal } from './dead-terminal.js';

const FIELDS = ['code', 'errno', 'syscall', 'path', 'dest', 'step'] as const;

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** The one line users see (only the first line of a multi-line message). */
export function errorLines(err: unknown): string[] {
  if (!(err instanceof Error)) return [`nsinit: ${String(err)}`];
  return [`nsinit: ${lowerFirst(err.message.split('\n')[0]!)}`];
}

/** An invalid container.json, every issue on its own line as `config validate` prints them (the
 *  error's message names only the first); null for other errors. */
function configErrorLines(err: unknown): string[] | null {
  const e = err as { code?: unknown; path?: unknown; errors?: unknown } | null;
  if (e?.code !== 'ERR_NSINIT_INVALID_CONFIG' || typeof e.path !== 'string' || !Array.isArray(e.errors))
    return null;
  const issues = e.errors.filter(
    (i): i is { path: string; message: string } =>
      i !== null && typeof i === 'object' && typeof i.path === 'string' && typeof i.message === 'string',
  );
  if (issues.length < 2) return null;
  return [
    ...issues.map((i) => `${e.path}: error: ${i.path === '' ? '/' : i.path}: ${i.message}`),
    `nsinit: ${e.path} is not valid (${issues.length} errors)`,
  ];
}

/** Every issue of a config error, one per line (the message names only the first). */
function issueLines(err: unknown): string[] {
  const issues = (err as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(issues)) return [];
  const out: string[] = [];
  for (const issue of issues) {
    if (issue && typeof issue === 'object' && 'path' in issue && 'message' in issue) {
      const { path, message } = issue as { path: string; message: string };
      out.push(`  ${path === '' ? '/' : path}: ${message}`);
    }
  }
  return out.length > 0 ? ['issues:', ...out] : [];
}

/** Fields and the cause chain, one error per block, for --debug. */
export function debugLines(err: unknown): string[] {
  const out: string[] = [...issueLines(err)];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (!(current instanceof Error)) {
      out.push(`${depth === 0 ? 'error' : 'caused by'}: ${inspect(current)}`);
      break;
    }
    out.push(`${depth === 0 ? 'error' : 'caused by'}: ${current.name}: ${current.message.split('\n')[0]}`);
    for (const field of FIELDS) {
      const value = (current as unknown as Record<string, unknown>)[field];
      if (value !== undefined) out.push(`  ${field}: ${typeof value === 'string' ? value : inspect(value)}`);
    }
    if (current.stack) {
      for (const frame of current.stack
        .split('\n')
        .filter((l) => l.trimStart().startsWith('at '))
        .slice(0, 6)) {
        out.push(`  ${frame.trim()}`);
      }
    }
    current = current.cause;
  }
  return out;
}

export function reportError(stderr: Writable, err: unknown, debug: boolean): void {
  const lines = configErrorLines(err) ?? errorLines(err);
  if (debug) lines.push(...debugLines(err));
  stderr.write(`${lines.join('\n')}\n`);
}

/** Where a line of text goes: a stream, or lazyStderr(io). */
export interface TextSink {
  write(text: string): unknown;
}

/** io.stderr, touched only when there is something to write: process.stderr is a stream made on
 *  first use, and making it loads node:stream (node:net for a pipe) into every start. A terminal's
 *  is made now, while the terminal is there: made after a hangup, it would throw (EIO). */
export function lazyStderr(io: { readonly stderr: Writable }): TextSink {
  if (mayBeTerminal(2)) return io.stderr;
  return { write: (text) => io.stderr.write(text) };
}

export function warn(stderr: TextSink, message: string): void {
  stderr.write(`nsinit: warning: ${message}\n`);
}
