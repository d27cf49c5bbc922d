"""Joint embeddings of two modalities: BiDNN and baselines behind one interface, chosen by name.

    model, result = train_model("bidnn", a, b, has_a, has_b, {"hidden": 512, "epochs": 100})
    model, result = train_model("bidnn", DiskPairs.write(folder, chunks), config={"hidden": 512})  # streamed
    vectors, kept_index, n_excluded = model.embed(a, b, has_a, has_b, readout="expansion")
    sha256 = save_model(model, "model.safetensors"); model = load_model("model.safetensors", expected_sha256=sha256)
"""

from . import bidnn, cca, corrnet, dcca, fusion, mae, xbidnn  # noqa: F401  (each registers its models)
from .base import Embedding, Model, fingerprint
from .checkpoint import file_sha256, load_model, save_model
from .config import TrainConfig
from .data import ArrayPairs, DiskPairs, Pairs
from .registry import available_models, create_model, make_config, model_settings, train_model
from .loop import EpochStats, TrainResult, plot_history

__all__ = [
    "Model", "Embedding", "TrainConfig", "EpochStats", "TrainResult", "Pairs", "ArrayPairs", "DiskPairs",
    "train_model", "create_model", "make_config", "model_settings", "available_models",
    "load_model", "save_model", "file_sha256", "fingerprint", "plot_history",
]
