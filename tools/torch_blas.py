"""Which BLAS library this PyTorch process runs its matrix products on, and with which kernels.

Debian's python3-torch calls the system `libblas.so.3`, which is whatever the alternatives system
points at: the reference BLAS (plain Fortran loops, ~20x slower than OpenBLAS on a matmul-bound
step) unless an optimised one such as libopenblas0-pthread is installed. A speed comparison against
PyTorch on the reference BLAS is meaningless, so the bench scripts report what is loaded and the
`kiln bench ... --torch` commands refuse to print a ratio for it.

OpenBLAS (a DYNAMIC_ARCH build) picks its kernels from the CPU when it loads, but a build older than
the CPU does not know it and falls back to a generic core: Debian's 0.3.21 on Emerald Rapids (Intel
family 6, model 207) runs Prescott, SSE3, about half the speed of its AVX-512 kernels on an MLP step.
`use_best_blas()` finds that case and re-executes the script with OPENBLAS_CORETYPE set to the core
OpenBLAS should have picked (the same rule as dev.kiln.bench.OpenBlas.coreToForce); an
OPENBLAS_CORETYPE the user set is kept.

    /usr/bin/python3 tools/torch_blas.py              # what PyTorch runs on here, and the rule's choice
    /usr/bin/python3 tools/torch_blas.py --self-check # the rule against known CPUs and cores
"""
import ctypes
import os
import sys

# OpenBLAS's x86 cores (openblas_get_corename's names, as in its dynamic.c) whose kernels stop below
# AVX2: the generic cores a DYNAMIC_ARCH build falls back to when it does not know a CPU, and
# Sandybridge (AVX). Excavator, Zen, Haswell and the AVX-512 cores have AVX2 kernels.
PRE_AVX2_CORES = {
    "unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
    "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat",
    "sandybridge", "bulldozer", "piledriver", "steamroller",
}
AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}
# set in the re-executed process: the core OpenBLAS fell back to, so the report can say so
FELL_BACK_ENV = "KILN_OPENBLAS_FELL_BACK"


def core_to_force(flags, picked):
    """The OpenBLAS core to force, or None: when `picked` is one of its pre-AVX2 x86 cores while the
    CPU has AVX-512 (F, BW and VL: SkylakeX, or Cooperlake with avx512_bf16; the same SGEMM) or AVX2
    with FMA (Haswell), OpenBLAS did not recognise the CPU and fell back. `flags`: /proc/cpuinfo's."""
    if (picked or "").strip().lower() not in PRE_AVX2_CORES:
        return None
    if {"avx512f", "avx512bw", "avx512vl"} <= flags:
        return "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def cpu_flags(cpuinfo=None):
    """The first processor's flags from /proc/cpuinfo (or the text given); empty when there are none."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return set(value.split())
    return set()


def onednn_capped_to_avx2():
    """The AVX2 case (ONEDNN_MAX_CPU_ISA=AVX2 or DNNL_MAX_CPU_ISA=AVX2): the BLAS is held there too."""
    return any(os.environ.get(k, "").strip().upper().startswith("AVX2")
               for k in ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"))


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


def openblas_core(path):
    """(core name, build line) of the OpenBLAS mapped at `path` (already loaded: no second copy)."""
    lib = ctypes.CDLL(path)
    out = []
    for fn in ("openblas_get_corename", "openblas_get_config"):
        try:
            f = getattr(lib, fn)
        except AttributeError:
            out.append("")
            continue
        f.restype = ctypes.c_char_p
        out.append((f() or b"").decode(errors="replace").strip())
    return out[0], out[1]


def use_best_blas():
    """Call after `import torch`. Returns the fields the bench scripts add to their JSON: blas,
    blas_path, and for OpenBLAS blas_core (the core running) and blas_core_note (why that one).
    Where OpenBLAS fell back below the CPU and OPENBLAS_CORETYPE is unset, it does not return: the
    script is re-executed with OPENBLAS_CORETYPE set (OpenBLAS reads it when it loads)."""
    kind, path = blas_library()
    fields = {"blas": kind, "blas_path": path}
    if kind != "openblas":
        return fields
    core, config = openblas_core(path)
    words = config.split()
    version = " ".join(words[:2]) if len(words) >= 2 and words[0] == "OpenBLAS" else "OpenBLAS"
    user = os.environ.get("OPENBLAS_CORETYPE", "").strip()
    fell_back = os.environ.get(FELL_BACK_ENV, "").strip()
    if fell_back and user:
        note = f"set: {version} fell back to {fell_back} on this CPU"
        if onednn_capped_to_avx2():
            note += "; Haswell as oneDNN is held to AVX2"
        if core.lower() != user.lower():
            note += f"; OPENBLAS_CORETYPE={user} asked, {core} runs"
    elif user:
        note = f"OPENBLAS_CORETYPE={user} from the environment"
    else:
        force = core_to_force(cpu_flags(), core)
        if force and onednn_capped_to_avx2() and force.lower() in AVX512_CORES:
            force = "Haswell"  # the AVX2 case: both libraries at the same width
        if force:
            sys.stdout.flush()
            sys.stderr.flush()
            env = dict(os.environ, OPENBLAS_CORETYPE=force, **{FELL_BACK_ENV: core})
            os.execve(sys.executable, [sys.executable] + sys.argv, env)
        note = "picked by OpenBLAS"
    fields.update(blas_core=core, blas_core_note=note)
    return fields


def describe(fields):
    """One line for humans, as `kiln bench` prints it: "OpenBLAS core SkylakeX (set: ...)"."""
    if fields.get("blas") == "openblas" and fields.get("blas_core"):
        return f"OpenBLAS core {fields['blas_core']} ({fields['blas_core_note']}), {fields['blas_path']}"
    return f"BLAS {fields.get('blas')} {fields.get('blas_path', '')}".strip()


def self_check():
    er = ("processor : 0\ncpu family : 6\nmodel : 207\nflags : fpu sse2 avx fma avx2 avx512f avx512bw "
          "avx512vl avx512_bf16\nbugs : spectre_v1\n\nprocessor : 1\nflags : fpu\n")
    emerald = cpu_flags(er)
    assert {"avx2", "avx512_bf16"} <= emerald and "spectre_v1" not in emerald, emerald
    avx512 = {"sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"}
    avx2 = {"sse2", "avx", "avx2", "fma"}
    cases = [
        (emerald, "Prescott", "Cooperlake"), (avx512, "Prescott", "SkylakeX"), (avx512, "Sandybridge", "SkylakeX"),
        (avx2, "Nehalem", "Haswell"), (avx2, "sandybridge", "Haswell"), ({"avx2", "fma", "avx512f"}, "Core2", "Haswell"),
        (emerald, "Haswell", None), (emerald, "SkylakeX", None), (emerald, "Cooperlake", None), (avx2, "Zen", None),
        ({"avx", "sse2"}, "Sandybridge", None), ({"avx2"}, "Prescott", None), (set(), "NEOVERSEN1", None),
        (avx512, "", None),
    ]
    for flags, picked, want in cases:
        got = core_to_force(flags, picked)
        assert got == want, f"core_to_force({sorted(flags)}, {picked!r}) = {got!r}, want {want!r}"
    print(f"torch_blas: the rule passes {len(cases)} cases")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if "--self-check" in sys.argv[1:]:
        self_check()
    else:
        print("torch_blas:", describe(use_best_blas()))
