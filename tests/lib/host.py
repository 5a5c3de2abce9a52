# SPDX-License-Identifier: GPL-2.0-only
"""What kind of KVM this host has (kvm-pvm.md): tests adapt their expectations to it and
say loudly what they could not check."""
import os
import re
from functools import lru_cache


@lru_cache(maxsize=None)
def kvm_pvm():
    """True when /dev/kvm is served by the software KVM-PVM module."""
    return os.path.exists('/sys/module/kvm_pvm')


@lru_cache(maxsize=None)
def hw_virt():
    """True when the CPU has VMX or SVM and /dev/kvm is not KVM-PVM."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((l for l in f if l.startswith('flags')), '')
    except OSError:
        return False
    return bool(re.search(r'\b(vmx|svm)\b', flags)) and not kvm_pvm()


def kind():
    return 'KVM-PVM (software)' if kvm_pvm() else ('hardware KVM' if hw_virt() else 'unknown KVM')
