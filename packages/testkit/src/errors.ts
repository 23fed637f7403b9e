// Errors raised by the testkit itself (missing host tools, leaks found, timeouts). Same shape as
// NsinitError (a stable `code`, `cause` kept) but defined here so that importing the testkit never
// loads the addon, which may not be built on a machine that only runs unit tests.

export class TestkitError extends Error {
  code: string;
  path?: string;

  constructor(message: string, fields: { code: string; path?: string; cause?: unknown }) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'TestkitError';
    this.code = fields.code;
    if (fields.path !== undefined) this.path = fields.path;
  }
}
