from __future__ import annotations

import pytest

from tests.conftest import require_or_skip


@pytest.fixture(scope="module")
def judge(request):
    """A warm sandboxed judge shared by a test module; `JUDGE_WORKERS` in the module sets its size."""
    from verifiers.code import Judge, sandbox_problem

    problem = sandbox_problem()
    require_or_skip(problem is None, f"bubblewrap unusable: {problem}")
    with Judge(workers=getattr(request.module, "JUDGE_WORKERS", 2)) as j:
        yield j
