"""`cmake --install --component python` puts the module where LKFLOW_PYTHON_INSTALL_DIR says,
under the prefix, and the interpreter imports it from there."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest


def test_install_component_python(tmp_path):
    build = os.environ.get("LKFLOW_BUILD_DIR")
    if not build:
        pytest.skip("LKFLOW_BUILD_DIR is not set (set by CTest when LKFLOW_INSTALL is on)")
    if shutil.which("cmake") is None:
        pytest.skip("no cmake on PATH")
    subprocess.run(["cmake", "--install", build, "--component", "python", "--prefix",
                    str(tmp_path)], check=True, capture_output=True)
    folder = pathlib.Path(os.environ["LKFLOW_PYTHON_INSTALL_DIR"])
    folder = folder if folder.is_absolute() else tmp_path / folder
    installed = list(folder.glob("lkflow*.so"))
    assert len(installed) == 1, sorted(str(p) for p in tmp_path.rglob("*"))
    out = subprocess.run(
        [sys.executable, "-c", "import lkflow; print(lkflow.__file__, lkflow.__version__)"],
        env=dict(os.environ, PYTHONPATH=str(folder)), capture_output=True, text=True, check=True)
    assert out.stdout.startswith(str(installed[0]))
