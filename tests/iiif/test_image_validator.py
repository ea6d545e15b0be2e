"""The official IIIF Image API validator (PyPI iiif-validator) passes every level 0, 1 and 2 test for version 3.0
against Twiza serving the validator's test image, over real HTTP.

The validator lives in a virtual environment of its own (its dependency `iiif` would shadow our package), made
once in a cache folder (TWIZA_TOOLS_CACHE, default ~/.cache/twiza) with pinned versions from PyPI.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from archive.db import db
from archive.services.packages import import_package

IDENTIFIER = "67352ccc-d1b0-11e1-89ae-279075081939"
VALIDATOR = ["iiif-validator==1.0.5", "bottle==0.13.4", "lxml==6.1.3", "pillow==13.0.0", "python-magic==0.4.27"]


def validator_env() -> Path:
    """The validator's virtual environment, made on first use."""
    cache = Path(os.environ.get("TWIZA_TOOLS_CACHE") or Path.home() / ".cache" / "twiza")
    venv = cache / f"iiif-validator-{VALIDATOR[0].split('==')[1]}"
    stamp = venv / ".twiza-installed"
    if not stamp.is_file() or stamp.read_text() != "\n".join(VALIDATOR):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *VALIDATOR], check=True)
        stamp.write_text("\n".join(VALIDATOR))
    return venv


@pytest.fixture
def served_test_image(app, make_package, shared_dir):
    """Twiza over HTTP on 127.0.0.1, holding the validator's test image under its identifier."""
    from werkzeug.serving import make_server

    image = shared_dir / "standards" / "iiif" / f"{IDENTIFIER}.png"
    line = {"id": "iiif-validator-test-image", "kind": "craft", "license": "CC0-1.0", "access": "public",
            "status": "published", "title": [{"value": "IIIF Image API validator test image", "lang": "en"}],
            "media": [{"path": "media/test-image.png", "id": IDENTIFIER}]}
    import_package(make_package([line], files={"media/test-image.png": image.read_bytes()}))
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="iiif-image-server", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_iiif_image_validator_passes_levels_0_1_2(served_test_image):
    venv = validator_env()
    result = subprocess.run(
        [str(venv / "bin" / "python"), str(venv / "bin" / "iiif-validate.py"), "-s", served_test_image,
         "-p", "iiif/3/image", "-i", IDENTIFIER, "--version=3.0", "--level=2"],
        capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    print(output)
    summary = re.search(r"Done \((\d+) tests, (\d+) failures\)", output)
    assert summary, output
    tests, failures = int(summary[1]), int(summary[2])
    assert failures == 0 and result.returncode == 0, output
    assert tests >= 33 and output.count(" PASS") == tests, output
