"""`secretariat console` runs the scheduling flow by hand, with no Slack and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """\
/meeting setup 行政情報化推進本部 secretariat=情報管理課 place=庁議室（本庁舎5階）
/meeting schedule 2099-06-24 11:00-12:00
:press 1
:user U0MEMBER
/meeting schedule 2099-07-01 11:00-12:00
:user U0SEC
/meeting schedule

6月25日
11時-12時
第二会議室


/meeting member @honbucho chair title=副区長
/meeting
:cancel
:thread last
:quit
"""


def test_console_schedules_announces_and_records_attendance(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'console.sqlite3'}"
    # No route out of this machine: the console must not need one.
    env["SLACK_API_URL"] = "http://192.0.2.1:9/api/"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "令和81年度 第1回行政情報化推進本部" in out
    assert "令和81年6月24日（水）" in out and "庁議室（本庁舎5階）" in out
    assert "[1] 出席" in out and "出席で登録しました" in out
    assert "事務局" in out.split("U0MEMBER@C0MAIN>")[1]  # the member was refused
    assert "第二会議室" in out  # the modal path announced the second meeting
    assert "<@U0CHAIR>" in out and "副区長" in out  # @honbucho became a mention
    assert "(form closed; nothing was sent)" in out and out.count("── 会議の登録 ──") == 2
    assert "  ! " not in out.split("(form closed")[1]
    last_ts = out.rsplit(" · ts ", 1)[1].split(" ")[0]
    assert f"thread {last_ts})" in out  # :thread last replies under the newest post
    assert "Traceback" not in out + result.stderr
