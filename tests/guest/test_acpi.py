# SPDX-License-Identifier: GPL-2.0-only
"""ACPI from inside the guest: the tables (acpi.c), power-off through the FADT's sleep
register (poweroff.c), reset through the FADT's reset register and 0xCF9 with and without
-no-reboot (reset.c), and hostile register accesses (acpi_garbage.c)."""
import re
import subprocess

import pytest

from xkvm import BUILD, assert_passed, run_guest


def dumped_dsdt_len(tmp_path, cpus, maxcpus):
    """The DSDT length the table builder produces for this machine (tests/acpi/acpi-dump),
    with the PCI host bridge's part (-p) as xkvm always has one."""
    subprocess.run([str(BUILD / 'tests' / 'acpi' / 'acpi-dump'), '-s', '-p', '-c', str(cpus),
                    '-m', str(maxcpus), str(tmp_path)], check=True, capture_output=True)
    return (tmp_path / 'dsdt.dat').stat().st_size


@pytest.mark.parametrize('cpus,maxcpus', [(1, 1), (2, 4), (4, 4), (1, 254)])
def test_acpi_tables(tmp_path, cpus, maxcpus):
    res = assert_passed(run_guest('acpi', smp=f'{cpus},maxcpus={maxcpus}',
                                  append=f'cpus={cpus} maxcpus={maxcpus} com1=0'))
    slots, enabled, ntables, dsdt_len = res.sync('acpi')[0]
    assert (slots, enabled) == (maxcpus, cpus)
    assert ntables == 3  # FACP, APIC and the PCI host bridge's MCFG
    # The guest sees the DSDT the builder makes (whose bytes the golden tests check).
    assert dsdt_len == dumped_dsdt_len(tmp_path, cpus, maxcpus)


def test_acpi_tables_describe_com1_when_there_is_a_serial_port(tmp_path):
    # -serial none: no COM1 in the DSDT (checked by the default runs above); with a
    # serial backend it is there.
    assert_passed(run_guest('acpi', smp=2, serial=f'file:{tmp_path / "serial.log"}',
                            append='cpus=2 com1=1'))


def test_poweroff_through_fadt_sleep_register():
    res = run_guest('poweroff', extra=['-trace', 'vm_request', '-trace', 'acpi_sleep_control'])
    assert not res.timed_out and res.status == 0, res.log()
    assert res.sync('poweroff') == [[0xce8, 5]], res.log()
    assert not res.calls('DONE') and not res.calls('FAIL') and not res.calls('ASSERT'), res.log()
    assert 'acpi_sleep_control value 0x34' in res.stderr, res.log()
    assert 'vm_request shutdown reason guest-shutdown' in res.stderr, res.log()


@pytest.mark.parametrize('method', ['fadt', 'cf9'])
def test_reset_with_no_reboot_exits_0(method):
    res = run_guest('reset', append=f'method={method}', no_reboot=True,
                    extra=['-trace', 'vm_request'])
    assert not res.timed_out and res.status == 0, res.log()
    assert res.sync('boot') == [[1]], res.log()
    assert res.sync('resetting') == [[0xcf9, 6]], res.log()
    assert not res.calls('DONE') and not res.calls('FAIL') and not res.calls('ASSERT'), res.log()
    assert 'vm_request reset reason guest-reset' in res.stderr, res.log()


@pytest.mark.parametrize('method', ['fadt', 'cf9'])
@pytest.mark.parametrize('smp', [1, 2])
def test_reset_reboots_and_rebuilds_tables(method, smp):
    # Boot 1 scribbles over the RSDP and resets; boot 2 finds whole tables and says DONE.
    res = assert_passed(run_guest('reset', smp=smp, append=f'method={method}',
                                  no_reboot=False, extra=['-trace', 'vm_reset']))
    assert res.sync('boot') == [[1], [2]], res.log()
    assert len(res.sync('resetting')) == 1, res.log()
    assert 'vm_reset reset #1' in res.stderr, res.log()


def test_hostile_register_accesses():
    res = assert_passed(run_guest('acpi_garbage'))
    assert res.sync('survived') == [[0, 0]]
    warnings = [l for l in res.stderr.splitlines() if re.search(r'warning: acpi: ', l)]
    assert warnings, 'bad accesses must be logged:\n' + res.log()
    # 2000 bad writes in a flood, but each device logs at most 10 lines a second.
    assert len(warnings) <= 30, f'{len(warnings)} warning lines: not rate limited\n' + res.log()
