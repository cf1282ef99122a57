"""Tiny boot media for the real-QEMU boot tests, assembled by hand.

Each medium carries the same 512-byte x86 real-mode boot sector with a different marker
string. The sector writes its marker to COM1 (I/O port 0x3F8) and halts, so a test reads
from the guest's serial file which medium the BIOS started. A tiny "bzImage" does the same
for direct kernel boot and also echoes what QEMU's Linux loader handed it: the command line
and the initrd size.
"""
from __future__ import annotations

import pathlib
import struct
import subprocess

SECTOR = 512
FLOPPY_144 = 1_474_560
COM1 = bytes.fromhex("BA F8 03")            # mov dx, 0x3F8

# The BIOS enters a floppy or disk sector at 0000:7C00 but an El Torito no-emulation image
# at 07C0:0000, so the code finds its string relative to CS: call/pop gives the current
# offset, and DS is set to CS.
BOOT_CODE = bytes.fromhex(
    "FA"          # 00  cli                  no interrupts: the final hlt is for good
    "FC"          # 01  cld                  lodsb counts upwards
    "E8 00 00"    # 02  call 05              push the offset of the next instruction
    "5E"          # 05  pop si               si = offset of 05 in CS
    "83 C6 14"    # 06  add si, 0x14         si = 05 + 0x14 = 0x19, the message below
    "0E"          # 09  push cs
    "1F"          # 0A  pop ds               ds:si -> message
) + COM1 + bytes.fromhex(  # 0B
    "AC"          # 0E  lodsb                al = next byte
    "84 C0"       # 0F  test al, al
    "74 03"       # 11  jz 16                NUL ends the message
    "EE"          # 13  out dx, al           write it to COM1's transmit register
    "EB F8"       # 14  jmp 0E
    "F4"          # 16  hlt
    "EB FD"       # 17  jmp 16
)                 # 19  message, NUL-terminated
MESSAGE_AT = 0x19


def boot_sector(marker: bytes) -> bytes:
    assert len(BOOT_CODE) == MESSAGE_AT
    body = BOOT_CODE + marker + b"\0"
    assert b"\0" not in marker and len(body) <= SECTOR - 2
    # 0x55AA at 510 is what makes the BIOS treat the sector as bootable.
    return body.ljust(SECTOR - 2, b"\0") + b"\x55\xaa"


def hard_disk(path: pathlib.Path, marker: bytes, size: int = 1 << 20) -> pathlib.Path:
    path.write_bytes(boot_sector(marker).ljust(size, b"\0"))
    return path


def blank_disk(path: pathlib.Path, size: int = 1 << 20) -> pathlib.Path:
    """No 0x55AA signature: the BIOS reports it unbootable and tries the next device."""
    path.write_bytes(b"\0" * size)
    return path


def floppy(path: pathlib.Path, marker: bytes) -> pathlib.Path:
    path.write_bytes(boot_sector(marker).ljust(FLOPPY_144, b"\0"))
    return path


def iso(path: pathlib.Path, marker: bytes) -> pathlib.Path:
    """An El Torito CD whose no-emulation boot image is the sector (padded to one 2 KiB
    CD sector; the BIOS loads 4 × 512 bytes)."""
    root = path.parent / f"{path.stem}-root"
    root.mkdir()
    (root / "boot.bin").write_bytes(boot_sector(marker).ljust(2048, b"\0"))
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", str(path), "-b", "boot.bin",
                    "-no-emul-boot", "-boot-load-size", "4", str(root)],
                   check=True, capture_output=True)
    return path


# ---------------------------------------------------------------------------- kernel
# QEMU's x86 Linux loader reads the boot-protocol header, loads the setup sectors at
# 0x10000, patches the header (cmd_line_ptr, ramdisk_image/size) and jumps to the setup
# code at segment 0x1020 (file offset 0x200). So file offset X is CS:(X - 0x200).
KERNEL_MARKER = b"VIRTC-KERNEL:"
KERNEL_END = b"|VIRTC-KERNEL-END"
SETUP = 0x200
KERNEL_CODE_AT = 0x280                      # after the header's fields (protocol 2.12)
STRINGS = {0x300: KERNEL_MARKER, 0x310: b"|", 0x320: KERNEL_END}

KERNEL_CODE = bytes.fromhex(
    "FA"          # 80  cli
    "FC"          # 81  cld
    "0E"          # 82  push cs
    "1F"          # 83  pop ds               ds:X = file offset 0x200 + X
) + COM1 + bytes.fromhex(  # 84
    "BE 00 01"    # 87  mov si, 0x100        KERNEL_MARKER (file 0x300)
    "E8 32 00"    # 8A  call BF (puts)
    "A1 28 00"    # 8D  mov ax, [0x28]       cmd_line_ptr (file 0x228), low word
    "8B 1E 2A 00"  # 90 mov bx, [0x2A]       ... high word
    "89 C6"       # 94  mov si, ax
    "83 E6 0F"    # 96  and si, 0x0F         offset = linear & 0xF
    "C1 E8 04"    # 99  shr ax, 4
    "C1 E3 0C"    # 9C  shl bx, 12
    "09 D8"       # 9F  or ax, bx            segment = linear >> 4
    "8E D8"       # A1  mov ds, ax
    "E8 19 00"    # A3  call BF (puts)       the command line, as QEMU stored it
    "0E"          # A6  push cs
    "1F"          # A7  pop ds
    "BE 10 01"    # A8  mov si, 0x110        "|"
    "E8 11 00"    # AB  call BF (puts)
    "BE 1C 00"    # AE  mov si, 0x1C         ramdisk_size (file 0x21C), 4 bytes LE
    "B9 04 00"    # B1  mov cx, 4
    "F3 6E"       # B4  rep outsb            raw bytes to COM1
    "BE 20 01"    # B6  mov si, 0x120        KERNEL_END
    "E8 03 00"    # B9  call BF (puts)
    "F4"          # BC  hlt
    "EB FD"       # BD  jmp BC
    "AC"          # BF  puts: lodsb
    "84 C0"       # C0  test al, al
    "74 03"       # C2  jz C7
    "EE"          # C4  out dx, al
    "EB F8"       # C5  jmp BF
    "C3"          # C7  ret
)


def kernel_image(path: pathlib.Path, size: int = 8192) -> pathlib.Path:
    image = bytearray(size)
    image[0x1F1] = 1                                    # setup_sects: setup is 0x200-0x3FF
    struct.pack_into("<H", image, 0x1FE, 0xAA55)
    image[SETUP:SETUP + 2] = bytes.fromhex("EB 7E")     # jmp 0x80 (past the header)
    image[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", image, 0x206, 0x020C)        # boot protocol 2.12
    image[0x211] = 0x01                                 # LOADED_HIGH
    struct.pack_into("<I", image, 0x22C, 0x7FFFFFFF)    # initrd_addr_max
    struct.pack_into("<I", image, 0x238, 2048)          # cmdline_size
    image[KERNEL_CODE_AT:KERNEL_CODE_AT + len(KERNEL_CODE)] = KERNEL_CODE
    assert KERNEL_CODE_AT + len(KERNEL_CODE) <= min(STRINGS)
    for offset, text in STRINGS.items():
        image[offset:offset + len(text) + 1] = text + b"\0"
    path.write_bytes(bytes(image))
    return path


def parse_kernel_output(serial: bytes):
    """(command line, initrd size) as the tiny kernel reported them."""
    start = serial.index(KERNEL_MARKER) + len(KERNEL_MARKER)
    end = serial.index(KERNEL_END, start)
    body = serial[start:end]
    cmdline, size = body[:-5], body[-4:]
    assert body[-5:-4] == b"|", body
    return cmdline.decode(), struct.unpack("<I", size)[0]
