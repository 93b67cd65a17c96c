"""Progress bars that stay readable after the run: one helper for ``fit``, dataset generation,
SGNS and ``mlprep run``.

In a terminal (or any plain Python) :func:`progress_bar` is tqdm's text bar. In a Jupyter kernel
it is tqdm's live widget while it runs, and when the bar closes the widget's output is replaced,
in place, by the bar's final line as plain text (``fit 1/6: 100%|██████████| 47/47 [...]``).
A widget saved into a notebook has no model once the kernel is gone: JupyterLab shows "Error
displaying widget: model not found" after a reload, and HTML exported with nbconvert shows the
bar frozen at 0%. Text stays right everywhere. A bar with ``leave=False`` leaves an empty line.

>>> bar = progress_bar(range(3), desc="demo", disable=True)
>>> sum(bar)
3
>>> bar.close()
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tqdm import tqdm as text_tqdm

__all__ = ["progress_bar", "write", "in_jupyter_kernel", "final_line"]


def in_jupyter_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel, which can display HTML and widgets."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    return shell is not None and getattr(shell, "kernel", None) is not None


def final_line(bar: text_tqdm) -> str:
    """The bar as tqdm prints it in a terminal, 100 columns wide (what is left behind)."""
    return bar.format_meter(**{**bar.format_dict, "ncols": 100})


def _widget_class() -> type | None:
    """A ``tqdm.notebook.tqdm`` that replaces its widget by :func:`final_line` when it closes,
    or None when ipywidgets is missing (then the text bar is used)."""
    try:
        from IPython.display import display
        from tqdm.notebook import IProgress
        from tqdm.notebook import tqdm as widget_tqdm
    except ImportError:
        return None
    if IProgress is None:  # tqdm found no ipywidgets
        return None

    class WidgetBar(widget_tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["display"] = False  # displayed here with an id, so close() can replace it
            kwargs.pop("position", None)  # stacking is a terminal concern
            kwargs["delay"] = 0
            super().__init__(*args, **kwargs)
            self._handle = None
            if not self.disable:
                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self) -> None:
            handle, self._handle = getattr(self, "_handle", None), None
            if self.disable or handle is None:
                return super().close()
            unfinished = bool(self.total) and self.n < self.total
            super().close()
            keep = self.leave or unfinished  # an interrupted bar says where it stopped
            handle.update({"text/plain": final_line(self) if keep else ""}, raw=True)
            self.container.close()  # the widget's model goes too: nothing is left to go dead

    return WidgetBar


def progress_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> text_tqdm:
    """``tqdm(iterable, **kwargs)``: a live widget in Jupyter that leaves its final line as
    text, tqdm's text bar elsewhere (see the module docstring)."""
    if in_jupyter_kernel() and not kwargs.get("disable"):
        widget = _widget_class()
        if widget is not None:
            return widget(iterable, **kwargs)
    return text_tqdm(iterable, **kwargs)


def write(message: str) -> None:
    """Print a line without breaking the bars in a terminal (``tqdm.write``)."""
    text_tqdm.write(message)
