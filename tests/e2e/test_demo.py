# SPDX-License-Identifier: GPL-2.0-only
"""The README's first command: scripts/demo.sh runs as documented and tells the story."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_script():
    p = subprocess.run([str(ROOT / 'scripts' / 'demo.sh')], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    out = re.sub(r'\x1b\[[0-9;]*m', '', p.stdout)
    assert p.returncode == 0, out + p.stderr
    for needle in ['guest| xkvm demo:', 'acpi     : RSDP at 0xe0000 rev 2',
                   'FADT 6.5 hardware-reduced', '2 enabled in the MADT; 1 AP(s) started',
                   '2 hot-pluggable slot(s)', 'COM1 16550A (scratch register answers)',
                   '"event": "ACPI_DEVICE_OST"', 'CPU 2 inserted; started with INIT/SIPI',
                   'CPU #2: thread_id=', '"event": "DEVICE_DELETED"',
                   'CPU 2 removal requested; parked it and ejected it: gone',
                   '"reason": "guest-shutdown"', 'Bye.', 'xkvm exited with status 0']:
        assert needle in out, f'{needle!r} missing from the demo output:\n{out}'
