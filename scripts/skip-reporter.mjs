// A vitest reporter that records every skipped test with the reason given to ctx.skip(reason),
// which vitest's JSON report leaves out. Writes [{file, name, reason}] to the path in
// NSINIT_SKIPS_FILE (default .vitest-skips.json); scripts/test-summary.mjs groups and checks them.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export default class SkipReporter {
  onTestRunEnd(testModules) {
    const skips = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        skips.push({
          file: relative(process.cwd(), mod.moduleId),
          name: test.fullName,
          reason: result.note ?? `(no reason given: ${test.options.mode})`,
        });
      }
    }
    writeFileSync(
      process.env.NSINIT_SKIPS_FILE ?? '.vitest-skips.json',
      `${JSON.stringify(skips, null, 2)}\n`,
    );
  }
}
