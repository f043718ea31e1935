"""core.io's I/O error messages (issue 19): the cause by name, the path, what to do."""
from __future__ import annotations

import errno
import os

import pytest

from core.io import describe_os_error, locate_os_error


@pytest.mark.parametrize("code, advice", [(errno.EACCES, "check the permissions"), (errno.EIO, "I/O error"),
                                          (errno.ENOSPC, "free space there")])
def test_one_line_with_cause_path_and_advice(tmp_path, code, advice):
    line = describe_os_error(OSError(code, os.strerror(code), str(tmp_path / "out" / "x.parquet")), "crawl job")
    assert line.startswith(f"crawl job stopped: {os.strerror(code)} ({errno.errorcode[code]}) at {tmp_path}/out/x.parquet")
    assert advice in line and "\n" not in line


def test_an_error_without_a_path_gets_the_folder_being_written(tmp_path):
    # pyarrow's and fsspec's write errors carry an errno but no file name
    bare = OSError(errno.EIO, "Error writing bytes to file. Detail: [errno 5] Input/output error")
    located = locate_os_error(bare, [tmp_path / "out", tmp_path])
    assert located.filename == str(tmp_path / "out") and located.errno == errno.EIO
    assert describe_os_error(located).startswith(f"the job stopped: Input/output error (EIO) at {tmp_path}/out")
    named = PermissionError(errno.EACCES, "Permission denied", "/etc/x")
    assert locate_os_error(named, [tmp_path]) is named
