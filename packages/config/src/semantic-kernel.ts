// Semantic checks of the container.json kernel extensions (schema-kernel.ts): sysctls only for
// the namespaces the container creates (namespaces(7): anything else would change the host), a
// seccomp listener where SCMP_ACT_NOTIFY needs one, a domain name only with NEWUTS (it would
// rename the host's NIS domain) and time offsets only with NEWTIME.
import { issue } from './issues.js';
import { type Findings, isPlainObject } from './normalise.js';
import { checkSeccompObject, checkSysctlMap } from './oci/semantic-linux.js';

/** The 2014 key of each namespace type a sysctl can belong to. */
const KEY_OF: Readonly<Record<string, string>> = { ipc: 'NEWIPC', network: 'NEWNET', uts: 'NEWUTS' };

export function checkKernelExtensions(c: Record<string, unknown>, found: Findings): void {
  const nsValid = c.namespaces === undefined || isPlainObject(c.namespaces);
  const ns = isPlainObject(c.namespaces) ? c.namespaces : {};
  const created = new Set(
    Object.entries(KEY_OF)
      .filter(([, key]) => ns[key] === true)
      .map(([type]) => type),
  );
  checkSysctlMap(
    c.sysctl,
    '/sysctl',
    nsValid ? created : undefined,
    found,
    (type) => `namespaces.${KEY_OF[type]}`,
  );
  checkSeccompObject(c.seccomp, '/seccomp', found);
  if (typeof c.domainname === 'string' && c.domainname !== '' && nsValid && ns.NEWUTS !== true)
    found.errors.push(
      issue(
        '/domainname',
        "needs namespaces.NEWUTS; without it the host's domain name would change",
        c.domainname,
      ),
    );
  if (c.time_offsets !== undefined && nsValid && ns.NEWTIME !== true)
    found.errors.push(issue('/time_offsets', 'needs namespaces.NEWTIME (a new time namespace)'));
}
