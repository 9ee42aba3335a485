"""Issue 13, finding 7: the window says in one line which system libraries it lacks (with the
command that installs them), or that there is no display, instead of Qt aborting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui.window.platform_check import (
    family,
    install_command,
    missing_libraries,
    platform_problem,
    plugin_path,
    run_ldd,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "platform"
# ldd of PySide6's libqxcb.so on a stock Debian 12 with a display (libxcb-cursor0 installed)
DEBIAN_LDD = (FIXTURES / "ldd-qxcb-debian12.txt").read_text(encoding="utf-8")
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'
FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\n'
ARCH = 'NAME="Arch Linux"\nID=arch\n'
X11 = {"DISPLAY": ":0"}


def test_the_missing_libraries_are_read_from_ldd_once_each():
    assert missing_libraries(DEBIAN_LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert missing_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_stock_debian_12_is_told_which_packages_to_install_in_one_line():
    message = platform_problem(X11, ldd_output=DEBIAN_LDD, os_release=DEBIAN, system="linux")
    assert message is not None and "\n" not in message
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert message.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")
    assert "cursor" not in message  # Qt's own hint names a library that is installed


@pytest.mark.parametrize(
    ("release", "command"),
    [
        (UBUNTU, "sudo apt-get install libxcb-icccm4 libxcb-keysyms1"),
        (FEDORA, "sudo dnf install xcb-util-wm xcb-util-keysyms"),
        (ARCH, "sudo pacman -S xcb-util-wm xcb-util-keysyms"),
    ],
)
def test_each_distribution_gets_its_own_command(release, command):
    message = platform_problem(X11, ldd_output=DEBIAN_LDD, os_release=release, system="linux")
    assert message.endswith(command)


def test_an_unknown_distribution_gets_debian_names_and_the_readme():
    message = platform_problem(X11, ldd_output=DEBIAN_LDD, os_release="ID=plan9\n", system="linux")
    assert "libxcb-icccm4" in message and "README" in message


def test_a_library_nobody_maps_is_still_named():
    ldd = "\tlibqxcb-extra.so.7 => not found\n"
    message = platform_problem(X11, ldd_output=ldd, os_release=DEBIAN, system="linux")
    assert "libqxcb-extra.so.7" in message and "install" not in message
    assert install_command(["libqxcb-extra.so.7"], "debian") == ""


def test_nothing_is_said_when_the_plugin_loads_or_another_platform_is_used():
    complete = "\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)\n"
    assert platform_problem(X11, ldd_output=complete, os_release=DEBIAN, system="linux") is None
    offscreen = {"QT_QPA_PLATFORM": "offscreen"}
    assert platform_problem(offscreen, ldd_output=DEBIAN_LDD, system="linux") is None
    wayland = {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}
    assert platform_problem(wayland, ldd_output=DEBIAN_LDD, system="linux") is None
    assert platform_problem(X11, ldd_output=DEBIAN_LDD, system="darwin") is None


def test_no_display_is_said_as_such():
    message = platform_problem({}, ldd_output="", system="linux")
    assert "no display" in message and "--help" in message


def test_the_distribution_family_comes_from_os_release():
    assert family(DEBIAN) == "debian"
    assert family(UBUNTU) == "debian"
    assert family(FEDORA) == "fedora"
    assert family(ARCH) == "arch"
    assert family('ID="rocky"\nID_LIKE="rhel centos fedora"\n') == "fedora"
    assert family("") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")
def test_the_real_plugin_is_found_and_ldd_reads_it():
    plugin = plugin_path()
    assert plugin is not None and plugin.name == "libqxcb.so"
    output = run_ldd(plugin)
    assert output is not None and "libQt6XcbQpa" in output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux display check")
def test_main_without_a_display_exits_1_with_one_line_and_creates_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--library", str(tmp_path / "lib")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "no display" in done.stderr
    assert not (tmp_path / "lib").exists()


def test_main_renders_a_screenshot_through_the_window_path(tmp_path):
    """`python main.py --screenshot` reaches ui.window.app (the regroup had broken the import)."""
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "main.py"),
            "--library",
            str(tmp_path / "lib"),
            "--screenshot",
            str(tmp_path / "shot.png"),
        ],
        capture_output=True,
        text=True,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shot.png").stat().st_size > 10_000
