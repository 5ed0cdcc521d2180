"""make demo's process supervisor (tooling/management/commands/run_demo.py)."""

from tooling.management.commands import run_demo


class FakeProc:
    def __init__(self, code=None):
        self.returncode = code

    def poll(self):
        return self.returncode


def _child(name, code=None):
    child = run_demo.Child(name, ["true"], {})
    child.proc = FakeProc(code)
    return child


def test_the_dev_server_keeps_no_database_connection_per_thread():
    """20 concurrent requests left 60+ idle PostgreSQL connections under runserver (issue 17.3)."""
    web, worker, beat = run_demo.children(python="py", host="127.0.0.1", port=8000, sqlite=False)
    assert web.env["DB_CONN_MAX_AGE"] == "0"
    assert "DB_CONN_MAX_AGE" not in worker.env or worker.env["DB_CONN_MAX_AGE"] != "0"


def test_a_dead_worker_is_restarted_not_the_end_of_the_demo(monkeypatch):
    """run_demo stopped everything when its worker died (issue 17.8)."""
    monkeypatch.setattr(run_demo, "RESTART_DELAY_S", 0)
    started = []
    monkeypatch.setattr(run_demo.Child, "start", lambda self: started.append(self.name))
    said = []
    procs = [_child("web"), _child("worker", code=-9), _child("beat")]

    assert run_demo.supervise_once(procs, said.append) is True
    assert started == ["worker"] and procs[1].restarts == 1
    assert "restarting" in said[0]


def test_restarts_are_bounded_and_the_web_server_ends_the_demo(monkeypatch):
    monkeypatch.setattr(run_demo, "RESTART_DELAY_S", 0)
    monkeypatch.setattr(run_demo.Child, "start", lambda self: None)
    worker = _child("worker", code=1)
    worker.restarts = run_demo.MAX_RESTARTS
    assert run_demo.supervise_once([_child("web"), worker], lambda line: None) is False
    assert run_demo.supervise_once([_child("web", code=0), _child("worker")], lambda line: None) is False
