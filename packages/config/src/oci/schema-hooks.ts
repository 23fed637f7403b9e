// `hooks` of config.json: programs the runtime runs at fixed points of the lifecycle (create,
// start, delete), with the container state JSON on stdin. Each hook is fork+execve(2) of `path`.
import Type, { type Static } from 'typebox';
import { argStrings, list, path, u32 } from './fields.js';

export const OciHookSchema = Type.Object(
  {
    path: path('Absolute path of the program, resolved in the namespace the hook kind says.'),
    args: Type.Optional(
      argStrings('argv of the hook, args[0] included. Absent: just the path.', 'One argument.'),
    ),
    env: Type.Optional(
      argStrings(
        'Complete environment of the hook as NAME=value; nothing is inherited.',
        'One NAME=value entry.',
      ),
    ),
    timeout: Type.Optional(
      u32('Seconds before the hook is killed and counted as failed. Absent: no timeout.', {
        minimum: 1,
        default: 1,
        expected: 'a number of seconds (at least 1)',
      }),
    ),
  },
  { additionalProperties: false, description: 'A program run at one point of the lifecycle.' },
);
export type OciHook = Static<typeof OciHookSchema>;

const hooks = (when: string) => Type.Optional(list(OciHookSchema, when));

export const OciHooksSchema = Type.Object(
  {
    prestart: hooks(
      'Deprecated: during create, after the namespaces exist and before pivot_root, run in the runtime ' +
        'namespace. A failure aborts create.',
    ),
    createRuntime: hooks(
      'During create, after the namespaces exist and before pivot_root, in the runtime namespace. A ' +
        'failure aborts create.',
    ),
    createContainer: hooks(
      'During create, after createRuntime and before pivot_root, in the container namespaces (path ' +
        'resolved in the runtime namespace). A failure aborts create.',
    ),
    startContainer: hooks(
      'During start, in the container just before the user process is executed (path resolved in the ' +
        'container). A failure aborts start.',
    ),
    poststart: hooks(
      'After the user process started, before start returns, in the runtime namespace. A failure is ' +
        'logged as a warning (runtime-spec 1.0-1.2).',
    ),
    poststop: hooks(
      'During delete, after the container is gone, in the runtime namespace. A failure is logged as a warning.',
    ),
  },
  {
    additionalProperties: false,
    description: 'Lifecycle hooks, each list run in order with the state JSON on stdin.',
    default: {},
  },
);
export type OciHooks = Static<typeof OciHooksSchema>;
