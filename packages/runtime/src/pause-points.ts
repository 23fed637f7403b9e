// Points in start-up and join where the fault-injection tests stop the supervisor (cgroups-made, before-go,
// after-go, after-exec, join-before-go, before-teardown). In what users install this does nothing: only the CLI's
// test build (packages/cli/scripts/bundle.mjs, dist/nsinit-test-hooks.cjs) swaps in test-pause.ts,
// so no environment variable can make an installed nsinit write to a path it names.
export async function testPause(_point: string, _pid: number): Promise<void> {}
