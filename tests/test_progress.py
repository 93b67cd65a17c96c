"""Progress bars that leave readable text (issue 22): tqdm's live widget in a Jupyter kernel,
replaced by its final line when it closes; tqdm's text bar elsewhere."""

from __future__ import annotations

import json

import pytest
from tqdm import tqdm as text_tqdm

from mlprep.progress import final_line, progress_bar

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_text_bar_outside_a_kernel(capsys: pytest.CaptureFixture[str]) -> None:
    bar = progress_bar(range(4), desc="gen", mininterval=0)
    assert type(bar) is text_tqdm
    assert sum(bar) == 6
    bar.close()
    assert "gen: 100%" in capsys.readouterr().err and final_line(bar).startswith("gen: 100%|")


def test_a_kernel_keeps_the_final_lines_as_text_not_widgets() -> None:
    """In a real kernel: fit's bars, a leave=False bar and an interrupted one, as a notebook saves them."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    source = """
import torch, mlprep
from torch.utils.data import DataLoader, TensorDataset
from mlprep.progress import progress_bar
x = torch.randn(64, 2); y = (x[:, 0] > 0).long()
history = mlprep.fit(torch.nn.Linear(2, 2), DataLoader(TensorDataset(x, y), batch_size=16), epochs=2,
                     compute=mlprep.Compute(device="cpu"))
for _ in progress_bar(range(3), desc="hidden", leave=False):
    pass
try:
    for i in progress_bar(range(5), desc="stopped"):
        if i == 3:
            raise KeyboardInterrupt
except KeyboardInterrupt:
    pass
"""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    assert WIDGET not in json.dumps(outputs)  # nothing that goes dead once the kernel is gone
    texts = [o.data["text/plain"] for o in outputs if o.output_type == "display_data"]
    assert texts[0].startswith("fit 1/2: 100%|") and "| 4/4 [" in texts[0]
    assert texts[1].startswith("fit 2/2: 100%|")
    assert texts[2] == ""  # leave=False
    assert texts[3].startswith("stopped:  60%|") and "| 3/5 [" in texts[3]  # says where it stopped
