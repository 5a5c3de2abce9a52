# SPDX-License-Identifier: GPL-2.0-only
"""The README's QMP demo (scripts/qmp-demo.sh) runs as shown."""
import json
import os
import subprocess

from xkvm import BUILD, ROOT


def test_qmp_demo_script():
    r = subprocess.run([str(ROOT / 'scripts' / 'qmp-demo.sh')], capture_output=True, text=True,
                       timeout=60, env={**os.environ, 'XKVM_BUILD': str(BUILD)})
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    assert msgs[0] == {'return': {'name': 'demo'}}
    assert {'return': {'status': 'paused', 'singlestep': False, 'running': False}} in msgs
    assert [m['event'] for m in msgs if 'event' in m] == ['POWERDOWN', 'SHUTDOWN']
    assert msgs[-1]['data'] == {'guest': True, 'reason': 'guest-shutdown'}
    assert 'xkvm exited with status 0' in r.stderr
