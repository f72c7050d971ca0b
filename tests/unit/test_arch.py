"""The arch facts of csrc/core/arch.c, the one place they live, as _native
hands them to Python: checked against numbers written out here (AUDIT_ARCH_*
of <linux/audit.h>, EM_* of <elf.h>), not read back from C."""
import pytest

from pysandbox import _native
from pysandbox._native_cffi import ffi, lib
from support.arches import AUDIT, TARGETS, X32_BIT

EM = {"386": 3, "ARM": 40, "X86_64": 62, "AARCH64": 183}
ELFCLASS32, ELFCLASS64 = 1, 2


def test_the_listing_is_every_arch_the_targets_first():
    assert _native.ARCHES == ("x86_64", "aarch64", "i386", "x32")
    assert _native.TARGET_ARCHES == TARGETS
    names = []
    while lib.sb_arch_at(len(names)) != ffi.NULL:
        names.append(ffi.string(lib.sb_arch_name(lib.sb_arch_at(len(names)))).decode())
    assert tuple(names) == _native.ARCHES
    assert lib.sb_arch_at(-1) == ffi.NULL


def test_audit_values_and_the_compat_abi():
    assert {a: _native.arch_audit(a) for a in ("x86_64", "aarch64", "i386")} == \
        {a: AUDIT[a] for a in ("x86_64", "aarch64", "i386")}
    assert _native.arch_audit("x32") == AUDIT["x86_64"]
    assert _native.arch_by_audit() == {AUDIT[a]: a for a in ("x86_64", "aarch64", "i386")}
    compat = {a: _native.arch_compat(a) for a in _native.ARCHES}
    assert compat == {"x86_64": "i386", "aarch64": "arm", "i386": None, "x32": None}
    for arch in _native.ARCHES:
        want = AUDIT[compat[arch]] if compat[arch] else 0
        assert lib.sb_arch_compat_audit(lib.sb_arch_lookup(arch.encode())) == want, arch


def test_only_x86_64_shares_its_audit_value_through_a_number_bit():
    bits = {a: _native.arch_abi_bit(a) for a in _native.ARCHES}
    assert bits == {"x86_64": X32_BIT, "aarch64": 0, "i386": 0, "x32": 0}
    assert _native.X32_BIT == X32_BIT
    biases = {a: _native.arch_nr_bias(a) for a in _native.ARCHES}
    assert biases == {"x86_64": 0, "aarch64": 0, "i386": 0, "x32": X32_BIT}


@pytest.mark.parametrize("elf, abi", [
    ((ELFCLASS64, EM["X86_64"]), "x86_64"), ((ELFCLASS32, EM["X86_64"]), "x32"),
    ((ELFCLASS32, EM["386"]), "i386"), ((ELFCLASS64, EM["AARCH64"]), "aarch64"),
    ((ELFCLASS32, EM["ARM"]), "arm"), ((ELFCLASS64, EM["386"]), None),
    ((ELFCLASS64, EM["ARM"]), None), ((ELFCLASS32, EM["AARCH64"]), None), ((2, 8), None),
    ((0, 62), None),
])
def test_elf_abi(elf, abi):
    assert _native.elf_abi(*elf) == abi

