"""Before Qt starts: can the window open at all? One line saying why not, never a Qt abort.

On Linux, Qt draws through its X11 platform plugin (`libqxcb.so`, shipped inside
PySide6). When a system library it links against is missing (libxcb-icccm4 and
libxcb-keysyms1 are absent from a stock Debian 12), Qt prints a misleading hint and
aborts the process. This module asks `ldd` about the plugin first, and when a library
is "not found" names it with the command that installs it on this distribution.
It imports nothing from Qt, so it can run before the QApplication exists.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PLUGIN = Path("Qt", "plugins", "platforms", "libqxcb.so")
LDD_TIMEOUT_S = 10

# soname → package on (Debian/Ubuntu, Fedora, Arch): what Qt's xcb plugin links against.
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
}
# distribution family → (column in PACKAGES, install command)
FAMILIES: dict[str, tuple[int, str]] = {
    "debian": (0, "sudo apt-get install"),
    "fedora": (1, "sudo dnf install"),
    "arch": (2, "sudo pacman -S"),
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries `ldd` could not find (its "NAME => not found" lines), each once."""
    found: list[str] = []
    for line in ldd_output.splitlines():
        match = _NOT_FOUND.match(line)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def family(os_release: str) -> str | None:
    """ "debian", "fedora" or "arch" from the text of /etc/os-release (ID, then ID_LIKE)."""
    fields: dict[str, str] = {}
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        fields[key.strip()] = value.strip().strip("\"'").lower()
    names = [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]
    for name in names:
        if name in ("debian", "ubuntu", "linuxmint", "pop", "raspbian"):
            return "debian"
        if name in ("fedora", "rhel", "centos", "rocky", "almalinux"):
            return "fedora"
        if name in ("arch", "manjaro", "endeavouros"):
            return "arch"
    return None


def install_command(missing: list[str], distro: str | None) -> str:
    """The command that installs the packages holding `missing` ("" when none is known)."""
    column, command = FAMILIES.get(distro or "debian", FAMILIES["debian"])
    packages: list[str] = []
    for name in missing:
        known = PACKAGES.get(name)
        if known and known[column] not in packages:
            packages.append(known[column])
    return f"{command} {' '.join(packages)}" if packages else ""


def plugin_path() -> Path | None:
    """Where PySide6's X11 plugin is (found without importing PySide6), or None."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / PLUGIN
    return path if path.exists() else None


def run_ldd(plugin: Path) -> str | None:
    """`ldd PLUGIN`'s output, or None when ldd cannot run here."""
    try:
        done = subprocess.run(
            ["ldd", str(plugin)], capture_output=True, text=True, timeout=LDD_TIMEOUT_S
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def uses_x11(env: Mapping[str, str]) -> bool:
    """Whether Qt will draw through X11: no other platform asked for, not a Wayland session."""
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    wayland = env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE", "") == "wayland"
    return not wayland


def platform_problem(
    env: Mapping[str, str] | None = None,
    *,
    plugin: Path | None = None,
    ldd_output: str | None = None,
    os_release: str | None = None,
    system: str | None = None,
) -> str | None:
    """Why the window cannot open here, in one line; None when it can (or we cannot tell).

    The keyword arguments stand in for what is otherwise read from this machine
    (tests pass an ldd output and an os-release text).
    """
    env = os.environ if env is None else env
    if not (system or sys.platform).startswith("linux") or not uses_x11(env):
        return None
    if not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY") and not env.get("QT_QPA_PLATFORM"):
            return None  # Qt tries Wayland then
        return (
            "Gloss cannot open its window: there is no display (DISPLAY is not set). "
            "The command line works without one: python main.py --help"
        )
    if ldd_output is None:
        plugin = plugin or plugin_path()
        ldd_output = run_ldd(plugin) if plugin is not None else None
    missing = missing_libraries(ldd_output or "")
    if not missing:
        return None
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            os_release = ""
    distro = family(os_release)
    command = install_command(missing, distro)
    how = f"; install them with: {command}" if command else ""
    if distro is None:
        how += " (Debian/Ubuntu names; the README lists them for Fedora and Arch)"
    return (
        "Gloss cannot open its window: Qt's X11 plugin needs system libraries that are "
        f"missing ({', '.join(missing)}){how}"
    )
