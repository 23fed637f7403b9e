// Renders the results as a Markdown report (printed and written to results/latest.md) with the
// ratios to runc and crun as the headline; results/latest.json keeps every number.
import { fmt, fmtRatio, ratio } from './stats.mjs';

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function byName(runners, name) {
  return runners?.find((r) => r.name === name);
}

/** nsinit ÷ other for wall, CPU and RSS medians. */
function ratios(runners, other) {
  const a = byName(runners, 'nsinit');
  const b = byName(runners, other);
  if (!a || !b) return null;
  return {
    wall: ratio(a.wallMs.median, b.wallMs.median),
    cpu: ratio(a.cpuMs.median, b.cpuMs.median),
    rss: ratio(a.rssMiB.median, b.rssMiB.median),
  };
}

export function headline(results) {
  const out = {};
  for (const c of ['cold', 'join']) {
    const runners = results[c]?.runners;
    out[c] = { runc: ratios(runners, 'runc'), crun: ratios(runners, 'crun') };
  }
  return out;
}

function runnerTable(runners) {
  return table(
    ['runner', 'wall ms median (IQR)', 'CPU ms', 'peak RSS MiB', 'n', 'errors'],
    runners.map((r) => [
      r.name,
      fmt(r.wallMs),
      fmt(r.cpuMs),
      fmt(r.rssMiB),
      String(r.wallMs.n),
      r.errors.length
        ? r.errors[r.errors.length - 1].slice(0, 120).replace(/\|/g, '/').replace(/\n/g, ' ')
        : '',
    ]),
  );
}

/** The targets against this run: [target, measured, met]. */
export function targets(results) {
  const rows = [];
  const yes = (ok) => (ok ? 'yes' : 'no');
  const e = results.embedded;
  if (e && !e.error) {
    const seq = e.sequential.latencyMs.median;
    rows.push(['embedded start-to-exit ≤ 10 ms median', `${seq.toFixed(2)} ms`, yes(seq <= 10)]);
    const rate = e.concurrent.perSecond;
    rows.push([`≥ 150 containers/s with ${e.parallel} in flight`, `${rate.toFixed(0)}/s`, yes(rate >= 150)]);
    // Issue 17's embedded targets.
    rows.push(['(17) embedded start-to-exit ≤ 2.5 ms median', `${seq.toFixed(2)} ms`, yes(seq <= 2.5)]);
    rows.push([
      `(17) ≥ 400 containers/s with ${e.parallel} in flight`,
      `${rate.toFixed(0)}/s`,
      yes(rate >= 400),
    ]);
    const d = e.concurrent.loopDelay?.p99Ms;
    if (Number.isFinite(d))
      rows.push([
        `(17) event-loop delay p99 ≤ 1 ms with ${e.parallel} in flight`,
        `${d.toFixed(2)} ms`,
        yes(d <= 1),
      ]);
  }
  const m = results.memory;
  if (m && !m.error) {
    const kib = m.rssPerContainerKiB;
    rows.push([
      `supervising ${m.count} live containers ≤ 64 KiB RSS each`,
      `${kib.toFixed(1)} KiB`,
      yes(kib <= 64),
    ]);
  }
  const cold = results.cold?.runners;
  const ns = byName(cold, 'nsinit');
  const node = byName(cold, 'floor: node -e 0');
  if (ns && node) {
    const extra = ns.wallMs.median - node.wallMs.median;
    const sign = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} ms`;
    rows.push(['cold CLI ≤ `node -e 0` + 5 ms (issue 17; issue 7: + 15)', sign(extra), yes(extra <= 5)]);
    const bare = byName(cold, 'floor: node -e 0 without NODE_EXTRA_CA_CERTS');
    if (bare) {
      const extraBare = ns.wallMs.median - bare.wallMs.median;
      rows.push([
        '(same, against `node -e 0` without NODE_EXTRA_CA_CERTS)',
        sign(extraBare),
        yes(extraBare <= 5),
      ]);
    }
    const miss = byName(cold, 'nsinit, config not cached');
    if (miss) {
      const extraMiss = miss.wallMs.median - node.wallMs.median;
      rows.push(['(same, config not cached: first start after an edit)', sign(extraMiss), '—']);
    }
  }
  const join = results.join?.runners;
  const runcExec = byName(join, 'runc')?.wallMs.median;
  const cliJoin = byName(join, 'nsinit')?.wallMs.median;
  if (Number.isFinite(runcExec) && Number.isFinite(cliJoin))
    rows.push([
      'join ≤ 0.5× runc exec (CLI)',
      `${(cliJoin / runcExec).toFixed(2)}×`,
      yes(cliJoin <= 0.5 * runcExec),
    ]);
  if (Number.isFinite(runcExec) && e?.join)
    rows.push([
      'join ≤ 0.5× runc exec (embedded exec())',
      `${(e.join.latencyMs.median / runcExec).toFixed(2)}×`,
      yes(e.join.latencyMs.median <= 0.5 * runcExec),
    ]);
  return rows;
}

export function renderMarkdown(results) {
  const h = results.headline;
  const parts = [`# nsinit benchmark (${results.meta.mode})`, ''];
  parts.push(
    `${results.meta.date} · kernel ${results.meta.kernel} · ${results.meta.cpus} CPUs · node ${results.meta.node} · ${results.meta.runc} · ${results.meta.crun}`,
    '',
  );
  parts.push('## Headline: nsinit ÷ runc and nsinit ÷ crun (medians; below 1 = nsinit is cheaper)', '');
  const hr = [];
  for (const c of ['cold', 'join']) {
    for (const o of ['runc', 'crun']) {
      const r = h[c]?.[o];
      hr.push([
        `${c === 'cold' ? 'cold CLI run' : 'join (exec into running)'} vs ${o}`,
        fmtRatio(r?.wall),
        fmtRatio(r?.cpu),
        fmtRatio(r?.rss),
      ]);
    }
  }
  parts.push(table(['case', 'wall', 'CPU', 'peak RSS'], hr), '');
  // Smoke counts are too small to judge a target by.
  const t = results.meta.mode === 'full' ? targets(results) : [];
  if (t.length) {
    parts.push('## Issue 7 and 17 targets (medians of this run)', '');
    parts.push(table(['target', 'measured', 'met'], t), '');
  }
  if (results.cold) {
    parts.push(
      `## 1. Cold CLI: /bin/true in a new container (${results.cold.rounds} interleaved rounds)`,
      '',
    );
    if (results.cold.nsinitError) parts.push(`nsinit not measured: ${results.cold.nsinitError}`, '');
    parts.push(runnerTable(results.cold.runners), '');
  }
  if (results.embedded) {
    const e = results.embedded;
    parts.push(
      `## 2. Embedded API (@nsinit/runtime run(), ${e.count ?? results.meta.counts.embedded} containers)`,
      '',
    );
    if (e.error) parts.push(`not measured: ${e.error}`, '');
    else {
      const loop = (m) =>
        m?.loopDelay ? `${m.loopDelay.p99Ms.toFixed(2)} (max ${m.loopDelay.maxMs.toFixed(1)})` : '—';
      const cpu = (m) =>
        Number.isFinite(m?.mainThreadCpuMsPerContainer) ? m.mainThreadCpuMsPerContainer.toFixed(2) : '—';
      const row = (name, m) => [
        name,
        fmt(m.latencyMs, 2),
        m.latencyMs.p90.toFixed(2),
        m.perSecond.toFixed(1),
        loop(m),
        cpu(m),
      ];
      const rows = [
        row('nsinit run(), sequential', e.sequential),
        row(`nsinit run(), ${e.parallel} in flight`, e.concurrent),
      ];
      for (const [name, o] of Object.entries(e.others ?? {})) {
        if (o.error)
          rows.push([
            `${name} run via child_process, ${e.parallel} in flight`,
            `error: ${o.error.replace(/\|/g, '/')}`,
            '',
            '',
            '',
            '',
          ]);
        else rows.push(row(`${name} run via child_process, ${e.parallel} in flight (${o.count})`, o));
      }
      for (const [p, f] of Object.entries(e.floors ?? {}))
        rows.push([
          `floor: clone3 (5 namespaces) + execve, ${p} in flight`,
          p === '1' ? f.msEach.toFixed(2) : '',
          '',
          f.perSecond.toFixed(1),
          '',
          '',
        ]);
      if (e.join) rows.push(row('join into a live container (exec(), sequential)', e.join));
      parts.push(
        table(
          [
            'mode',
            'latency ms median (IQR)',
            'p90 ms',
            'containers/s',
            'loop delay p99 ms (max)',
            'main-thread CPU ms/container',
          ],
          rows,
        ),
        '',
        'Loop delay: `monitorEventLoopDelay({ resolution: 1 })` percentiles minus the 1 ms resolution (Node records the interval between its samples, so an idle loop reads ~1 ms).',
        '',
      );
    }
  }
  if (results.engines) {
    const g = results.engines;
    parts.push(
      `## 6. Through an engine: podman run --rm and ctr run --rm of /bin/true (${g.rounds ?? ''} interleaved rounds)`,
      '',
    );
    if (g.error) parts.push(`not measured: ${g.error}`, '');
    for (const n of g.notes ?? []) parts.push(n, '');
    if (g.runners) parts.push(runnerTable(g.runners), '');
  }
  if (results.oci) {
    const g = results.oci;
    parts.push(
      `## 7. The OCI command line: run /bin/true, and create → state → start → state → delete (${g.rounds ?? ''} interleaved rounds)`,
      '',
    );
    if (g.error) parts.push(`not measured: ${g.error}`, '');
    for (const n of g.notes ?? []) parts.push(n, '');
    if (g.runners) parts.push(runnerTable(g.runners), '');
  }
  if (results.seccomp) {
    const g = results.seccomp;
    parts.push(
      `## 8. The default seccomp profile: /bin/true with and without it (${g.rounds ?? ''} interleaved rounds)`,
      '',
    );
    if (g.error) parts.push(`not measured: ${g.error}`, '');
    if (g.compile) {
      const c = g.compile;
      parts.push(
        `Compiling it with libseccomp (${c.instructions} BPF instructions): ${c.coldMs.toFixed(2)} ms the first time in a process, ` +
          `${fmt(c.perCallMs, 2)} ms per call after (batches of ${c.calls / 5}); a start that uses the build's ` +
          `precompiled program or the process cache: ${c.cachedMs.toFixed(3)} ms.`,
        '',
      );
    }
    if (g.runners) parts.push(runnerTable(g.runners), '');
  }
  if (results.join) {
    parts.push(
      `## 3. Join: /bin/true into a running container (${results.join.rounds} interleaved rounds)`,
      '',
    );
    for (const [k, v] of Object.entries(results.join.failures ?? {}))
      parts.push(`${k} not measured: ${v}`, '');
    parts.push(runnerTable(results.join.runners), '');
  }
  if (results.memory) {
    const m = results.memory;
    parts.push(
      `## 4. Memory: one Node process supervising ${m.count ?? results.meta.counts.memory} sleeping containers`,
      '',
    );
    if (m.cappedBy !== undefined)
      parts.push(
        `${m.count} of the ${m.asked} asked: each holds 3 fds in the supervisor and RLIMIT_NOFILE is ${m.cappedBy} here`,
        '',
      );
    if (m.error) parts.push(`not measured: ${m.error}`, '');
    else
      parts.push(
        table(
          [
            'RSS before MiB',
            'RSS after MiB',
            'RSS per container KiB',
            'heap per container KiB',
            'fds per container',
            'start all ms',
          ],
          [
            [
              m.rssBeforeMiB.toFixed(1),
              m.rssAfterMiB.toFixed(1),
              m.rssPerContainerKiB.toFixed(1),
              m.heapPerContainerKiB.toFixed(1),
              m.fdsPerContainer.toFixed(2),
              m.startMs.toFixed(0),
            ],
          ],
        ),
        '',
      );
  }
  if (results.validate) {
    const v = results.validate;
    parts.push('## 5. validateConfig on the default config', '');
    if (v.error) parts.push(`not measured: ${v.error}`, '');
    else
      parts.push(
        table(
          ['calls', 'first call µs (compiles the validator)', 'warm µs/call median (IQR)'],
          [[String(v.calls), v.coldUs.toFixed(1), fmt(v.perCallUs, 2)]],
        ),
        '',
      );
  }
  if (results.meta.notes.length) parts.push('## Notes', '', ...results.meta.notes.map((n) => `- ${n}`), '');
  return parts.join('\n');
}
