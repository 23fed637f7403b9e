// Shared helpers of the nsinit-oci tests: reading state, waiting for a status, the init's view.
import { readFileSync, readlinkSync } from 'node:fs';
import type { OciBundle } from '@nsinit/testkit';
import { expect } from 'vitest';
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
