"""Screenshots of the digest view and the anchoring report (offscreen), on a library made
from the seed corpus article plus an edited copy re-imported over it.

Run by `make screenshots` (not a test): python tests/shots/dialogs.py
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402
from test_anchoring_report import EXACT, FUZZY, MOVED, ORPHAN, edit  # noqa: E402

from index.library import Library  # noqa: E402
from ui.window.app import make_app  # noqa: E402
from ui.window.main_window import MainWindow  # noqa: E402
from ui.window.settings import Settings  # noqa: E402

SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_e45523c9750e1e33.txt"
OUT = ROOT / "assets" / "screenshots"


def wait_until(app, test, limit=20000):
    import time

    end = time.monotonic() + limit / 1000
    while not test():
        app.processEvents()
        if time.monotonic() > end:
            raise SystemExit("timed out")
        time.sleep(0.01)


def main() -> None:
    app = make_app()
    scratch = Path(tempfile.mkdtemp(prefix="gloss-shots-"))
    source = scratch / "peru.txt"
    original = SEED.read_text(encoding="utf-8")
    source.write_text(original, encoding="utf-8")
    lib = Library.open(scratch / "lib", create_welcome=False)
    aid = lib.import_paths([source]).article_ids[0]
    lib.annotate_quote(aid, EXACT, tags=["peru", "deaths"], note="Juliaca, 9 January")
    lib.annotate_quote(aid, MOVED, color="green", tags=["peru", "puno"])
    lib.annotate_quote(aid, FUZZY, color="blue", note="who commands them?", tags=["peru"])
    lib.annotate_quote(aid, ORPHAN, color="pink", note="Lima too", tags=["peru", "capital"])
    store = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, Settings(store, str(lib.path)))
    window.resize(1280, 800)
    window.show()
    window.open_article(aid)
    # Digest
    window.search_box.set_text("tag:peru")
    dialog = window.digests.open_dialog("tag:peru")
    wait_until(app, lambda: not dialog.busy)
    app.processEvents()
    dialog.grab().save(str(OUT / "digest.png"))
    dialog.close()
    # Anchoring report after re-importing the edited copy
    source.write_text(edit(original), encoding="utf-8")
    window.import_paths([str(source)])

    def reports() -> list:
        return [d for d in window.findChildren(QDialog, "importReport") if d.isVisible()]

    wait_until(app, lambda: bool(reports()))
    reports()[0].accept()
    report = window.anchoring.dialog
    app.processEvents()
    report.grab().save(str(OUT / "anchoring.png"))
    window.close()
    lib.close()
    shutil.rmtree(scratch)
    QApplication.processEvents()
    print("written", OUT / "digest.png", OUT / "anchoring.png")


if __name__ == "__main__":
    main()
