"""导出汇报材料: the slides, the chart images, the summary workbook and the written report, built from one gathering
of the facts (store.meeting.gather), each alone or all four in one .zip, with progress reported step by step."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from present import charts
from present import meeting as pm
from present import strings as s
from reports import render
from reports.report import DOCX_MIME, build_report
from reports.slides import PPTX_MIME, build_slides, cover_title
from reports.tables import XLSX_MIME
from reports.workbook import build_workbook
from store.meeting import MeetingData

ZIP_MIME = "application/zip"
PARTS = ("pptx", "png", "xlsx", "docx")  # what can be built, in the order they are built
CHARTS_FOLDER = "图表"
MIMES = {"pptx": PPTX_MIME, "png": ZIP_MIME, "xlsx": XLSX_MIME, "docx": DOCX_MIME}
Progress = Callable[[int, int, str], None]  # (done, total, what is being built)


@dataclass(frozen=True)
class Material:
    """One built file: its name, bytes and MIME type."""

    name: str
    data: bytes
    mime: str


def chart_images(screens: Sequence[pm.Screen], progress: Callable[[str], None] | None = None,
                 titled: bool = True) -> dict[str, bytes]:
    """screen key → PNG of its figure (with its title, or without it when the slide's title repeats it), all from
    the one renderer of the process."""
    images: dict[str, bytes] = {}
    for screen in pm.chart_screens(list(screens)):
        figure = screen.figure if titled else pm.untitled(screen)
        if progress:
            progress(screen.title)
        if figure is not None:
            images[screen.key] = render.png(figure)
    return images


def chart_files(screens: Sequence[pm.Screen], images: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """(file name, PNG) of every chart, numbered in screen order."""
    return [(s.FILE_CHART.format(n=n, title=charts.file_stem(screen.title)), images[screen.key])
            for n, screen in enumerate(pm.chart_screens(list(screens)), start=1)]


def _zip(files: Sequence[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return buf.getvalue()


def build(data: MeetingData, parts: Sequence[str] = PARTS, progress: Progress | None = None) -> dict[str, Material]:
    """The chosen parts of the meeting material (pptx, png, xlsx, docx) from the gathered facts."""
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise ValueError(f"unknown parts {unknown}: choose from {', '.join(PARTS)}")
    year = data.year
    scope = pm.scope_text(data.filters.departments, data.filters.units)
    footer = pm.footer(data, scope)
    screens = pm.screens(data, charts.PRESENTATION)
    n_charts = len(pm.chart_screens(screens))
    total = n_charts * (("pptx" in parts) + ("png" in parts)) + sum(1 for p in parts if p != "png")
    done = 0

    def step(what: str) -> None:
        nonlocal done
        if progress:
            progress(done, total, what)
        done += 1

    found: dict[str, Material] = {}
    for part in parts:
        if part == "png":
            images = chart_images(screens, step)
            found[part] = Material(s.FILE_CHARTS.format(year=year), _zip(chart_files(screens, images)), ZIP_MIME)
            continue
        if part == "pptx":  # the slide's title stands above the image: the image repeats it no more
            images = chart_images(screens, step, titled=False)
        step(s.EXPORT_WHAT[part])
        if part == "pptx":
            found[part] = Material(s.FILE_SLIDES.format(year=year),
                                   build_slides(screens, images, cover_title(year), footer), PPTX_MIME)
        elif part == "xlsx":
            found[part] = Material(s.FILE_WORKBOOK.format(year=year), build_workbook(data), XLSX_MIME)
        elif part == "docx":
            found[part] = Material(s.FILE_REPORT.format(year=year), build_report(data), DOCX_MIME)
    if progress:
        progress(total, total, "")
    return found


def bundle(data: MeetingData, progress: Progress | None = None) -> Material:
    """All four as one .zip: the slides, the workbook, the report, and the charts in a folder of PNGs."""
    built = build(data, PARTS, progress)
    screens_files: list[tuple[str, bytes]] = []
    for part in ("pptx", "xlsx", "docx"):
        screens_files.append((built[part].name, built[part].data))
    with zipfile.ZipFile(io.BytesIO(built["png"].data)) as charts_zip:
        for name in charts_zip.namelist():
            screens_files.append((f"{CHARTS_FOLDER}/{name}", charts_zip.read(name)))
    return Material(s.FILE_BUNDLE.format(year=data.year), _zip(screens_files), ZIP_MIME)


def write(data: MeetingData, out: Path, progress: Progress | None = None) -> list[Path]:
    """Write the material into folder `out` (the command line): the .zip, and beside it the slides, workbook,
    report and the chart PNGs in 图表/. Returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    built = bundle(data, progress)
    written = [out / built.name]
    written[0].write_bytes(built.data)
    with zipfile.ZipFile(io.BytesIO(built.data)) as z:
        for name in z.namelist():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(name))
            written.append(target)
    return written
