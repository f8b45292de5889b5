# SPDX-License-Identifier: GPL-3.0-or-later
"""run_notebook.py NOTEBOOK DIR - execute a notebook (nbclient, the python3
kernel of ipykernel) with DIR as its working directory; exits non-zero,
naming the cell, if any cell raises.  Used by t/t9500-python.sh."""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
errs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
        if o.get("output_type") == "error"]
print("cells:", len(nb.cells), "errors:", len(errs))
