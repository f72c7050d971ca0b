"""Read classic seccomp BPF: decode, disassemble, and run it strictly.

This module *checks* programs (an interpreter for tests, a disassembler for
`pysandbox compile --explain`); it never produces them. Programs are the raw
`struct sock_filter` arrays that csrc/ or libseccomp emit.
"""
import struct

from pysandbox.errors import BpfError  # raised here; bpf.BpfError is the same class

INSN = struct.Struct("=HBBI")

# classic BPF opcode pieces (linux/bpf_common.h)
LD, LDX, ST, STX, ALU, JMP, RET, MISC = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
W, ABS, IMM, MEM = 0x00, 0x20, 0x00, 0x60
JA, JEQ, JGT, JGE, JSET = 0x00, 0x10, 0x20, 0x30, 0x40
K, X = 0x00, 0x08
AND, OR, LSH, RSH, ADD, SUB = 0x50, 0x40, 0x60, 0x70, 0x00, 0x10
TAX, TXA = 0x00, 0x80

SECCOMP_DATA_SIZE = 64  # nr, arch, ip, args[6]
OFF_NR, OFF_ARCH, OFF_IP, OFF_ARGS = 0, 4, 8, 16


def decode(prog):
    if len(prog) % INSN.size:
        raise BpfError("program length %d is not a multiple of %d" % (len(prog), INSN.size))
    return [INSN.unpack_from(prog, i) for i in range(0, len(prog), INSN.size)]


def seccomp_data(nr, arch, args=(0,) * 6, ip=0):
    args = tuple(args) + (0,) * (6 - len(args))
    return struct.pack("=iIQ6Q", nr if nr < 2**31 else nr - 2**32, arch, ip,
                       *(a & (2**64 - 1) for a in args))


def _load_word(data, off):
    if off % 4 or off < 0 or off + 4 > len(data):
        raise BpfError("load outside seccomp_data at offset %d" % off)
    return struct.unpack_from("=I", data, off)[0]


_JUMPS = {
    JEQ: lambda a, b: a == b,
    JGT: lambda a, b: a > b,
    JGE: lambda a, b: a >= b,
    JSET: lambda a, b: (a & b) != 0,
}
_ALU = {
    AND: lambda a, b: a & b,
    OR: lambda a, b: a | b,
    ADD: lambda a, b: (a + b) & 0xFFFFFFFF,
    SUB: lambda a, b: (a - b) & 0xFFFFFFFF,
    LSH: lambda a, b: (a << b) & 0xFFFFFFFF,
    RSH: lambda a, b: a >> b,
}


def run(insns, data):
    """Run decoded INSNS over packed seccomp_data DATA; return the action.

    Strict: an unknown opcode, a jump out of the program, a load outside
    seccomp_data or falling off the end raises BpfError."""
    a = x = 0
    mem = [0] * 16
    pc, n = 0, len(insns)
    for _ in range(4 * n + 1):  # classic BPF only jumps forward
        if not 0 <= pc < n:
            raise BpfError("fell off the program at %d" % pc)
        code, jt, jf, k = insns[pc]
        cls = code & 0x07
        pc += 1
        if code == RET | K:
            return k
        if code == LD | W | ABS:
            a = _load_word(data, k)
        elif code == LD | IMM:
            a = k
        elif code == LDX | IMM:
            x = k
        elif code in (LD | MEM, LDX | MEM, ST, STX):
            if k >= 16:
                raise BpfError("scratch slot %d out of range" % k)
            if code == LD | MEM:
                a = mem[k]
            elif code == LDX | MEM:
                x = mem[k]
            elif code == ST:
                mem[k] = a
            else:
                mem[k] = x
        elif code == MISC | TAX:
            x = a
        elif code == MISC | TXA:
            a = x
        elif cls == ALU and (code & 0xF0) in _ALU:
            a = _ALU[code & 0xF0](a, x if code & X else k)
        elif code == JMP | JA:
            pc += k
        elif cls == JMP and (code & 0xF0) in _JUMPS:
            pc += jt if _JUMPS[code & 0xF0](a, x if code & X else k) else jf
        else:
            raise BpfError("unknown opcode 0x%04x at %d" % (code, pc - 1))
        if pc > n:
            raise BpfError("jump past the end to %d" % pc)
    raise BpfError("no return")


_FIELDS = {OFF_NR: "nr", OFF_ARCH: "arch", OFF_IP: "ip lo", OFF_IP + 4: "ip hi"}
_FIELDS.update({OFF_ARGS + 8 * i: "arg%d lo" % i for i in range(6)})
_FIELDS.update({OFF_ARGS + 8 * i + 4: "arg%d hi" % i for i in range(6)})
_JNAMES = {JEQ: "jeq", JGT: "jgt", JGE: "jge", JSET: "jset"}


def disassemble(insns, name_of=None, action_name=hex, arch_name=None):
    """One line per instruction; jumps on the syscall number name the syscall.

    NAME_OF(nr) -> str|None names syscalls; ARCH_NAME(audit) -> str|None arches."""
    lines, loaded = [], None
    for pc, (code, jt, jf, k) in enumerate(insns):
        cls = code & 0x07
        if code == LD | W | ABS:
            loaded = _FIELDS.get(k, str(k))
            text = "ld  [%s]" % loaded
        elif code == RET | K:
            text = "ret %s" % action_name(k)
        elif code == JMP | JA:
            text = "ja  %d" % (pc + 1 + k)
        elif cls == JMP and (code & 0xF0) in _JNAMES:
            text = "%-4s%s" % (_JNAMES[code & 0xF0], "x" if code & X else "0x%x" % k)
            note = None
            if loaded == "nr" and name_of and not code & X:
                note = name_of(k)
            elif loaded == "arch" and arch_name:
                note = arch_name(k)
            if note:
                text += " (%s)" % note
            text += "  -> %d : %d" % (pc + 1 + jt, pc + 1 + jf)
        else:
            text = "op 0x%04x jt %d jf %d k 0x%x" % (code, jt, jf, k)
        lines.append("%4d: %s" % (pc, text))
    return lines
