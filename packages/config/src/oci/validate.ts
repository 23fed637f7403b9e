// validateOciConfig: the same pipeline as validateConfig for the OCI config.json: key
// canonicalisation (Go encoding/json folds case too), the compiled typebox check as the only gate to
// `ok`, readable type errors, then the semantic checks of semantic*.ts. No kernel facility.
import Compile from 'typebox/compile';
import type { SchemaNode } from '../annotations.js';
import { type ConfigIssue, describeValue, inDocumentOrder, issue } from '../issues.js';
import { type Findings, inputPath, isPlainObject, normalise } from '../normalise.js';
import { typeErrors } from '../type-errors.js';
import type { ValidateOptions } from '../validate.js';
import { hasUnknownCapability, stripUnknownCapabilities, warnUnknownCapabilities } from './capabilities.js';
import { type OciConfig, OciConfigSchema } from './schema.js';
import { checkOciSemantics } from './semantic.js';

export type OciValidationResult =
  | { ok: true; config: OciConfig; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

/** Keys the spec defines that this reader does not: other platforms' sections and fields added
 *  after 1.2. They are ignored like any unknown key, but said so plainly instead of "did you mean". */
const FOREIGN: ReadonlyMap<string, string> = new Map([
  ...['windows', 'solaris', 'vm', 'zos', 'freebsd'].map(
    (p) => [`/${p}`, `settings for another platform (${p}); ignored on Linux`] as const,
  ),
  ...[
    '/linux/netDevices',
    '/linux/memoryPolicy',
    '/linux/intelRdt/schemata',
    '/linux/intelRdt/enableMonitoring',
  ].map((p) => [p, 'a runtime-spec 1.3 field, not read by this 1.0-1.2 reader; ignored'] as const),
]);

function explainForeign(list: ConfigIssue[]): void {
  for (const [i, item] of list.entries()) {
    const why = FOREIGN.get(item.path);
    if (why !== undefined && item.message.startsWith('unknown key')) list[i] = { ...item, message: why };
  }
}

// Compiled on first use: one CLI process validates one format, and compiling the other's
// validator at import would cost its start ~10 ms (nsinit-oci create loads both modules).
let compiled: ReturnType<typeof Compile<typeof OciConfigSchema>> | undefined;
function compiledValidator() {
  compiled ??= Compile(OciConfigSchema);
  return compiled;
}
const validator = {
  Check: (v: unknown) => compiledValidator().Check(v),
  Errors: (v: unknown) => compiledValidator().Errors(v),
};
const root = OciConfigSchema as unknown as SchemaNode;

/** True when `value` matches the OCI schema exactly (canonical keys, no nulls, known capability
 *  names). It does not run the semantic checks. */
export function isOciConfig(value: unknown): value is OciConfig {
  return validator.Check(value) && !hasUnknownCapability(value as Record<string, unknown>);
}

/** Validate a parsed config.json. Never throws. On success `config` is a copy with canonical key
 *  spelling, nulls removed and unknown capability names dropped; no defaults are filled in. */
export function validateOciConfig(json: unknown, opts: ValidateOptions = {}): OciValidationResult {
  const found: Findings = { errors: [], warnings: [], strict: opts.strict === true };
  if (!isPlainObject(json)) {
    const message = `expected an object (an OCI config.json), got ${describeValue(json)}`;
    return { ok: false, errors: [issue('', message, json)], warnings: [] };
  }
  const config = normalise(root, json, '', found) as Record<string, unknown>;
  explainForeign(found.warnings);
  explainForeign(found.errors);
  const semantic: Findings = { errors: [], warnings: [], strict: found.strict };
  warnUnknownCapabilities(config, semantic);
  const typeOk = validator.Check(config);
  const typeIssues: ConfigIssue[] = [];
  if (!typeOk) {
    typeErrors(root, config, '', typeIssues);
    if (typeIssues.length === 0) {
      for (const e of validator.Errors(config)) typeIssues.push(issue(e.instancePath, e.message));
    }
  }
  checkOciSemantics(config, semantic);
  const typed = new Set(typeIssues.map((i) => i.path));
  const later = [...typeIssues, ...semantic.errors.filter((i) => !typed.has(i.path))];
  const located = (i: ConfigIssue) => ({ ...i, path: inputPath(i.path, found.renamed) });
  const errors = [...found.errors, ...later.map(located)];
  const warnings = inDocumentOrder(json, [...found.warnings, ...semantic.warnings.map(located)]);
  if (errors.length > 0 || !typeOk) return { ok: false, errors: inDocumentOrder(json, errors), warnings };
  stripUnknownCapabilities(config);
  return { ok: true, config: config as OciConfig, warnings };
}
