#!/usr/bin/env bash
# Build one freestanding guest program outside meson (for quick experiments):
#   tests/guest/build-one.sh prog.c out.elf
# Same flags and library as tests/guest/meson.build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exec gcc -m64 -std=gnu11 -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-builtin -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -I"$here/lib" -I"$root/src" -Wl,-T,"$here/lib/guest.ld" \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,--no-warn-rwx-segments "$1" "$here"/lib/*.c "$here"/lib/start.S -o "$2"
