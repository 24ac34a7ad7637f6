"""Which BLAS library this PyTorch process runs its matrix products on.

Debian's python3-torch calls the system `libblas.so.3`, which is whatever the alternatives system
points at: the reference BLAS (plain Fortran loops, ~20x slower than OpenBLAS on a matmul-bound
step) unless an optimised one such as libopenblas0-pthread is installed. A speed comparison against
PyTorch on the reference BLAS is meaningless, so the bench scripts report what is loaded and the
`kiln bench ... --torch` commands refuse to print a ratio for it.
"""
import os


def blas_library():
    """Returns (kind, path): kind is 'openblas', 'mkl', 'blis', 'reference' or 'unknown'."""
    import torch

    a = torch.ones(8, 8)
    a @ a  # the BLAS is linked at import; a product makes sure it is mapped whatever the loader did
    mapped = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and fields[5].startswith("/"):
                mapped.add(fields[5])
    for path in sorted(mapped):
        name = path.lower()
        for kind in ("openblas", "mkl", "blis"):
            if kind in name:
                return kind, path
    for path in sorted(mapped):
        # Debian's reference BLAS lives in .../blas/libblas.so.3.*; the optimised ones in their own folders
        if os.path.basename(path).startswith("libblas.so") and os.path.basename(os.path.dirname(path)) == "blas":
            return "reference", path
    return "unknown", ""
