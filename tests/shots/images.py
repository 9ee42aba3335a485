"""Screenshots of images in the reader (offscreen): a Markdown clipping with its picture and
caption, a page read from a WARC with the picture the archive captured, the enlarged view,
and the unsaved-links list; light and dark. The pictures are painted here with Qt.

Not a test: python tests/shots/images.py [OUT_FOLDER]   (default /work/shots/images)
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from movein_files import LIGHTHOUSE, article_html, write_response  # noqa: E402
from PySide6.QtCore import QBuffer, QPointF, QRectF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPolygonF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from index.library import Library  # noqa: E402
from ui.reader.figure import stored_image  # noqa: E402
from ui.reader.image_viewer import ImageViewer  # noqa: E402
from ui.window.app import make_app  # noqa: E402
from ui.window.main_window import MainWindow  # noqa: E402
from ui.window.settings import Settings  # noqa: E402

CLIPPING = """---
title: The Harbour Light at Dusk
source: https://harbour.example/light
author: "[[Ines Marlowe]]"
published: 2024-04-11
---

The light on the outer mole was first lit in 1887, and for a century a keeper climbed
its ninety-one steps each evening before the fishing boats came back round the point.

![The white tower of the harbour light against an evening sky](assets/harbour-light.png)
The harbour light at dusk, seen from the fish quay.

The lamp was converted to electricity in 1962 and the keeper's cottage became a small
museum, where the old brass lens is kept on a turntable that still turns by hand.
"""


def painting(width: int, height: int, sky: tuple[str, str], fmt: str = "PNG") -> bytes:
    """A small harbour scene: sky, sea, a lighthouse and its beam."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    gradient = QLinearGradient(0, 0, 0, height * 0.7)
    gradient.setColorAt(0, QColor(sky[0]))
    gradient.setColorAt(1, QColor(sky[1]))
    p.fillRect(QRectF(0, 0, width, height * 0.7), gradient)
    p.fillRect(QRectF(0, height * 0.7, width, height * 0.3), QColor("#24476b"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#f6d38a"))
    p.drawEllipse(QPointF(width * 0.78, height * 0.52), height * 0.09, height * 0.09)
    p.setBrush(QColor(255, 244, 200, 90))
    x = width * 0.3
    p.drawPolygon(
        QPolygonF([QPointF(x, height * 0.24), QPointF(0, height * 0.1), QPointF(0, height * 0.36)])
    )
    p.setBrush(QColor("#f2f2ee"))
    p.drawPolygon(
        QPolygonF(
            [
                QPointF(x - width * 0.03, height * 0.72),
                QPointF(x - width * 0.018, height * 0.28),
                QPointF(x + width * 0.018, height * 0.28),
                QPointF(x + width * 0.03, height * 0.72),
            ]
        )
    )
    p.setBrush(QColor("#b8322a"))
    p.drawRect(QRectF(x - width * 0.024, height * 0.2, width * 0.048, height * 0.08))
    p.setBrush(QColor("#3b3b3b"))
    p.drawRect(QRectF(0, height * 0.72, width * 0.45, height * 0.04))
    p.end()
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, fmt)
    return bytes(buffer.data())


def write_warc(path: Path, picture: bytes) -> None:
    page = article_html(
        "The Keeper of the Northern Light",
        LIGHTHOUSE,
        author="Mara Quill",
        published="2021-03-04T08:00:00Z",
        images=["/img/northern-light.jpg"],
    ).replace('alt="a picture"', 'alt="The northern light from the headland"')
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        write_response(
            writer,
            "https://coast.example/lighthouse",
            page.encode(),
            "text/html; charset=utf-8",
            "2024-02-02T09:30:00Z",
        )
        write_response(
            writer,
            "https://coast.example/img/northern-light.jpg",
            picture,
            "image/jpeg",
            "2024-02-02T09:30:01Z",
        )


POCKET = (
    "<!DOCTYPE html><html><head><title>Pocket Export</title></head><body><h1>Unread</h1><ul>"
    "<li><a href='https://coast.example/tide-tables' time_added='1688628695'"
    " tags='coast,later'>Reading the tide tables of the estuary</a></li>"
    "<li><a href='https://harbour.example/lens' time_added='1701000000'"
    " tags='lighthouses'>How a Fresnel lens is cleaned</a></li>"
    "<li><a href='https://news.example/ferries/winter' time_added='1705000000'"
    " tags=''>Winter timetable for the island ferries</a></li>"
    "</ul></body></html>"
)


def shot(library: Path, out: Path, article: int, theme: str) -> None:
    args = [sys.executable, str(ROOT / "main.py"), "--screenshot", str(out)]
    args += ["--library", str(library), "--open", str(article), "--theme", theme]
    subprocess.run(args, check=True, cwd=ROOT, capture_output=True)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shots/images")
    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    scratch = Path(tempfile.mkdtemp(prefix="gloss-image-shots-"))
    clips = scratch / "clips"
    (clips / "assets").mkdir(parents=True)
    (clips / "assets" / "harbour-light.png").write_bytes(
        painting(1400, 820, ("#f0a460", "#6d5a8c"))
    )
    (clips / "harbour-light.md").write_text(CLIPPING, encoding="utf-8")
    write_warc(scratch / "coast.warc.gz", painting(900, 520, ("#9cc7e8", "#e9f1f5"), "JPG"))
    (scratch / "ril_export.html").write_text(POCKET, encoding="utf-8")
    lib = Library.open(scratch / "lib", create_welcome=False)
    report = lib.import_paths([clips, scratch / "coast.warc.gz", scratch / "ril_export.html"])
    ids = {lib.get_article(i).title: i for i in report.article_ids}
    clip, page = ids["The Harbour Light at Dusk"], ids["The Keeper of the Northern Light"]
    lib.close()
    for theme in ("light", "dark"):
        shot(scratch / "lib", out / f"markdown-{theme}.png", clip, theme)
        shot(scratch / "lib", out / f"warc-{theme}.png", page, theme)
    lib = Library.open(scratch / "lib", create_welcome=False)
    store = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, Settings(store, str(lib.path)))
    window.resize(1280, 800)
    window.show()
    for theme in ("light", "dark"):
        window.apply_theme(theme, save=False)
        window.open_article(clip)
        app.processEvents()
        figure = next(b for b in lib.get_article(clip).blocks if b.kind == "figure")
        viewer = ImageViewer(
            stored_image(figure.image, lib.image_file), figure, window.reader.theme, window
        )
        viewer.show()
        app.processEvents()
        viewer.grab().save(str(out / f"viewer-{theme}.png"))
        viewer.close()
        dialog = window.show_unsaved_links()
        while dialog.table.rowCount() == 0:
            app.processEvents()
        app.processEvents()
        dialog.grab().save(str(out / f"unsaved-links-{theme}.png"))
        dialog.close()
    window.close()
    lib.close()
    QApplication.processEvents()
    shutil.rmtree(scratch)
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main())
