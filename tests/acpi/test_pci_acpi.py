# SPDX-License-Identifier: GPL-2.0-only
"""The PCI host bridge's ACPI content (src/pci/host.c) under ACPICA's tools: the MCFG and
the DSDT with \\_SB.PCI0 decode with iasl and compile back to the same AML; acpiexec runs
_OSC the way Linux calls it and evaluates _CBA, _CRS, _PRT and the PNP0C02's _CRS."""
import re

from test_acpi_tools import ACPI_DUMP, HERE, run, section, tool


def dump(tmp_path):
    import subprocess
    subprocess.run([str(ACPI_DUMP), '-p', '-c', '2', '-m', '4', str(tmp_path)], check=True,
                   capture_output=True, text=True)
    return {t: tmp_path / f'{t}.dat' for t in ['xsdt', 'facp', 'apic', 'dsdt', 'mcfg']}


def field(text, name):
    m = re.search(re.escape(name) + r'\s*:\s*(\S+)', text)
    assert m, f'{name} not in\n{text}'
    return m.group(1)


def test_iasl_decodes_mcfg_and_the_root_bridge(tmp_path):
    iasl = tool('iasl')
    files = dump(tmp_path)
    status, out = run([iasl, '-d', str(files['mcfg']), str(files['dsdt']), str(files['xsdt'])],
                      tmp_path)
    assert status == 0 and not re.search(r'\berror\b', out, re.I), out
    mcfg = (tmp_path / 'mcfg.dsl').read_text()
    assert field(mcfg, 'Revision') == '01'
    assert field(mcfg, 'Base Address') == '00000000E0000000'
    assert field(mcfg, 'Segment Group Number') == '0000'
    assert field(mcfg, 'Start Bus Number') == '00'
    assert field(mcfg, 'End Bus Number') == 'FF'
    # The XSDT lists FACP, APIC and MCFG: 36 + 3 x 8 bytes.
    assert field((tmp_path / 'xsdt.dsl').read_text(), 'Table Length') == '0000003C'
    dsdt = (tmp_path / 'dsdt.dsl').read_text()
    for needle in ['Device (PCI0)', 'EisaId ("PNP0A08")', 'EisaId ("PNP0A03")',
                   'Name (_CBA, 0xE0000000)', 'Method (_OSC, 4, Serialized)',
                   'Name (_PRT, Package (0x80)', 'Device (RES0)', 'EisaId ("PNP0C02")',
                   'Memory32Fixed (ReadWrite,\n                        0xE0000000,',
                   '0xC0000000,         // Range Minimum', '0xDFFFFFFF,         // Range Maximum',
                   '0x0CF8,             // Range Minimum']:
        assert needle in dsdt, f'{needle!r} not in the decoded DSDT'
    # Valid ASL that compiles back to the same bytes.
    status, out = run([iasl, '-oa', '-p', str(tmp_path / 'rt'), str(tmp_path / 'dsdt.dsl')], tmp_path)
    assert status == 0, out
    assert (tmp_path / 'rt.aml').read_bytes()[36:] == files['dsdt'].read_bytes()[36:]


def test_acpiexec_runs_osc_and_evaluates_the_resources(tmp_path):
    iasl, exe = tool('iasl'), tool('acpiexec')
    files = dump(tmp_path)
    status, out = run([iasl, '-vs', '-oa', '-p', str(tmp_path / 'pcim'),
                       str(HERE / 'pci_methods.asl')], tmp_path)
    assert status == 0, out
    cmds = ['evaluate \\TOSC', 'evaluate \\TMSK', 'evaluate \\TREV', 'evaluate \\TUID',
            'evaluate \\_SB.PCI0._CBA', 'evaluate \\_SB.PCI0._CRS', 'evaluate \\_SB.PCI0._PRT',
            'evaluate \\_SB.PCI0.RES0._CRS', 'evaluate \\_SB.PCI0._HID']
    status, out = run([exe, '-b', '; '.join(cmds), str(files['dsdt']), str(tmp_path / 'pcim.aml'),
                       str(files['facp']), str(files['apic'])], tmp_path)
    assert status == 0, out
    for bad in ['ACPI Error', 'ACPI Exception', 'AE_NOT_FOUND', 'AE_AML_', 'Could not']:
        assert bad not in out, out

    def integer(name):
        m = re.search(r'\[Integer\] = ([0-9A-F]+)', section(out, name))
        assert m, section(out, name)
        return int(m.group(1), 16)

    assert integer('TOSC') == 0xBF                    # all granted, status clean
    assert integer('TMSK') == (0x10 << 32) | 0xBF     # bit 6 and 8 masked off
    assert integer('TREV') == (0x08 << 32) | 0x1F     # unknown revision
    assert integer('TUID') >> 32 == 0x04              # unknown UUID
    assert integer('_SB.PCI0._CBA') == 0xE0000000
    prt = section(out, '_SB.PCI0._PRT')
    assert 'Contains 128 Elements' in prt, prt
    assert 'Buffer' in section(out, '_SB.PCI0._CRS')
    assert 'Buffer' in section(out, '_SB.PCI0.RES0._CRS')
