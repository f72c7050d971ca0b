"""seccomp return actions, written out here rather than read back from C."""
import errno

KILL_PROCESS = 0x80000000
KILL_THREAD = 0x00000000
TRAP = 0x00030000
ERRNO = 0x00050000
USER_NOTIF = 0x7FC00000
TRACE = 0x7FF00000
LOG = 0x7FFC0000
ALLOW = 0x7FFF0000
EPERM = ERRNO | errno.EPERM

# kernel precedence, strictest first (Documentation/userspace-api/seccomp_filter.rst)
PRECEDENCE = [KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW]
