"""NumPy reference values for the PEFT LoRA fixtures in ../peft (no torch, no peft).

    python3 make_peft_expected.py [OUTDIR]      (default: this script's folder)

Reads every adapter folder (one holding adapter_config.json) under
Tests/Fixtures/peft, the base/tuned checkpoints of its model family and the
`<adapter>_merged.safetensors` that PEFT's merge_and_unload() wrote, and writes

  expected_compare.csv       one row per adapted module: ranks, scalings and the
                             LoRA-vs-full-fine-tune metrics
  expected_similarity.csv    subspace similarity φ(i, j), LoRA vs full fine-tune
                             and lora_qv_r8 vs lora_qv_r2
  expected_similarity_a.csv  the same φ with the adapters' directions taken as the
                             LoRA paper's eq. 4 takes them: the right singular
                             vectors of A alone (compare --phi-basis a)
  expected_merge_check.json  ‖W₀ + ΔW_lora − PEFT merged‖_F / ‖PEFT merged‖_F per
                             tensor (asserted < 1e-6)

The definitions are written out in README.md; they follow PEFT 0.21's documented
semantics, not any code of this toolkit. Float64 throughout: F32 factors and
weights are converted exactly to float64 before any arithmetic.
"""
import csv
import io
import json
import math
import os
import re
import sys

import numpy as np
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
PEFT = os.path.normpath(os.path.join(HERE, "..", "peft"))

# family → (base checkpoint, tuned checkpoint), relative to PEFT
FAMILIES = {
    "bert": ("bert/base/model.safetensors", "bert/tuned/model.safetensors"),
    "gpt2": ("gpt2/base/model.safetensors", "gpt2/tuned/model.safetensors"),
    "cnn": ("cnn/base.safetensors", "cnn/tuned.safetensors"),
}
PAIR = ("bert/lora_qv_r8", "bert/lora_qv_r2")
MAX_J = 64
EPS = 2.0 ** -52

COMPARE_HEADER = ["adapter", "tensor", "lora_rank", "lora_scaling", "full_energy_rank_90",
                  "lora_energy_rank_90", "full_stable_rank", "lora_stable_rank", "captured_energy",
                  "optimal_rank_r_error", "lora_rel_error", "amplification_full", "amplification_lora"]
SIMILARITY_HEADER = ["adapter", "adapter2", "tensor", "side", "i", "j", "phi"]
# Singular values of A closer than this (÷σ₁) would leave A's top-i subspaces ill-defined.
MIN_A_GAP = 1e-6

KEY_RE = re.compile(r"^base_model\.model\.(?P<module>.+?)\.(?P<kind>lora_A|lora_B|lora_embedding_A|lora_embedding_B)"
                    r"(?:\.(?P<adapter>[A-Za-z0-9_-]+))?(?:\.weight)?$")


# --------------------------------------------------------------------------- reading

def f64(a):
    """Exact widening to float64 (F32/F16/BF16 values are all representable)."""
    return np.ascontiguousarray(a).astype(np.float64)


def pattern_value(patterns, path, default):
    """PEFT 0.21 get_pattern_key: the first key (in the dict's order, i.e. the order
    in adapter_config.json) with re.match(rf"(.*\\.)?({key})$", path) wins."""
    for key, value in patterns.items():
        if re.match(rf"(.*\.)?({key})$", path):
            return value
    return default


def adapter_folders():
    """The adapters of the families with a full fine-tune (FAMILIES); bert_cls/ and gpt2_cls/
    have none, their adapters are checked against PEFT's merge alone."""
    out = []
    for dirpath, _, files in os.walk(PEFT):
        rel = os.path.relpath(dirpath, PEFT).replace(os.sep, "/")
        if "adapter_config.json" in files and rel.split("/")[0] in FAMILIES:
            out.append(os.path.relpath(dirpath, PEFT).replace(os.sep, "/"))
    return sorted(out)


class Module:
    """One adapted module: kind, r, α, scaling, ΔW_lora (out × in) and the base/tuned
    weights in out × in layout, plus how to map out × in back to the stored layout."""

    def __init__(self, path, kind, factors, cfg, base, tuned):
        self.path = path
        self.tensor = path + ".weight"
        self.kind = kind
        self.r = int(pattern_value(cfg.get("rank_pattern") or {}, path, cfg["r"]))
        self.alpha = float(pattern_value(cfg.get("alpha_pattern") or {}, path, cfg["lora_alpha"]))
        self.scaling = self.alpha / math.sqrt(self.r) if cfg.get("use_rslora") else self.alpha / self.r
        stored = base[self.tensor]
        self.stored_shape = stored.shape
        if kind == "embedding":
            A, B = f64(factors["lora_embedding_A"]), f64(factors["lora_embedding_B"])  # r×num, dim×r
        else:
            A, B = f64(factors["lora_A"]), f64(factors["lora_B"])
        if kind == "conv2d":
            assert A.ndim == 4 and B.ndim == 4 and B.shape[2:] == (1, 1), (path, A.shape, B.shape)
            A = A.reshape(A.shape[0], -1)
            B = B.reshape(B.shape[0], B.shape[1])
        assert A.ndim == 2 and B.ndim == 2 and A.shape[0] == self.r and B.shape[1] == self.r, \
            (path, A.shape, B.shape, self.r)
        self.A = A  # r × in: the factor applied to the input (the paper's A in eq. 4)
        self.delta_lora = self.scaling * (B @ A)
        self.w_base = self.to_out_in(f64(stored))
        self.delta_full = self.to_out_in(f64(tuned[self.tensor])) - self.w_base
        assert self.delta_lora.shape == self.w_base.shape, (path, self.delta_lora.shape, self.w_base.shape)

    def to_out_in(self, w):
        if self.kind in ("conv1d", "embedding"):  # stored in × out (Conv1D) / num × dim (Embedding)
            return w.T
        if self.kind == "conv2d":
            return w.reshape(w.shape[0], -1)
        return w

    def to_stored(self, m):
        if self.kind in ("conv1d", "embedding"):
            return m.T
        return m.reshape(self.stored_shape)


def read_adapter(rel):
    folder = os.path.join(PEFT, rel)
    with open(os.path.join(folder, "adapter_config.json")) as f:
        cfg = json.load(f)  # keeps the file's key order (rank_pattern's order matters)
    assert cfg["peft_type"] == "LORA", rel
    family = rel.split("/")[0]
    base = load_file(os.path.join(PEFT, FAMILIES[family][0]))
    tuned = load_file(os.path.join(PEFT, FAMILIES[family][1]))
    factors = {}
    for key, value in load_file(os.path.join(folder, "adapter_model.safetensors")).items():
        m = KEY_RE.match(key)
        assert m, f"{rel}: unexpected adapter key {key}"
        factors.setdefault(m.group("module"), {})[m.group("kind")] = value
    modules = []
    for path in sorted(factors):
        fs = factors[path]
        if "lora_embedding_A" in fs:
            kind = "embedding"
        elif fs["lora_A"].ndim == 4:
            kind = "conv2d"
        elif cfg.get("fan_in_fan_out"):
            kind = "conv1d"
        else:
            kind = "linear"
        modules.append(Module(path, kind, fs, cfg, base, tuned))
    return cfg, base, modules


# --------------------------------------------------------------------------- metrics

def svd(m):
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    return u, s, vt.T


def numerical_rank(s, shape):
    return int(np.sum(s > s[0] * max(shape) * EPS)) if s[0] > 0 else 0


def energy_rank_90(s):
    e = s ** 2
    cum = np.cumsum(e)
    k = int(np.argmax(cum >= 0.9 * cum[-1])) + 1
    return k, abs(cum[k - 1] - 0.9 * cum[-1]) / cum[-1]


def stable_rank(s):
    return float(np.sum(s ** 2) / s[0] ** 2)


def a_basis(m):
    """Hu et al. 2021 eq. 4's U_A: the right singular vectors of the unscaled A (r × in) as
    the columns of an in × rank(A) matrix, in descending σ, with A's σ."""
    _, s, v = svd(m.A)
    return v[:, :numerical_rank(s, m.A.shape)], s


def amplification(delta, u, v, r, w_base):
    proj = u[:, :r].T @ w_base @ v[:, :r]
    return float(np.linalg.norm(delta) / np.linalg.norm(proj))


def phi_table(a, b, max_i, max_j):
    """φ(i, j) = ‖a_iᵀ b_j‖²_F / min(i, j) for i ≤ max_i, j ≤ max_j (columns = singular vectors)."""
    g = (a[:, :max_i].T @ b[:, :max_j]) ** 2  # g[p, q] = (a_pᵀ b_q)²
    c = np.cumsum(np.cumsum(g, axis=0), axis=1)
    out = []
    for i in range(1, max_i + 1):
        for j in range(1, max_j + 1):
            out.append((i, j, float(c[i - 1, j - 1] / min(i, j))))
    return out


# --------------------------------------------------------------------------- main

def fmt(v):
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([fmt(x) for x in row])
    with open(path, "w", newline="") as f:
        f.write(buf.getvalue())


def main():
    outdir = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE
    os.makedirs(outdir, exist_ok=True)
    compare_rows, sim_rows, sim_a_rows, merge = [], [], [], {}
    adapters = {}
    worst = {"energy_margin": 1.0, "full_gap": 1.0, "lora_gap": 1.0, "a_gap": 1.0}

    for rel in adapter_folders():
        cfg, base, modules = read_adapter(rel)
        adapters[rel] = modules
        merged = load_file(os.path.join(PEFT, rel + "_merged.safetensors"))
        assert set(merged) == set(base), f"{rel}: merged and base tensor names differ"

        # merge check: W₀ + ΔW_lora in the stored layout against PEFT's merge_and_unload()
        by_tensor = {m.tensor: m for m in modules}
        per_tensor = {}
        for name in sorted(base):
            if name in by_tensor:
                m = by_tensor[name]
                ours = f64(base[name]) + m.to_stored(m.delta_lora)
                theirs = f64(merged[name])
                assert ours.shape == theirs.shape, (rel, name)
                rel_diff = float(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs))
                assert rel_diff < 1e-6, f"{rel}: {name} merge differs by {rel_diff:.3e}"
                per_tensor[name] = rel_diff
            else:
                assert np.array_equal(base[name], merged[name]), f"{rel}: {name} changed but is not adapted"
        merge[rel] = {"max_rel_diff": max(per_tensor.values()), "tensors": per_tensor}

        for m in modules:
            uf, sf, vf = svd(m.delta_full)
            ul, sl, vl = svd(m.delta_lora)
            rank_full = numerical_rank(sf, m.delta_full.shape)
            rank_lora = numerical_rank(sl, m.delta_lora.shape)
            assert rank_lora == min(m.r, *m.delta_lora.shape), (rel, m.path, rank_lora, m.r)
            assert rank_full >= m.r, (rel, m.path, rank_full)
            e_full, margin_f = energy_rank_90(sf)
            e_lora, margin_l = energy_rank_90(sl)
            worst["energy_margin"] = min(worst["energy_margin"], margin_f, margin_l)
            norm_full = np.linalg.norm(m.delta_full)
            captured = float(np.linalg.norm(ul[:, :rank_lora].T @ m.delta_full) ** 2 / norm_full ** 2)
            optimal = float(math.sqrt(np.sum(sf[m.r:] ** 2)) / norm_full)
            rel_err = float(np.linalg.norm(m.delta_full - m.delta_lora) / norm_full)
            amp_full = amplification(m.delta_full, uf, vf, m.r, m.w_base)
            amp_lora = amplification(m.delta_lora, ul, vl, min(m.r, rank_lora), m.w_base)
            assert 0.0 <= captured <= 1.0 + 1e-12 and 0.0 <= optimal <= 1.0
            # Eckart–Young: no rank-r matrix is closer to ΔW_full than its truncated SVD
            assert rel_err >= optimal - 1e-12, (rel, m.path)
            compare_rows.append([rel, m.tensor, m.r, m.scaling, e_full, e_lora, stable_rank(sf),
                                 stable_rank(sl), captured, optimal, rel_err, amp_full, amp_lora])
            max_j = min(MAX_J, rank_full)
            gaps_f = (sf[:max_j - 1] - sf[1:max_j]) / sf[0]
            gaps_l = (sl[:rank_lora - 1] - sl[1:rank_lora]) / sl[0]
            worst["full_gap"] = min(worst["full_gap"], float(gaps_f.min()) if len(gaps_f) else 1.0)
            worst["lora_gap"] = min(worst["lora_gap"], float(gaps_l.min()) if len(gaps_l) else 1.0)
            for side, a, b in (("left", ul, uf), ("right", vl, vf)):
                for i, j, p in phi_table(a, b, rank_lora, max_j):
                    assert -1e-12 <= p <= 1.0 + 1e-12, (rel, m.path, side, i, j, p)
                    sim_rows.append([rel, "", m.tensor, side, i, j, p])
                # φ of an adapter against itself is 1 at (r, r); φ(i, j) = 1 for every i once
                # the full update's top-j vectors span the whole side
                self_phi = phi_table(a, a, rank_lora, rank_lora)
                assert abs(self_phi[-1][2] - 1.0) < 1e-12
                if max_j == a.shape[0]:
                    full_cols = phi_table(a, b, rank_lora, max_j)
                    assert all(abs(p - 1.0) < 1e-10 for i, j, p in full_cols if j == max_j)
            # eq. 4's basis: A's right singular vectors against ΔW_full's right singular vectors
            va, sa = a_basis(m)
            assert va.shape[1] == m.r, (rel, m.path, va.shape, m.r)
            worst["a_gap"] = min(worst["a_gap"], float(((sa[:-1] - sa[1:]) / sa[0]).min()) if len(sa) > 1 else 1.0)
            # for i = r, A's row space is ΔW_lora's (B has r independent columns): the same φ(r, j)
            same = phi_table(vl, vf, rank_lora, max_j)[-max_j:]
            for (i, j, p), (_, _, q) in zip(phi_table(va, vf, m.r, max_j)[-max_j:], same):
                assert abs(p - q) < 1e-10, (rel, m.path, i, j, p, q)
            for i, j, p in phi_table(va, vf, m.r, max_j):
                assert -1e-12 <= p <= 1.0 + 1e-12, (rel, m.path, i, j, p)
                sim_a_rows.append([rel, "", m.tensor, "right", i, j, p])

    # adapter vs adapter
    mods2 = {m.path: m for m in adapters[PAIR[1]]}
    for m in adapters[PAIR[0]]:
        if m.path not in mods2:
            continue
        m2 = mods2[m.path]
        ul, sl, vl = svd(m.delta_lora)
        u2, s2, v2 = svd(m2.delta_lora)
        r1 = numerical_rank(sl, m.delta_lora.shape)
        r2 = numerical_rank(s2, m2.delta_lora.shape)
        for side, a, b in (("left", ul, u2), ("right", vl, v2)):
            for i, j, p in phi_table(a, b, r1, r2):
                assert -1e-12 <= p <= 1.0 + 1e-12
                sim_rows.append([PAIR[0], PAIR[1], m.tensor, side, i, j, p])
        # eq. 4: φ(A₁, A₂, i, j) on the right singular vectors of A₁ and A₂
        va1, _ = a_basis(m)
        va2, _ = a_basis(m2)
        delta_right = phi_table(vl, v2, r1, r2)
        eq4 = phi_table(va1, va2, va1.shape[1], va2.shape[1])
        assert len(eq4) == len(delta_right)
        for (i, j, p), (_, _, q) in zip(eq4, delta_right):
            assert -1e-12 <= p <= 1.0 + 1e-12
            if (i, j) == (r1, r2):  # both sides span the same row spaces there
                assert abs(p - q) < 1e-10, (m.path, i, j, p, q)
            sim_a_rows.append([PAIR[0], PAIR[1], m.tensor, "right", i, j, p])
        # φ(1, j) is another number in the two bases (what the Swift test relies on)
        worst["pair_phi1_diff"] = max(worst.get("pair_phi1_diff", 0.0),
                                      max(abs(p - q) for (i, _, p), (_, _, q) in zip(eq4, delta_right) if i == 1))

    write_csv(os.path.join(outdir, "expected_compare.csv"), COMPARE_HEADER, compare_rows)
    write_csv(os.path.join(outdir, "expected_similarity.csv"), SIMILARITY_HEADER, sim_rows)
    write_csv(os.path.join(outdir, "expected_similarity_a.csv"), SIMILARITY_HEADER, sim_a_rows)
    assert worst["a_gap"] > MIN_A_GAP, f"A's singular values nearly tie: gap {worst['a_gap']:.2e} of σ₁"
    with open(os.path.join(outdir, "expected_merge_check.json"), "w", newline="\n") as f:
        json.dump(merge, f, indent=2, sort_keys=True)
        f.write("\n")

    worst_merge = max(v["max_rel_diff"] for v in merge.values())
    print(f"{len(adapters)} adapters, {len(compare_rows)} modules, {len(sim_rows)} similarity rows, "
          f"{len(sim_a_rows)} on A's basis; "
          f"worst merge difference {worst_merge:.2e}; closest energy-90 boundary {worst['energy_margin']:.2e}; "
          f"smallest singular-value gap (÷σ₁) full {worst['full_gap']:.2e}, lora {worst['lora_gap']:.2e}, "
          f"A {worst['a_gap']:.2e}; largest |φ_A(1, j) − φ_ΔW(1, j)| of the pair {worst['pair_phi1_diff']:.3f}")


if __name__ == "__main__":
    main()
