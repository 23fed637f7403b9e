// Build step (`pnpm --filter @nsinit/runtime build`): compiles the default seccomp profile of
// @nsinit/config with this build's addon and writes dist/default-seccomp.json, which
// seccomp-cache.ts uses instead of compiling it at every container start. Without a loadable
// addon nothing is written and every start compiles (a note says so).
import { writeFileSync } from 'node:fs';
import { defaultSeccompProfile } from '@nsinit/config';
import { loadNative } from '@nsinit/native';
import { filterKey } from './seccomp-cache.js';
import { compileSeccompProgram, seccompFromOci } from './seccomp.js';

try {
  const spec = seccompFromOci(defaultSeccompProfile(), '/linux/seccomp');
  const program = compileSeccompProgram(spec, loadNative().compileSeccomp);
  const out = new URL('../default-seccomp.json', import.meta.url);
  writeFileSync(
    out,
    `${JSON.stringify({ key: filterKey(spec), program: Buffer.from(program).toString('base64') })}\n`,
  );
} catch (err) {
  process.stderr.write(`write-default-filter: not precompiled (${(err as Error).message.split('\n')[0]})\n`);
}
