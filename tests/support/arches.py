"""Architecture facts the tests write out themselves (not read back from C)."""

AUDIT = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7, "i386": 0x40000003, "arm": 0x40000028}
TARGETS = ("x86_64", "aarch64")  # the arches a filter is built for
X32_BIT = 0x40000000
