// `linux.seccomp` of config.json: a syscall filter (seccomp(2), libseccomp's action/arch/operator
// names). Also the container.json `seccomp` key (an nsinit extension of the same shape).
import Type, { type Static } from 'typebox';
import { list, oneOf, path, text, u32, u64 } from './fields.js';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from './names.js';

const action = (d: string) =>
  oneOf(SECCOMP_ACTIONS, d, 'seccomp action', 'an action such as "SCMP_ACT_ERRNO"', 'SCMP_ACT_ALLOW');

export const OciSeccompArgSchema = Type.Object(
  {
    index: u32('Which syscall argument (0-5) is compared.', {
      maximum: 5,
      expected: 'an argument index (0-5)',
    }),
    value: u64('The value compared against (the mask for SCMP_CMP_MASKED_EQ).'),
    valueTwo: Type.Optional(u64('Second value: the expected result for SCMP_CMP_MASKED_EQ.')),
    op: oneOf(
      SECCOMP_OPERATORS,
      'Comparison operator.',
      'seccomp operator',
      'an operator such as "SCMP_CMP_EQ"',
      'SCMP_CMP_EQ',
    ),
  },
  { additionalProperties: false, description: 'A condition on one syscall argument.' },
);

export const OciSyscallSchema = Type.Object(
  {
    names: list(text('A syscall name, e.g. "mount".', { maxLength: 64 }), 'Syscalls the rule matches.', {
      minItems: 1,
    }),
    action: action('What happens when the rule matches.'),
    errnoRet: Type.Optional(
      u32('errno returned by SCMP_ACT_ERRNO and SCMP_ACT_TRACE. Absent: EPERM.', { default: 1 }),
    ),
    args: Type.Optional(list(OciSeccompArgSchema, 'Argument conditions; all must hold.')),
  },
  { additionalProperties: false, description: 'A seccomp rule.' },
);

export const OciSeccompSchema = Type.Object(
  {
    defaultAction: action('Action for syscalls no rule matches.'),
    defaultErrnoRet: Type.Optional(
      u32('errno for an SCMP_ACT_ERRNO default action. Absent: EPERM.', { default: 1 }),
    ),
    architectures: Type.Optional(
      list(
        oneOf(
          SECCOMP_ARCHES,
          'An architecture the filter covers.',
          'seccomp architecture',
          'an architecture such as "SCMP_ARCH_X86_64"',
          'SCMP_ARCH_X86_64',
        ),
        'Architectures the filter also covers (the native one always).',
      ),
    ),
    flags: Type.Optional(
      list(
        oneOf(
          SECCOMP_FLAGS,
          'A seccomp(2) filter flag.',
          'seccomp flag',
          'a flag such as "SECCOMP_FILTER_FLAG_LOG"',
          'SECCOMP_FILTER_FLAG_LOG',
        ),
        'seccomp(2) SECCOMP_SET_MODE_FILTER flags.',
      ),
    ),
    listenerPath: Type.Optional(path('Unix socket the SCMP_ACT_NOTIFY listener fd is sent to.')),
    listenerMetadata: Type.Optional(text('Opaque data passed to the listener with the fd.')),
    syscalls: Type.Optional(list(OciSyscallSchema, 'Rules, matched in order.')),
  },
  {
    additionalProperties: false,
    description:
      'A syscall filter installed just before exec, compiled with libseccomp before the container ' +
      'is cloned. With SCMP_ACT_NOTIFY the listener fd goes to listenerPath with the container ' +
      'process state (SCM_RIGHTS).',
  },
);
export type OciSeccomp = Static<typeof OciSeccompSchema>;
