// Test-only hook for the fault-injection suite (packages/cli/test/faults-*.test.ts), never shipped:
// the CLI's test build puts it in place of pause-points.ts, and the runtime's package leaves it out.
// NSINIT_TEST_PAUSE="<point>:<file>" stops start-up at <point> (before-go, after-go, after-exec,
// join-before-go, before-teardown), writes the child's host pid to <file> and waits until the
// test removes the file (or kills the supervisor).
import { existsSync, writeFileSync } from 'node:fs';

export async function testPause(point: string, pid: number): Promise<void> {
  const spec = process.env.NSINIT_TEST_PAUSE;
  if (!spec?.startsWith(`${point}:`)) return;
  const file = spec.slice(point.length + 1);
  writeFileSync(file, String(pid));
  while (existsSync(file)) await new Promise((r) => setTimeout(r, 10));
}
