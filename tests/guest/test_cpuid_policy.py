# SPDX-License-Identifier: GPL-2.0-only
"""xkvm's CPUID feature policy as the guest sees it (tests/guest/cpuid_policy.c): -cpu
host,+feat,-feat, and on KVM-PVM the features its emulator cannot run hidden by default
(vcpu/cpuid.c: cpuid_pvm_hidden)."""
import host
import notchecked
from xkvm import assert_passed, run_guest

# name -> (index into the guest's registers, bit); the registers are leaf 1 ECX, EDX,
# leaf 7 EBX, ECX, EDX, leaf 0x80000001 ECX, EDX (tests/guest/cpuid_policy.c).
L1C, L1D, L7B, L7C, L7D, E1C, E1D = range(7)
FEATURES = {
    'pclmulqdq': (L1C, 1), 'cx16': (L1C, 13), 'sse4.2': (L1C, 20), 'x2apic': (L1C, 21),
    'movbe': (L1C, 22), 'popcnt': (L1C, 23), 'tsc-deadline': (L1C, 24), 'aes': (L1C, 25),
    'xsave': (L1C, 26), 'osxsave': (L1C, 27), 'hypervisor': (L1C, 31),
    'fsgsbase': (L7B, 0), 'bmi1': (L7B, 3), 'bmi2': (L7B, 8), 'invpcid': (L7B, 10),
    'adx': (L7B, 19), 'smap': (L7B, 20), 'clwb': (L7B, 24), 'sha-ni': (L7B, 29),
    'pku': (L7C, 3), 'ospke': (L7C, 4), 'rdpid': (L7C, 22),
    'arch-capabilities': (L7D, 29), 'rdtscp': (E1D, 27), 'pcid': (L1C, 17),
}
# vcpu/cpuid.c: cpuid_pvm_hidden
PVM_HIDDEN = ['cx16', 'popcnt', 'sse4.2', 'movbe', 'aes', 'pclmulqdq', 'xsave', 'osxsave',
              'rdtscp', 'bmi1', 'bmi2', 'adx', 'smap', 'clwb', 'sha-ni', 'rdpid',
              'arch-capabilities', 'fsgsbase', 'invpcid', 'pcid', 'pku', 'ospke']


def guest_cpuid(cpu=None):
    res = assert_passed(run_guest('cpuid_policy', extra=['-cpu', cpu] if cpu else []))
    regs = res.sync('cpuid')[0] + res.sync('cpuid-ext')[0]
    return {name: bool(regs[r] >> bit & 1) for name, (r, bit) in FEATURES.items()}


def test_always_exposed():
    seen = guest_cpuid()
    assert seen['hypervisor'] and seen['tsc-deadline'] and seen['x2apic']


def test_minus_feature_hides_it():
    seen = guest_cpuid('host,-tsc-deadline,-x2apic')
    assert not seen['tsc-deadline'] and not seen['x2apic']


def test_plus_feature_shows_it():
    # cmpxchg16b is hidden by default on KVM-PVM; +cx16 brings it back everywhere.
    assert guest_cpuid('host,+cx16')['cx16']


def test_pvm_defaults():
    seen = guest_cpuid()
    if not host.kvm_pvm():
        notchecked.report('the KVM-PVM CPUID defaults', 'this host has hardware KVM; xkvm '
                          'hides nothing by default here')
        return
    assert not seen['cx16'], 'KVM-PVM lacks cmpxchg16b: xkvm must hide CX16 by default'
    leaked = [f for f in PVM_HIDDEN if seen[f]]
    if leaked:
        notchecked.report('hiding ' + ', '.join(leaked),
                          'KVM-PVM takes only the bits KVM_GET_SUPPORTED_CPUID lists from '
                          "xkvm's CPUID and passes the host CPU's other bits through; guests "
                          'must avoid these themselves (Linux: noxsave)')
