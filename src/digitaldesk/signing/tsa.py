"""A small RFC 3161 timestamp authority over HTTP, backed by the demo CA's TSA certificate.

For the demo, for embedded single-machine installs without a TSA of their own,
and for the tests (which run it in a thread on 127.0.0.1). Production should set
DESK_TSA_URL to the timestamp service of its CA (e.g. the Ban Cơ yếu TSA).
The token itself is built by pyHanko's in-process TSA (a real, signed RFC 3161
TimeStampToken with nonce and the TSA certificate embedded).

    desk signing-tsa --port 8318     # then DESK_TSA_URL=http://127.0.0.1:8318/
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from digitaldesk.signing.ca import DemoCA
from digitaldesk.signing.crypto import to_asn1

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 64 * 1024


def demo_stamper(ca: DemoCA) -> DummyTimeStamper:
    key_pem = ca.tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=to_asn1(ca.tsa),
        tsa_key=load_private_key_from_pemder_data(key_pem, None),
        certs_to_embed=SimpleCertificateStore.from_certs([to_asn1(ca.issuing)]),
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802  (http.server API)
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_REQUEST_BYTES:
            self.send_error(413 if length else 411)
            return
        try:
            request = tsp.TimeStampReq.load(self.rfile.read(length))
            response = self.server.stamper.request_tsa_response(request).dump()
        except Exception:  # a malformed request must not kill the server
            log.warning("bad timestamp request", exc_info=True)
            self.send_error(400, "malformed TimeStampReq")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(response)))
        self.end_headers()
        self.wfile.write(response)
        with self.server.lock:
            self.server.count += 1

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("tsa: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], stamper: DummyTimeStamper) -> None:
        super().__init__(address, _Handler)
        self.stamper = stamper
        self.count = 0
        self.lock = threading.Lock()


class TSAServer:
    """Run the TSA in a background thread: `with TSAServer(ca) as tsa: ... tsa.url ...`."""

    def __init__(self, ca: DemoCA, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), demo_stamper(ca))
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="desk-tsa", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def count(self) -> int:
        return self._server.count

    def start(self) -> TSAServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TSAServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
