// validateConfig: 2014-compatible decoding (normalise), the compiled typebox check as the only gate
// to `ok`, readable type errors, then semantic checks. No kernel facility; see semantic*.ts for the
// kernel rules that are checked.
import Compile from 'typebox/compile';
import type { SchemaNode } from './annotations.js';
import { type ConfigIssue, describeValue, inDocumentOrder, issue } from './issues.js';
import { type Findings, inputPath, isPlainObject, normalise } from './normalise.js';
import { type ContainerConfig, ContainerConfigSchema } from './schema.js';
import { checkSemantics } from './semantic.js';
import { typeErrors } from './type-errors.js';

export interface ValidateOptions {
  /** Report unknown keys and keys spelt with the wrong case as errors instead of warnings. */
  strict?: boolean;
}

export type ValidationResult =
  | { ok: true; config: ContainerConfig; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

// Compiled on first use: one CLI process validates one format, and compiling the other's
// validator at import would cost its start ~10 ms (nsinit-oci create loads both modules).
let compiled: ReturnType<typeof Compile<typeof ContainerConfigSchema>> | undefined;
function compiledValidator() {
  compiled ??= Compile(ContainerConfigSchema);
  return compiled;
}
const validator = {
  Check: (v: unknown) => compiledValidator().Check(v),
  Errors: (v: unknown) => compiledValidator().Errors(v),
};
const root = ContainerConfigSchema as unknown as SchemaNode;

/** The type guard behind validateConfig: true when `value` matches the schema exactly (canonical
 *  keys, no nulls). It does not run the semantic checks. */
export function isContainerConfig(value: unknown): value is ContainerConfig {
  return validator.Check(value);
}

/** Validate a parsed container.json. Never throws. On success `config` is a copy with canonical key
 *  spelling and nulls removed, with no defaults filled in (absent stays absent). */
export function validateConfig(json: unknown, opts: ValidateOptions = {}): ValidationResult {
  const found: Findings = { errors: [], warnings: [], strict: opts.strict === true };
  if (!isPlainObject(json)) {
    const message = `expected an object (a container config), got ${describeValue(json)}`;
    return { ok: false, errors: [issue('', message, json)], warnings: [] };
  }
  const config = normalise(root, json, '', found) as Record<string, unknown>;
  const typeOk = validator.Check(config);
  const typeIssues: ConfigIssue[] = [];
  if (!typeOk) {
    typeErrors(root, config, '', typeIssues);
    if (typeIssues.length === 0) {
      // The readable walker and the compiled check disagree: fall back to the validator's own words.
      for (const e of validator.Errors(config)) typeIssues.push(issue(e.instancePath, e.message));
    }
  }
  const semantic: Findings = { errors: [], warnings: [], strict: found.strict };
  checkSemantics(config, semantic);
  const typed = new Set(typeIssues.map((i) => i.path));
  const later = [...typeIssues, ...semantic.errors.filter((i) => !typed.has(i.path))];
  // Issues found on the normalised copy use canonical keys; point them at the input's spelling.
  const located = (i: ConfigIssue) => ({ ...i, path: inputPath(i.path, found.renamed) });
  const errors = [...found.errors, ...later.map(located)];
  const warnings = inDocumentOrder(json, [...found.warnings, ...semantic.warnings.map(located)]);
  if (errors.length > 0 || !typeOk) return { ok: false, errors: inDocumentOrder(json, errors), warnings };
  return { ok: true, config: config as ContainerConfig, warnings };
}
