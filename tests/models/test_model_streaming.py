"""Training from a chunked or on-disk source gives the model training on the whole matrices gives."""

import numpy as np
import pytest
import torch

from hyperlink.models import ArrayPairs, DiskPairs, TrainConfig, create_model
from hyperlink.models.loop import fit_network

from .conftest import FAST, make_pairs

# Settings that exercise each statistic: z-scoring (column moments), CCA (cross moments), a validation split.
VARIANTS = {kind: FAST[kind] | {"scaling": "zscore"} for kind in ("bidnn", "cca", "text", "visual")}
VARIANTS |= {kind: FAST[kind] for kind in FAST if kind not in VARIANTS}
VARIANTS["bidnn"] |= {"val_fraction": 0.25, "epochs": 3}
VARIANTS["dcca"] |= {"val_fraction": 0.2}


def sources(pairs, folder):
    a, b, has_a, has_b = pairs
    chunks = ((a[i:i + 11], b[i:i + 11], has_a[i:i + 11], has_b[i:i + 11]) for i in range(0, len(a), 11))
    return {"array chunks": ArrayPairs(*pairs, chunk_rows=7), "disk": DiskPairs.write(folder, chunks, chunk_rows=7)}


@pytest.mark.parametrize("kind", sorted(VARIANTS))
def test_every_model_learns_the_same_from_chunks_and_from_disk(kind, tmp_path):
    pairs = make_pairs(n=90, seed=4)
    settings = VARIANTS[kind] | ({"device": "cpu"} if "epochs" in VARIANTS[kind] else {})
    whole = create_model(kind, settings)
    result = whole.fit(*pairs)
    readouts = ("direct", "expansion") if whole.can_expand else ("direct",)
    for name, source in sources(pairs, tmp_path / "cache").items():
        model = create_model(kind, settings)
        streamed = model.fit(source)
        assert model.fingerprint == whole.fingerprint, name
        assert [h.epoch for h in streamed.history] == [h.epoch for h in result.history]
        np.testing.assert_allclose([h.loss for h in streamed.history], [h.loss for h in result.history], rtol=1e-5)
        for mine, theirs in zip(model.scalers, whole.scalers):
            np.testing.assert_allclose(mine.mean, theirs.mean, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(mine.std, theirs.std, rtol=1e-5)
        for readout in readouts:
            got, want = model.embed(*pairs, readout=readout), whole.embed(*pairs, readout=readout)
            np.testing.assert_array_equal(got.kept_index, want.kept_index)
            np.testing.assert_allclose(got.vectors, want.vectors, atol=1e-5, err_msg=f"{kind} from {name}, {readout}")


def test_streamed_batches_hold_the_resident_batches_rows_in_the_same_order(tmp_path):
    pairs = make_pairs(n=60, seed=5)
    complete = np.flatnonzero(pairs[2] & pairs[3])
    seen: dict[str, list[np.ndarray]] = {}
    streams = sources(pairs, tmp_path / "c")
    disk = streams["disk"]
    streams["disk, 3 batches a read"] = DiskPairs(disk.folder, disk.has_a, disk.has_b, disk.dims, chunk_rows=13)
    for name, source in {"resident": ArrayPairs(*pairs), **streams}.items():
        batches = seen.setdefault(name, [])
        net = torch.nn.Linear(5, 7)

        def loss(x_a, x_b, batches=batches, net=net):
            if net.training:
                batches.append(x_b.numpy().copy())
            return (net(x_a) - x_b).pow(2).mean()

        config = TrainConfig(epochs=2, batch_size=4, val_fraction=0.2, seed=3)
        fit_network(net, loss, source.subset(complete), config, device=torch.device("cpu"))
    assert len(seen["resident"]) == 2 * (len(complete) - round(0.2 * len(complete))) // 4
    for name in streams:
        assert len(seen[name]) == len(seen["resident"])
        for got, want in zip(seen[name], seen["resident"]):
            np.testing.assert_array_equal(got, want)
