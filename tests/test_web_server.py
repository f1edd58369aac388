"""``rlministyler web --serve``: a request path the file system cannot take is answered 400 and the
server goes on; a port outside 0..65535 is one line before anything starts."""

from __future__ import annotations

import http.client

import pytest

from rlministyler.cli import main


@pytest.fixture()
def server(tmp_path):
    from rlministyler.web.serve import serve_in_thread

    (tmp_path / "index.html").write_text("<html>the page</html>")
    (tmp_path / "manifest.json").write_text("{}")
    server = serve_in_thread(tmp_path)
    yield server
    server.shutdown()
    server.server_close()


def get(server, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/%00", "/index.html%00.png"])
def test_a_path_the_file_system_cannot_take_is_a_bad_request(server, path):
    status, _ = get(server, path)
    assert status == 400
    assert get(server, "/index.html") == (200, b"<html>the page</html>")  # and it goes on serving


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_outside_the_range_is_one_line(tmp_path, capsys, port):
    (tmp_path / "index.html").write_text("x")
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(SystemExit) as stop:
        main(["web", "--serve", str(tmp_path), "--port", port])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--port" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
