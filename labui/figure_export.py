"""A run's figures for slides and for a browser, with no Streamlit (the CLI imports it too).

- PNGs at 16:9 (1,600 x 900) in the presenter's type sizes (``theme.for_room``), drawn by plotly's own static-image
  engine, kaleido 1.x, which drives a Chromium. kaleido (through choreographer) takes the browser named by the
  ``BROWSER_PATH`` environment variable, else the first Chrome or Chromium on ``PATH`` (Debian's ``chromium``
  here), else one fetched by ``plotly_get_chrome``. With none, ``render_pngs`` says so in one sentence and the
  rest of an export is still written.
- The map's replay as a GIF: one PNG frame per snapshot, the same PNGs, put together with Pillow.
- "Figures (HTML)": every live chart of the run in one page that loads one plotly.js.
"""
from __future__ import annotations

import asyncio
import html
import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from . import theme
from . import lab_figures as F
from .word_figures import word_rho_figure

SLIDE = (1600, 900)  # 16:9, wide enough for a projector's full width
GIF_FRAME_MS = 250
NO_BROWSER = ("No Chrome or Chromium was found for the PNG and GIF figures (kaleido needs one): install Chromium "
              "or set BROWSER_PATH to its program; everything else was written.")
# plotly.js's "cartesian" bundle (MIT, from the npm package plotly.js-cartesian-dist-min at the version the plotly
# package draws with): scatter, bar and heatmap, the traces every exported chart uses, in 1.5 MB where the full
# plotly.js is 4.7 MB, so one page holds a whole run and still opens offline, on a lecture-hall laptop.
PLOTLY_BUNDLE = Path(__file__).resolve().parent.parent / "assets" / "plotly-cartesian.min.js"


@dataclass
class RunFigures:
    """What a run's figures are drawn from: plain numbers, the same for the lab's view and the CLI's engine."""

    history: list[dict]
    floor: float
    teacher_sigma: np.ndarray
    d_s: int
    product_sv: np.ndarray | None
    we_sv: list[np.ndarray]
    teacher_xy: np.ndarray
    words: list[str]
    groups: list[str]
    frames: list[tuple[int, np.ndarray]] = field(default_factory=list)
    method: str = "PCA"

    @classmethod
    def from_view(cls, view, method: str = "PCA") -> "RunFigures":
        setup = view.setup
        frames, teacher_xy = (view.frames_umap, setup.umap_teacher) if (
            method == "UMAP" and view.frames_umap and setup.umap_teacher is not None) else (view.frames_pca,
                                                                                             setup.pca_teacher)
        return cls(list(view.history), setup.floor, setup.teacher_sigma, setup.d_s, view.product_sv,
                   list(view.we_sv), teacher_xy, setup.words, setup.groups, list(frames),
                   "UMAP" if teacher_xy is setup.umap_teacher else "PCA")

    # -- the figures --------------------------------------------------------------------------------------
    def loss(self) -> go.Figure:
        return F.loss_figure(self.history, self.floor)

    def spectrum(self) -> go.Figure:
        return F.spectrum_figure(self.teacher_sigma, self.d_s, self.product_sv)

    def map(self, animate: bool = False, upto: int | None = None) -> go.Figure:
        frames = self.frames if upto is None else self.frames[: upto + 1]
        return F.map_figure(self.teacher_xy, self.words, self.groups, frames, self.method, animate=animate)

    def live(self) -> dict[str, go.Figure]:
        """Every chart the lab shows, at the same step: the replay's slider starts at the newest frame."""
        figs = {"loss": self.loss(), "spectrum": self.spectrum()}
        if any(h.get("wordsim_rho") is not None for h in self.history):
            figs["words"] = word_rho_figure(self.history)
        figs["map"] = self.map(animate=len(self.frames) > 1)
        figs["we"] = F.we_figure([h["step"] for h in self.history], self.we_sv)
        return figs

    def slides(self) -> dict[str, go.Figure]:
        """loss, spectrum and map (the newest frame) for a slide: presenter type, 16:9."""
        return {name: slide(fig) for name, fig in (("loss", self.loss()), ("spectrum", self.spectrum()),
                                                   ("map", self.map()))}

    def replay_slides(self) -> list[go.Figure]:
        """The map at each snapshot, first to last, for the GIF."""
        return [slide(self.map(upto=i)) for i in range(len(self.frames))]


def slide(fig: go.Figure) -> go.Figure:
    """The figure in the presenter's sizes at SLIDE's 16:9, without the controls a picture cannot use."""
    fig = go.Figure(fig)
    theme.for_room(fig)
    fig.update_layout(width=SLIDE[0], height=SLIDE[1], updatemenus=[], sliders=[])
    fig.frames = []
    return fig


# -- PNG and GIF ------------------------------------------------------------------------------------------
def browser() -> str | None:
    """The Chromium kaleido will use, found as choreographer finds it (BROWSER_PATH, then PATH), or None."""
    named = os.environ.get("BROWSER_PATH")
    if named:
        return named if Path(named).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


async def _render(figs: list[go.Figure]) -> list[bytes]:
    import kaleido

    out = []
    async with kaleido.Kaleido(n=1) as k:  # one browser for every figure: its start costs ~2 s, a figure ~0.1 s
        for fig in figs:
            w, h = fig.layout.width or SLIDE[0], fig.layout.height or SLIDE[1]
            out.append(await k.calc_fig(fig.to_dict(), opts=dict(format="png", width=w, height=h)))
    return out


def render_pngs(figs: list[go.Figure]) -> tuple[list[bytes], str | None]:
    """PNG bytes of each figure, or ([], one sentence saying why not)."""
    if not figs:
        return [], None
    if browser() is None:
        return [], NO_BROWSER
    try:
        return asyncio.run(_render(figs)), None
    except Exception as exc:  # kaleido's own errors (no browser, a browser that would not start) end in a sentence
        if "Chrome" in type(exc).__name__ or "browser" in str(exc).lower() or "chrom" in str(exc).lower():
            return [], NO_BROWSER
        return [], f"The figures could not be drawn as PNG ({type(exc).__name__}: {exc}); everything else was written."


def gif_bytes(pngs: list[bytes], frame_ms: int = GIF_FRAME_MS) -> bytes:
    """An animated GIF, one frame per PNG, looping, the last frame held a little longer."""
    from PIL import Image

    frames = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    # One palette for every frame (from the last: it holds every colour the map uses), so colours do not flicker.
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    quantized = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    durations = [frame_ms] * (len(quantized) - 1) + [frame_ms * 6]
    quantized[0].save(buf, format="GIF", save_all=True, append_images=quantized[1:], duration=durations, loop=0,
                      optimize=False, disposal=1)
    return buf.getvalue()


def write_figures(run: RunFigures, out: Path) -> tuple[list[Path], str | None]:
    """OUT/figures/loss.png, spectrum.png, map.png and map_replay.gif; returns the files written and a sentence
    when the PNGs and the GIF could not be drawn."""
    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    slides = run.slides()
    replay = run.replay_slides()
    pngs, problem = render_pngs(list(slides.values()) + replay)
    if problem:
        return [], problem
    written = []
    for name, png in zip(slides, pngs):
        path = folder / f"{name}.png"
        path.write_bytes(png)
        written.append(path)
    if replay:
        path = folder / "map_replay.gif"
        path.write_bytes(gif_bytes(pngs[len(slides):]))
        written.append(path)
    return written, None


# -- one HTML page ----------------------------------------------------------------------------------------
def figures_html(figs: dict[str, go.Figure], heading: str = "Embedding distillation run") -> str:
    """Every figure in one self-contained page that opens offline: plotly.js's cartesian bundle (1.5 MB, more than
    every chart of a run together) is inlined once, and every chart draws with it."""
    # auto_play off: the replay would start on opening, and its slider then disagreed with every other chart's step
    parts = [fig.to_html(full_html=False, include_plotlyjs=False, config=theme.CONFIG, auto_play=False)
             for fig in figs.values()]
    bundle = PLOTLY_BUNDLE.read_text(encoding="utf-8").replace("</script", "<\\/script")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(heading)}</title>"
            f"<script>{bundle}</script>"
            f"<style>body{{font-family:{theme.FAMILY};color:{theme.INK};max-width:1200px;margin:auto;padding:1em}}"
            "</style></head><body>"
            f"<h1>{html.escape(heading)}</h1>" + "".join(parts) + "</body></html>")
