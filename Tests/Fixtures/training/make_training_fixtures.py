"""Training fixtures: forward/backward reference values for the FC and LeNet-5
models, and small .npz dataset files for the dataset loader's tests.

    python3 Tests/Fixtures/training/make_training_fixtures.py [OUTDIR]

OUTDIR defaults to this directory. Requires numpy and safetensors only.

Part 1 computes logits, loss and the gradient of

    L = mean_i CE(logits_i, y_i) + (l2 / 2) * sum over ALL parameters of theta^2

with a hand-written float64 backward pass (numpy only), verifies it with
central finite differences, and, if torch happens to be importable, cross-checks
it against torch autograd in float64 (reported on stderr; torch never touches
the written bytes).

Part 2 writes small good and malformed .npz datasets plus expected.json.

Output is byte-for-byte deterministic: fixed seeds, safetensors' writer is
deterministic, numpy's npz writer stamps every member with the fixed zip date
1980-01-01, JSON is written with sort_keys=True.
"""
import json
import gzip
import math
import os
import sys

import numpy as np
from safetensors.numpy import save as st_save

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE

L2 = 1e-3
BATCH = 8
NUM_CLASSES = 10

# Parameter tensors in their canonical order: (name, shape).
FC_TENSORS = [
    ("fc1.weight", (200, 784)), ("fc1.bias", (200,)),
    ("fc2.weight", (200, 200)), ("fc2.bias", (200,)),
    ("fc3.weight", (10, 200)), ("fc3.bias", (10,)),
]
LENET_TENSORS = [
    ("conv1.weight", (6, 1, 5, 5)), ("conv1.bias", (6,)),
    ("conv2.weight", (16, 6, 5, 5)), ("conv2.bias", (16,)),
    ("fc1.weight", (120, 256)), ("fc1.bias", (120,)),
    ("fc2.weight", (84, 120)), ("fc2.bias", (84,)),
    ("fc3.weight", (10, 84)), ("fc3.bias", (10,)),
]
MODELS = {
    # model: (tensors, seed for weights + batch, expected parameter count).
    # Seeds are fixed; chosen so that 0 < correct < batch for both models
    # (fc gets 3 of 8 right, lenet 2 of 8), so the accuracy count is exercised.
    "fc": (FC_TENSORS, 1004, 199210),
    "lenet": (LENET_TENSORS, 1002, 44426),
}


def log(msg):
    print(msg, file=sys.stderr)


def write_bytes(rel, data):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_json(rel, obj):
    write_bytes(rel, (json.dumps(obj, sort_keys=True, indent=1) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------
# Part 1: models
# ---------------------------------------------------------------------------

def init_weights(tensors, rng):
    """Weights ~ N(0, 2/fan_in), fan_in = prod(shape[1:]); biases ~ N(0, 0.1^2)
    (nonzero on purpose so the bias paths are tested). Stored as float32."""
    params = {}
    for name, shape in tensors:
        if name.endswith(".weight"):
            fan_in = int(np.prod(shape[1:]))
            values = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
        else:
            values = rng.normal(0.0, 0.1, size=shape)
        params[name] = values.astype(np.float32)
    return params


def make_batch(rng):
    x = rng.random((BATCH, 784)).astype(np.float32)  # uniform [0, 1)
    y = rng.integers(0, NUM_CLASSES, size=BATCH).astype(np.int64)
    if len(set(y.tolist())) == BATCH:  # make sure at least one label repeats
        y[-1] = y[0]
    return x, y


# --- layers: forward returns (out, cache); backward returns grads ----------

def linear_fwd(x, w, b):
    """y = x W^T + b, W is (out, in) as in PyTorch."""
    return x @ w.T + b, x


def linear_bwd(dy, x, w):
    dx = dy @ w
    dw = dy.T @ x
    db = dy.sum(axis=0)
    return dx, dw, db


def relu_fwd(z):
    assert not np.any(z == 0.0), "pre-activation exactly 0: ReLU'(0) would matter"
    return np.maximum(z, 0.0), z


def relu_bwd(dy, z):
    return dy * (z > 0.0)  # ReLU'(0) = 0


def conv_fwd(x, w, b):
    """Valid cross-correlation, stride 1: x (n,C,H,W), w (O,C,kh,kw) ->
    y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] * x[n,c,i+p,j+q]."""
    kh, kw = w.shape[2], w.shape[3]
    # windows[n,c,i,j,p,q] = x[n,c,i+p,j+q]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    y = np.einsum("ncijpq,ocpq->noij", windows, w) + b[None, :, None, None]
    return y, (x, windows)


def conv_bwd(dy, cache, w):
    x, windows = cache
    kh, kw = w.shape[2], w.shape[3]
    ho, wo = dy.shape[2], dy.shape[3]
    dw = np.einsum("ncijpq,noij->ocpq", windows, dy)
    db = dy.sum(axis=(0, 2, 3))
    dx = np.zeros_like(x)
    for p in range(kh):
        for q in range(kw):
            # x[n,c,i+p,j+q] contributed w[o,c,p,q] to y[n,o,i,j]
            dx[:, :, p:p + ho, q:q + wo] += np.einsum("noij,oc->ncij", dy, w[:, :, p, q])
    return dx, dw, db


def maxpool_fwd(x):
    """2x2 max-pool, stride 2. Window elements in row-major order (0,0),(0,1),(1,0),(1,1);
    the gradient goes to the first maximum in that order."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    arg = np.argmax(win, axis=-1)  # first maximum
    out = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    # Ties are only harmless when the tied values are 0 after ReLU and the gradient
    # through them is 0 either way; any other tie would make the reference ambiguous.
    ties = (win == out[..., None]).sum(axis=-1) > 1
    assert not np.any(ties & (out != 0.0)), "non-zero tie in a max-pool window"
    return out, (x.shape, arg)


def maxpool_bwd(dy, cache):
    shape, arg = cache
    n, c, h, w = shape
    dwin = np.zeros((n, c, h // 2, w // 2, 4))
    np.put_along_axis(dwin, arg[..., None], dy[..., None], axis=-1)
    return dwin.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)


# --- loss ------------------------------------------------------------------

def cross_entropy(logits, y):
    """Mean softmax cross-entropy (stable log-sum-exp) and d(mean CE)/d(logits)."""
    n = logits.shape[0]
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    ce = np.mean(lse - logits[np.arange(n), y])  # keeps the input's precision
    probs = np.exp(logits - lse[:, None])
    dlogits = probs.copy()
    dlogits[np.arange(n), y] -= 1.0
    return ce, dlogits / n


def l2_term(params):
    dtype = next(iter(params.values())).dtype
    return dtype.type(0.5) * dtype.type(L2) * sum(np.sum(p * p) for p in params.values())


# --- models ----------------------------------------------------------------

def fc_forward_backward(p, x, y, need_grad=True):
    z1, c1 = linear_fwd(x, p["fc1.weight"], p["fc1.bias"])
    a1, r1 = relu_fwd(z1)
    z2, c2 = linear_fwd(a1, p["fc2.weight"], p["fc2.bias"])
    a2, r2 = relu_fwd(z2)
    logits, c3 = linear_fwd(a2, p["fc3.weight"], p["fc3.bias"])
    ce, dlogits = cross_entropy(logits, y)
    if not need_grad:
        return logits, ce, None
    g = {}
    da2, g["fc3.weight"], g["fc3.bias"] = linear_bwd(dlogits, c3, p["fc3.weight"])
    dz2 = relu_bwd(da2, r2)
    da1, g["fc2.weight"], g["fc2.bias"] = linear_bwd(dz2, c2, p["fc2.weight"])
    dz1 = relu_bwd(da1, r1)
    _, g["fc1.weight"], g["fc1.bias"] = linear_bwd(dz1, c1, p["fc1.weight"])
    return logits, ce, g


def lenet_forward_backward(p, x, y, need_grad=True):
    n = x.shape[0]
    img = x.reshape(n, 1, 28, 28)                                      # (n,1,28,28)
    z1, cc1 = conv_fwd(img, p["conv1.weight"], p["conv1.bias"])        # (n,6,24,24)
    a1, r1 = relu_fwd(z1)
    s1, m1 = maxpool_fwd(a1)                                           # (n,6,12,12)
    z2, cc2 = conv_fwd(s1, p["conv2.weight"], p["conv2.bias"])         # (n,16,8,8)
    a2, r2 = relu_fwd(z2)
    s2, m2 = maxpool_fwd(a2)                                           # (n,16,4,4)
    flat = s2.reshape(n, 256)                                          # (C,H,W) order
    z3, c3 = linear_fwd(flat, p["fc1.weight"], p["fc1.bias"])          # (n,120)
    a3, r3 = relu_fwd(z3)
    z4, c4 = linear_fwd(a3, p["fc2.weight"], p["fc2.bias"])            # (n,84)
    a4, r4 = relu_fwd(z4)
    logits, c5 = linear_fwd(a4, p["fc3.weight"], p["fc3.bias"])        # (n,10)
    ce, dlogits = cross_entropy(logits, y)
    if not need_grad:
        return logits, ce, None
    g = {}
    da4, g["fc3.weight"], g["fc3.bias"] = linear_bwd(dlogits, c5, p["fc3.weight"])
    dz4 = relu_bwd(da4, r4)
    da3, g["fc2.weight"], g["fc2.bias"] = linear_bwd(dz4, c4, p["fc2.weight"])
    dz3 = relu_bwd(da3, r3)
    dflat, g["fc1.weight"], g["fc1.bias"] = linear_bwd(dz3, c3, p["fc1.weight"])
    ds2 = dflat.reshape(n, 16, 4, 4)
    da2 = maxpool_bwd(ds2, m2)
    dz2 = relu_bwd(da2, r2)
    ds1, g["conv2.weight"], g["conv2.bias"] = conv_bwd(dz2, cc2, p["conv2.weight"])
    da1 = maxpool_bwd(ds1, m1)
    dz1 = relu_bwd(da1, r1)
    _, g["conv1.weight"], g["conv1.bias"] = conv_bwd(dz1, cc1, p["conv1.weight"])
    return logits, ce, g


FORWARD_BACKWARD = {"fc": fc_forward_backward, "lenet": lenet_forward_backward}


def total_loss_and_grad(model, p64, x64, y):
    logits, ce, g = FORWARD_BACKWARD[model](p64, x64, y)
    ce = float(ce)
    loss = ce + float(l2_term(p64))
    grads = {name: g[name] + L2 * p64[name] for name in p64}
    return logits, ce, loss, grads


def total_loss(model, p64, x64, y):
    _, ce, _ = FORWARD_BACKWARD[model](p64, x64, y, need_grad=False)
    return ce + l2_term(p64)


def finite_difference_check(model, tensors, p64, x64, y, grads):
    """Central differences, step h = 1e-6, on 6 random coordinates per tensor:
    |fd - g| <= 1e-6 * |g|.

    The two loss evaluations are done in np.longdouble (80-bit extended on x86-64,
    eps ~1e-19) from the same float64 values: in plain float64 the roundoff of
    L (~3) alone is a few 1e-16, i.e. a few 1e-10 after dividing by 2h, which is
    more than 1e-6 relative for the smaller gradient entries. Where longdouble is
    no wider than float64 an absolute floor of 1e-9 is allowed instead."""
    ext = np.longdouble
    floor = 0.0 if np.finfo(ext).eps < 1e-18 else 1e-9
    pe = {k: v.astype(ext) for k, v in p64.items()}
    xe = x64.astype(ext)
    rng = np.random.default_rng(4242)
    h = ext(1e-6)
    worst = 0.0
    checked = 0
    for name, shape in tensors:
        flat = pe[name].reshape(-1)  # view into pe[name]
        for idx in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            old = flat[idx]
            flat[idx] = old + h
            lp = total_loss(model, pe, xe, y)
            flat[idx] = old - h
            lm = total_loss(model, pe, xe, y)
            flat[idx] = old
            fd = float((lp - lm) / (2 * h))
            an = float(grads[name].reshape(-1)[idx])
            err = abs(fd - an)
            assert err <= 1e-6 * abs(an) + floor, \
                f"{model} {name}[{idx}]: finite difference {fd!r} vs backward {an!r}"
            worst = max(worst, err / abs(an))
            checked += 1
    log(f"{model}: finite-difference check passed ({checked} coordinates in {len(tensors)} "
        f"tensors, h=1e-6, worst relative error {worst:.2e})")


def torch_cross_check(model, params32, x32, y, ref):
    """Compare with torch autograd in float64 (only if torch is importable).
    Reported on stderr; nothing from here is written."""
    try:
        import torch
        import torch.nn.functional as F
    except Exception:
        return
    t = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in params32.items()}
    xt = torch.tensor(x32.astype(np.float64))
    yt = torch.tensor(y)
    if model == "fc":
        h = F.relu(F.linear(xt, t["fc1.weight"], t["fc1.bias"]))
        h = F.relu(F.linear(h, t["fc2.weight"], t["fc2.bias"]))
        logits = F.linear(h, t["fc3.weight"], t["fc3.bias"])
    else:
        h = xt.reshape(-1, 1, 28, 28)
        h = F.max_pool2d(F.relu(F.conv2d(h, t["conv1.weight"], t["conv1.bias"])), 2, 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, t["conv2.weight"], t["conv2.bias"])), 2, 2)
        h = h.flatten(1)
        h = F.relu(F.linear(h, t["fc1.weight"], t["fc1.bias"]))
        h = F.relu(F.linear(h, t["fc2.weight"], t["fc2.bias"]))
        logits = F.linear(h, t["fc3.weight"], t["fc3.bias"])
    ce = F.cross_entropy(logits, yt)
    loss = ce + 0.5 * L2 * sum((v * v).sum() for v in t.values())
    loss.backward()
    pairs = [("logits", logits.detach().numpy()),
             ("ce_loss", np.array([ce.item()])),
             ("loss", np.array([loss.item()]))]
    pairs += [("grad." + k, v.grad.numpy()) for k, v in t.items()]
    worst = 0.0
    for key, theirs in pairs:
        ours = ref[key]
        rel = float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300))
        assert rel <= 1e-10, f"{model} {key}: torch disagrees, relative {rel:.3e}"
        worst = max(worst, rel)
    log(f"{model}: torch {torch.__version__} float64 cross-check passed: "
        f"{len(pairs)} tensors, worst max|diff|/max|torch| = {worst:.2e}")


def write_model(model):
    tensors, seed, expected_count = MODELS[model]
    rng = np.random.default_rng(seed)
    params32 = init_weights(tensors, rng)
    x32, y = make_batch(rng)
    count = sum(int(np.prod(s)) for _, s in tensors)
    assert count == expected_count, (model, count)

    p64 = {k: v.astype(np.float64) for k, v in params32.items()}
    x64 = x32.astype(np.float64)
    logits, ce, loss, grads = total_loss_and_grad(model, p64, x64, y)
    finite_difference_check(model, tensors, p64, x64, y, grads)

    correct = float(np.sum(np.argmax(logits, axis=1) == y))
    assert 0 < correct < BATCH, "pick a seed where the accuracy count is informative"
    ref = {"logits": np.ascontiguousarray(logits), "ce_loss": np.array([ce]),
           "loss": np.array([loss]), "correct": np.array([correct])}
    for name, shape in tensors:
        assert grads[name].shape == shape
        ref["grad." + name] = np.ascontiguousarray(grads[name], dtype=np.float64)
    torch_cross_check(model, params32, x32, y, ref)

    write_bytes(f"{model}_weights.safetensors",
                st_save({name: params32[name] for name, _ in tensors}))
    write_bytes(f"{model}_reference.safetensors", st_save(ref))
    np.savez(os.path.join(OUT, f"{model}_batch.npz"), x=x32, y=y)
    write_json(f"{model}_meta.json", {
        "l2": L2, "batch": BATCH, "parameter_count": count,
        "tensors": [[name, list(shape)] for name, shape in tensors],
    })
    print(f"{model}: D={count} ce={ce:.6f} loss={loss:.6f} correct={int(correct)} labels={y.tolist()}")


# ---------------------------------------------------------------------------
# Part 2: datasets
# ---------------------------------------------------------------------------

def labels_covering(rng, n, classes, dtype):
    """n labels in 0..classes-1 that include every class at least once."""
    y = np.concatenate([np.arange(classes), rng.integers(0, classes, size=n - classes)])
    rng.shuffle(y)
    return y.astype(dtype)


def good_entry(x, y):
    xs = x.astype(np.float64).reshape(-1)
    classes = int(y.max()) + 1
    return {
        "count": int(x.shape[0]),
        "features": int(np.prod(x.shape[1:])),
        "x_sum": math.fsum(xs.tolist()),  # raw stored values, correctly rounded
        "label_histogram": np.bincount(y.astype(np.int64), minlength=classes).tolist(),
        "classes": classes,
    }


def write_datasets():
    rng = np.random.default_rng(2025)
    ddir = os.path.join(OUT, "datasets")
    os.makedirs(ddir, exist_ok=True)
    expected = {}

    def save(name, compressed=False, **arrays):
        (np.savez_compressed if compressed else np.savez)(os.path.join(ddir, name), **arrays)

    # --- good files
    x = rng.integers(0, 256, size=(20, 28, 28)).astype(np.uint8)
    y = labels_covering(rng, 20, 10, np.int64)
    save("good_u8.npz", compressed=True, x=x, y=y)  # deflate: the one compressed file
    expected["good_u8.npz"] = good_entry(x, y)

    x = rng.random((20, 784)).astype(np.float32)
    y = labels_covering(rng, 20, 10, np.int32)
    save("good_f32.npz", x=x, y=y)
    expected["good_f32.npz"] = good_entry(x, y)

    x = rng.integers(0, 256, size=(12, 8, 8)).astype(np.uint8)
    y = labels_covering(rng, 12, 4, np.uint8)
    save("good_u8_labels.npz", x=x, y=y)
    expected["good_u8_labels.npz"] = good_entry(x, y)

    # --- a small real task: the bundled MNIST t10k images 0-599 (train) and 600-799 (test), and the
    # same images with the labels permuted (another task on the same inputs), for experiments in tests.
    mnist = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "data", "mnist")

    def idx(name):
        with gzip.open(os.path.join(mnist, name), "rb") as f:
            data = f.read()
        dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * data[3]).reshape(dims)

    images, labels = idx("t10k-images-idx3-ubyte.gz")[:800], idx("t10k-labels-idx1-ubyte.gz")[:800].astype(np.int64)
    permutation = np.array([3, 7, 1, 9, 0, 5, 2, 8, 6, 4])
    for name, y_all in (("mnist_subset.npz", labels), ("mnist_subset_permuted.npz", permutation[labels])):
        save(name, compressed=True, x=np.ascontiguousarray(images[:600]), y=y_all[:600],
             x_test=np.ascontiguousarray(images[600:]), y_test=y_all[600:])
        expected[name] = good_entry(images[:600], y_all[:600])

    # --- bad files: x float32 [20,784] in [0,1), otherwise valid int64 labels 0..9
    def base():
        return rng.random((20, 784)).astype(np.float32), labels_covering(rng, 20, 10, np.int64)

    x, y = base()
    save("length_mismatch.npz", x=x, y=y[:19])
    expected["length_mismatch.npz"] = {
        "error": "x has 20 samples but y has 19 labels", "field": "y", "index": None}

    x, y = base()
    y[7] = 10
    save("label_out_of_range.npz", x=x, y=y)
    expected["label_out_of_range.npz"] = {
        "error": "label 10 out of range for 10 classes", "field": "y", "index": 7}

    x, y = base()
    y[3] = -1
    save("negative_label.npz", x=x, y=y)
    expected["negative_label.npz"] = {"error": "negative label -1", "field": "y", "index": 3}

    x, y = base()
    save("float_labels.npz", x=x, y=y.astype(np.float32))  # integral values, wrong dtype
    expected["float_labels.npz"] = {
        "error": "labels have a floating-point dtype (float32); integers required",
        "field": "y", "index": None}

    x, _ = base()
    save("missing_y.npz", x=x)
    expected["missing_y.npz"] = {"error": "no array named y", "field": "y", "index": None}

    x, y = base()
    x[5, 100] = np.nan
    save("nan_pixels.npz", x=x, y=y)
    expected["nan_pixels.npz"] = {
        "error": "x contains NaN", "field": "x", "index": 5,
        "element": [5, 100], "flat_index": 5 * 784 + 100}

    write_json(os.path.join("datasets", "expected.json"), expected)

    # round-trip check with numpy's own reader
    for name, e in expected.items():
        with np.load(os.path.join(ddir, name)) as z:
            if "count" in e:
                assert sorted(z.files) in (["x", "y"], ["x", "x_test", "y", "y_test"])
                assert good_entry(z["x"], z["y"]) == e
    print(f"datasets: {len(expected)} files")


def main():
    os.makedirs(OUT, exist_ok=True)
    for model in MODELS:
        write_model(model)
    write_datasets()


if __name__ == "__main__":
    main()
