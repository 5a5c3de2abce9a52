# SPDX-License-Identifier: GPL-2.0-only
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / 'lib'))

import pytest  # noqa: E402


def pytest_report_header(config):
    import xkvm
    return [f'xkvm binary: {xkvm.XKVM}', f'guest programs: {xkvm.GUEST_DIR}']


@pytest.fixture(scope='session', autouse=True)
def need_kvm():
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        pytest.fail('/dev/kvm is not usable: the KVM tests cannot run on this host')


def pytest_terminal_summary(terminalreporter):
    import notchecked
    notchecked.summary(terminalreporter)
