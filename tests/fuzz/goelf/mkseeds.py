#!/usr/bin/env python3
"""Write tests/data/goelf (the seeds of fuzz_goelf, the cases of
unit/test_runtime_detect.c): minimal ELF files holding Go build information
in each layout lg_go_build_version reads (see goelf.c).
Usage: mkseeds.py DIR. The files are committed; rerun after changing this."""
import struct
import sys

MAGIC = b"\xff Go buildinf:"


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def elf(is64, be, payload, vaddr_base, with_sections):
    """ELF header + one PT_LOAD (RW) segment holding payload at file offset
    0x100 (vaddr vaddr_base), and optionally a section table with
    .go.buildinfo at the payload's start."""
    e = ">" if be else "<"
    data_off = 0x100
    shstr = b"\0.shstrtab\0.go.buildinfo\0"
    body = bytearray(data_off) + payload
    shstr_off = len(body)
    body += shstr
    while len(body) % 8:
        body += b"\0"
    sh_off = len(body) if with_sections else 0
    if is64:
        ehsize, phentsize, shentsize = 64, 56, 64
    else:
        ehsize, phentsize, shentsize = 52, 32, 40
    phoff = ehsize
    shnum = 3 if with_sections else 0
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 2 if be else 1, 1]) + bytes(9)
    if is64:
        hdr = ident + struct.pack(e + "HHIQQQIHHHHHH", 2, 62, 1, vaddr_base,
                                  phoff, sh_off, 0, ehsize, phentsize, 1,
                                  shentsize, shnum, 1 if shnum else 0)
        ph = struct.pack(e + "IIQQQQQQ", 1, 6, data_off, vaddr_base,
                         vaddr_base, len(payload), len(payload), 0x1000)
    else:
        hdr = ident + struct.pack(e + "HHIIIIIHHHHHH", 2, 3, 1, vaddr_base,
                                  phoff, sh_off, 0, ehsize, phentsize, 1,
                                  shentsize, shnum, 1 if shnum else 0)
        ph = struct.pack(e + "IIIIIIII", 1, data_off, vaddr_base, vaddr_base,
                         len(payload), len(payload), 6, 0x1000)
    body[0:len(hdr)] = hdr
    body[phoff:phoff + len(ph)] = ph
    if with_sections:
        def sh(name, typ, off, size):
            if is64:
                return struct.pack(e + "IIQQQQIIQQ", name, typ, 0, 0, off,
                                   size, 0, 0, 1, 0)
            return struct.pack(e + "IIIIIIIIII", name, typ, 0, 0, off, size,
                               0, 0, 1, 0)
        body += sh(0, 0, 0, 0)
        body += sh(1, 3, shstr_off, len(shstr))
        body += sh(11, 1, data_off, len(payload))
    return bytes(body)


def inline(version, ptr=8):
    return (MAGIC + bytes([ptr, 2]) + bytes(16) + uvarint(len(version)) +
            version + uvarint(4) + b"path")


def pointers(version, ptr, be, base):
    """Header at base, string header at base+48, bytes at base+64."""
    e = ">" if be else "<"
    p = "Q" if ptr == 8 else "I"
    hdr = MAGIC + bytes([ptr, 1 if be else 0])
    hdr += struct.pack(e + p + p, base + 48, 0)
    hdr += bytes(48 - len(hdr))
    strhdr = struct.pack(e + p + p, base + 64, len(version))
    strhdr += bytes(16 - len(strhdr))
    return hdr + strhdr + version


def main(out):
    seeds = {
        "inline-section-64le": elf(True, False, inline(b"go1.19.8"), 0x400000, True),
        "inline-nosections-64le": elf(True, False, bytes(32) + inline(b"go1.21.0"), 0x400000, False),
        "pointers-64le": elf(True, False, pointers(b"go1.16.15", 8, False, 0x500000), 0x500000, True),
        "pointers-32be": elf(False, True, pointers(b"go1.13", 4, True, 0x10000), 0x10000, True),
        "devel": elf(True, False, inline(b"devel go1.23-abcdef Mon Jan 1"), 0x400000, True),
        "not-go": elf(True, False, b"\0" * 64, 0x400000, False),
        "bad-version": elf(True, False, inline(b"\x01\x02junk"), 0x400000, True),
    }
    for name, data in seeds.items():
        with open(f"{out}/{name}", "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
