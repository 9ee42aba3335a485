"""Screenshots for issue 13 (offscreen): the dark theme with a selection over a blue highlight
and the find bar's current match among the others; the Import Annotations report of a
Readwise export (tests/fixtures/foreign) over the seed article and a news page.

Not a test: python tests/shots/roundtrip.py [OUT_FOLDER]   (default assets/screenshots)
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from index import Library  # noqa: E402
from ui.window.app import make_app  # noqa: E402
from ui.window.main_window import MainWindow  # noqa: E402
from ui.window.settings import Settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dialogs import wait_until  # noqa: E402  (the shots share one waiting loop)

SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_e45523c9750e1e33.txt"
NEWS = ROOT / "tests" / "fixtures" / "html" / "news_article.html"
READWISE = ROOT / "tests" / "fixtures" / "foreign" / "readwise_export.csv"
BLUE = "the massacre of 17 persons on Monday by Peruvian police"
SELECTED = "17 persons on Monday by Peruvian police in the southeastern Andean city"


def dark_selection(app, lib, aid, scratch: Path, out: Path) -> Path:
    """The dark theme: a blue highlight, a selection half over it, find matches for "Puno"."""
    store = QSettings(str(scratch / "settings-dark.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, Settings(store, str(lib.path)))
    window.resize(1280, 800)
    window.apply_theme("dark")
    window.show()
    window.open_article(aid)
    window.find_bar.open_bar()
    window.find_bar.line.setText("Puno")
    window.reader.step_mark(1)
    text = window.reader.text
    window.reader.scroll_to_offset(1)  # the first line at the top: the Puno matches in view
    start = text.index(SELECTED)
    window.reader.select_range(start, start + len(SELECTED))
    window.reader.setFocus()
    app.processEvents()
    path = out / "dark-selection.png"
    window.grab().save(str(path))
    window.close()
    return path


def import_report(app, lib, scratch: Path, out: Path) -> Path:
    """File › Import Annotations… on a Readwise export: placed rows and rows not placed."""
    store = QSettings(str(scratch / "settings-report.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, Settings(store, str(lib.path)))
    window.resize(1280, 800)
    window.show()
    actions = window.annotation_import
    actions.import_file(str(READWISE))
    wait_until(app, lambda: actions.report is not None and actions.report.isVisible())
    app.processEvents()
    path = out / "import-annotations.png"
    actions.report.grab().save(str(path))
    actions.report.tabs.setCurrentIndex(1)
    app.processEvents()
    actions.report.grab().save(str(out / "import-annotations-placed.png"))
    actions.report.close()
    window.close()
    return path


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "assets" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    scratch = Path(tempfile.mkdtemp(prefix="gloss-shots-"))
    source = scratch / "peru.txt"
    source.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    lib = Library.open(scratch / "lib", create_welcome=False)
    aid = lib.import_paths([source]).article_ids[0]
    lib.annotate_quote(aid, BLUE, color="blue", note="Juliaca, 9 January", tags=["peru"])
    lib.annotate_quote(aid, "Lake Titicaca", color="yellow", tags=["geography"])
    lib.annotate_quote(aid, "three-day curfew", color="green")
    written = [dark_selection(app, lib, aid, scratch, out)]
    lib.import_paths([NEWS])
    written.append(import_report(app, lib, scratch, out))
    lib.close()
    shutil.rmtree(scratch)
    QApplication.processEvents()
    print("written", *written)


if __name__ == "__main__":
    main()
