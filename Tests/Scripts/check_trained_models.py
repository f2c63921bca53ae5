"""Trains small FC and LeNet-5 models with `intrinsic-dim train` and checks that
NumPy, from `model.safetensors` alone (no toolkit code), reproduces the test
accuracy that `run.json` reports.

    python3 Tests/Scripts/check_trained_models.py [BIN]    (default .build/debug/intrinsic-dim)

The data are the first 3,000 training and 1,000 test images of the bundled MNIST
(pixels / 255, flattened row-major), written to an .npz with x, y, x_test, y_test.
The NumPy forward pass is written from the documented layouts: nn.Linear weights
out×in, Conv2d weights out×in×kh×kw (valid cross-correlation), ReLU, 2×2 max-pool,
flatten in (C, H, W) order. Float64 arithmetic; the reported accuracy must be
matched to within one example (a float32 near-tie can flip one argmax). Run by
`make test`. Exits 1 on a mismatch.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from safetensors.numpy import load_file

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def conv(x, w, b):
    """x: n×c×h×w, w: o×c×k×k → n×o×(h−k+1)×(w−k+1), valid cross-correlation."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    oh, ow = h - k + 1, wd - k + 1
    cols = np.stack([x[:, :, i:i + oh, j:j + ow] for i in range(k) for j in range(k)], axis=2)  # n,c,k*k,oh,ow
    cols = cols.reshape(n, c * k * k, oh * ow)
    y = np.einsum("ok,nkp->nop", w.reshape(o, c * k * k), cols) + b[None, :, None]
    return y.reshape(n, o, oh, ow)


def pool(x):
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def relu(x):
    return np.maximum(x, 0)


def logits(model, t, x):
    t = {k: v.astype(np.float64) for k, v in t.items()}
    if model == "fc":
        h = relu(x @ t["fc1.weight"].T + t["fc1.bias"])
        h = relu(h @ t["fc2.weight"].T + t["fc2.bias"])
        return h @ t["fc3.weight"].T + t["fc3.bias"]
    h = pool(relu(conv(x.reshape(-1, 1, 28, 28), t["conv1.weight"], t["conv1.bias"])))
    h = pool(relu(conv(h, t["conv2.weight"], t["conv2.bias"])))
    h = h.reshape(h.shape[0], -1)
    h = relu(h @ t["fc1.weight"].T + t["fc1.bias"])
    h = relu(h @ t["fc2.weight"].T + t["fc2.bias"])
    return h @ t["fc3.weight"].T + t["fc3.bias"]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build", "debug", "intrinsic-dim")
    mnist = os.path.join(REPO, "data", "mnist")
    x = idx(os.path.join(mnist, "train-images-idx3-ubyte.gz"))[:3000].reshape(3000, 784)
    y = idx(os.path.join(mnist, "train-labels-idx1-ubyte.gz"))[:3000].astype(np.int64)
    xt = idx(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"))[:1000].reshape(1000, 784)
    yt = idx(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz"))[:1000].astype(np.int64)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "mnist-small.npz")
        np.savez(data, x=x, y=y, x_test=xt, y_test=yt)
        runs = [("fc", ["--mode", "full"]), ("fc", ["--mode", "subspace", "--projection", "fastfood", "--d", "1000", "--lr", "0.01"]),
                ("lenet", ["--mode", "full"]), ("lenet", ["--mode", "lora", "--rank", "4", "--lr", "0.003"])]
        for model, extra in runs:
            out = os.path.join(tmp, model + "-" + extra[1])
            subprocess.run([binary, "train", "--model", model, "--dataset", data, "--epochs", "1", "--out", out] + extra,
                           check=True, stderr=subprocess.DEVNULL)
            with open(os.path.join(out, "run.json")) as f:
                reported = json.load(f)["final_test_accuracy"]
            z = logits(model, load_file(os.path.join(out, "model.safetensors")), xt.astype(np.float64) / 255)
            acc = float((z.argmax(axis=1) == yt).mean())
            ok = abs(acc - reported) <= 1 / len(yt) + 1e-12
            failures += not ok
            print(f"check-trained-models: {model} {extra[1]}: reported {reported:.4f}, numpy {acc:.4f} "
                  f"{'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
