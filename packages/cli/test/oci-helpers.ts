// Shared helpers of the nsinit-oci tests: reading state, waiting for a status, the init's view.
import { readFileSync, readlinkSync } from 'node:fs';
import type { OciBundle } from '@nsinit/testkit';
import { afterEach, beforeEach, expect } from 'vitest';
import { until } from './helpers.js';

export interface OciStateJson {
  ociVersion: string;
  id: string;
  status: string;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export async function stateOf(b: OciBundle, id: string): Promise<OciStateJson> {
  const r = await b.oci(['state', id]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as OciStateJson;
}

export async function waitStatus(b: OciBundle, id: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stateOf(b, id);
    if (s.status === status) return s;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${id} to be ${status} (is ${s.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Create and expect success; returns the state JSON. */
export async function created(b: OciBundle, id: string, args: string[] = []): Promise<OciStateJson> {
  const r = await b.create(id, args);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return stateOf(b, id);
}

/** Wait until the container's output contains `text`. */
export function outputContains(b: OciBundle, id: string, text: string): Promise<string> {
  return until(`'${text}' in the output of ${id}`, () => {
    const out = b.output(id);
    return out.includes(text) ? out : null;
  });
}

export function nsOf(pid: number | 'self', ns: string): string {
  return readlinkSync(`/proc/${pid}/ns/${ns}`);
}

export function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The two implementations of the verbs that compile no plan (start, state, kill, delete, pause,
 *  resume, ps --format json, list): bin/nsinit-oci's native program, which with
 *  NSINIT_OCI_FAST_ONLY=1 fails (exit 125) instead of handing such a verb to Node, and Node
 *  itself (NSINIT_OCI_NO_FAST=1). Suites run once per path: one behaviour, proved on both. */
export const OCI_PATHS = [
  { path: 'native verbs', env: { NSINIT_OCI_FAST_ONLY: '1' } },
  { path: 'Node verbs', env: { NSINIT_OCI_NO_FAST: '1' } },
] as const;

/** Set `env` for every nsinit-oci the tests of the calling suite run (children inherit it). */
export function useOciPath(env: Readonly<Record<string, string>>) {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}
