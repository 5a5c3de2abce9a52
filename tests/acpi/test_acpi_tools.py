# SPDX-License-Identifier: GPL-2.0-only
"""xkvm's generated ACPI tables under ACPICA's own tools (acpica-tools):

- `iasl -d` decodes every table without error; the decoded FADT says hardware-reduced
  6.5, the decoded MADT has exactly `cpus` enabled and `maxcpus - cpus` online-capable
  processors; the decoded DSDT compiles back (`iasl -oa`) to the same bytes.
- `acpiexec` loads the DSDT with a test SSDT (methods.asl) and runs its methods: \\_S5,
  the GED's _EVT with the power-button bit (Notify PWRB 0x80) and the CPU bit (a Device
  Check for every slot), CSCN with the remove flags (an Eject Request for every slot),
  _STA, _OST and _EJ0.

The RSDP is not a table with a header, and iasl 20200925 refuses a raw RSDP file; the
unit test compares it whole with an iasl-compiled fixture instead (test_acpi_tables.c).
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from xkvm import BUILD

HERE = Path(__file__).resolve().parent
ACPI_DUMP = BUILD / 'tests' / 'acpi' / 'acpi-dump'
TABLES = ['xsdt', 'facp', 'apic', 'dsdt']


def tool(name):
    path = shutil.which(name)
    if not path:
        pytest.skip(f'*** {name} is not installed (Debian package acpica-tools, listed in '
                    f'scripts/deps.txt): cannot check the ACPI tables with it ***')
    return path


def dump(tmp_path, cpus, maxcpus):
    if not ACPI_DUMP.exists():
        raise FileNotFoundError(f'{ACPI_DUMP} is not built (ninja -C {BUILD})')
    subprocess.run([str(ACPI_DUMP), '-c', str(cpus), '-m', str(maxcpus), str(tmp_path)],
                   check=True, capture_output=True, text=True)
    return {t: tmp_path / f'{t}.dat' for t in TABLES + ['rsdp']}


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def madt_entries(dsl):
    """(enabled, online capable) for each Processor Local APIC subtable."""
    entries = []
    for block in dsl.split('Subtable Type : ')[1:]:
        if not block.startswith('00 [Processor Local APIC]'):
            continue
        en = re.search(r'Processor Enabled : (\d)', block).group(1)
        oc = re.search(r'Runtime Online Capable : (\d)', block).group(1)
        entries.append((int(en), int(oc)))
    return entries


@pytest.mark.parametrize('cpus,maxcpus', [(1, 1), (2, 4), (4, 4), (1, 254), (254, 254)])
def test_iasl_decodes_every_table(tmp_path, cpus, maxcpus):
    iasl = tool('iasl')
    files = dump(tmp_path, cpus, maxcpus)
    status, out = run([iasl, '-d'] + [str(files[t]) for t in TABLES], tmp_path)
    assert status == 0, out
    assert not re.search(r'\berror\b', out, re.I), out
    for t in TABLES:
        assert (tmp_path / f'{t}.dsl').exists(), f'{t}.dsl not produced\n{out}'

    facp = (tmp_path / 'facp.dsl').read_text()
    for line in ['Revision : 06', 'FADT Minor Revision : 05', 'Hardware Reduced (V5) : 1',
                 'Reset Register Supported (V2) : 1', 'Control Method Power Button (V1) : 1',
                 'Control Method Sleep Button (V1) : 1', 'Address : 0000000000000CF9',
                 'Value to cause reset : 06', 'Address : 0000000000000CE8',
                 'Address : 0000000000000CE9']:
        assert re.search(re.escape(line).replace(r'\ :\ ', r'\s*:\s*'), facp), \
            f'FADT: "{line}" missing\n{facp}'

    apic = (tmp_path / 'apic.dsl').read_text()
    assert re.search(r'Revision\s*:\s*05', apic)
    entries = madt_entries(apic)
    assert len(entries) == maxcpus
    assert entries[:cpus] == [(1, 0)] * cpus
    assert entries[cpus:] == [(0, 1)] * (maxcpus - cpus)
    assert '[I/O APIC]' in apic and '[Local APIC NMI]' in apic

    # The decoded DSDT is valid ASL that compiles back to the very same AML.
    status, out = run([iasl, '-oa', '-p', str(tmp_path / 'roundtrip'), str(tmp_path / 'dsdt.dsl')],
                      tmp_path)
    assert status == 0, out
    assert (tmp_path / 'roundtrip.aml').read_bytes()[36:] == files['dsdt'].read_bytes()[36:]


def acpiexec(tmp_path, files, commands):
    iasl, exe = tool('iasl'), tool('acpiexec')
    status, out = run([iasl, '-vs', '-oa', '-p', str(tmp_path / 'methods'),
                       str(HERE / 'methods.asl')], tmp_path)
    assert status == 0, out
    status, out = run([exe, '-b', '; '.join(commands), str(files['dsdt']),
                       str(tmp_path / 'methods.aml'), str(files['facp']), str(files['apic'])],
                      tmp_path)
    assert status == 0, out
    for bad in ['ACPI Error', 'ACPI Exception', 'AE_NOT_FOUND', 'AE_AML_', 'Could not']:
        assert bad not in out, out
    return out


def section(out, name):
    """acpiexec's output for one command: from 'Evaluating NAME' to the next one."""
    m = re.search(r'Evaluating \\' + re.escape(name) + r'\n(.*?)(?=\nEvaluating |\Z)', out, re.S)
    assert m, f'no evaluation of {name}:\n{out}'
    return m.group(1)


def notified(text, value):
    return sorted(re.findall(r'Notify on \[(\w+)\] \S+ Value 0x%02X' % value, text))


@pytest.mark.parametrize('cpus,maxcpus', [(2, 4), (1, 254)])
def test_acpiexec_runs_the_methods(tmp_path, cpus, maxcpus):
    files = dump(tmp_path, cpus, maxcpus)
    out = acpiexec(tmp_path, files, ['evaluate \\_S5', 'execute \\TPWR', 'execute \\TINS',
                                     'execute \\TRMV', 'evaluate \\TSTA', 'evaluate \\TOST',
                                     'evaluate \\TEJ0'])
    assert re.search(r'\[Package\] Contains 2 Elements:\s*\[Integer\] = 0+5\s*'
                     r'\[Integer\] = 0+\s', section(out, '_S5')), out
    slots = sorted(f'C{i:03X}' for i in range(maxcpus))
    # Power button: exactly one Notify (PWRB, 0x80), and no CPU notification.
    tpwr = section(out, 'TPWR')
    assert notified(tpwr, 0x80) == ['PWRB'], tpwr
    assert 'Device Check' not in tpwr
    # GED CPU bit -> CSCN: a Device Check (1) for every slot, no Eject Request.
    tins = section(out, 'TINS')
    assert notified(tins, 0x01) == slots, tins
    assert notified(tins, 0x03) == []
    # Remove flags -> an Eject Request (3) for every slot.
    trmv = section(out, 'TRMV')
    assert notified(trmv, 0x03) == slots, trmv
    assert notified(trmv, 0x01) == []
    assert re.search(r'\[Integer\] = 0+F\s', section(out, 'TSTA')), out
    assert re.search(r'\[Integer\] = 0+84\s', section(out, 'TOST')), out
    assert re.search(r'\[Integer\] = 0+101\s', section(out, 'TEJ0')), out  # CSEL 1, CEJ0 1
