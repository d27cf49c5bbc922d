"""Model checkpoints: one safetensors file, no pickled code.

Tensors hold everything learned (network weights, CCA matrices, scaling statistics). The safetensors
metadata (str -> str) holds, as JSON: the model kind, its config, input widths, the training-data
fingerprint, the seed, the training metrics, and a digest over all of it and every tensor byte, so a
modified file is refused on load. ``save_model`` returns the sha256 of the file itself, which the
store keeps to tie an index to the exact model that built it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..checksum import file_sha256
from ..errors import InputError, MismatchError
from .base import Model
from .config import config_from_dict, config_to_dict
from .registry import model_class

__all__ = ["save_model", "load_model", "file_sha256", "FORMAT"]

FORMAT = "hyperlink-model/1"


def _digest(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> str:
    """sha256 over sorted metadata (digest excluded) and sorted tensors (name, dtype, shape, bytes)."""
    h = hashlib.sha256()
    for key in sorted(k for k in metadata if k != "digest"):
        h.update(f"{key}={metadata[key]}\n".encode())
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}\n".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def save_model(model: Model, path: str | Path) -> str:
    """Write ``model`` to ``path`` (atomically); returns the file's sha256."""
    if model.dims is None:
        raise InputError(f"model {model.kind!r} is not trained: nothing to save")
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.tensors().items()}
    metadata = {
        "format": FORMAT,
        "kind": model.kind,
        "config": json.dumps(config_to_dict(model.config), sort_keys=True),
        "dims": json.dumps(list(model.dims)),
        "fingerprint": model.fingerprint or "",
        "seed": json.dumps(model.train_config.seed),
        "metrics": json.dumps(model.metrics, sort_keys=True, default=str),
    }
    metadata["digest"] = _digest(tensors, metadata)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, path)
    return file_sha256(path)


def load_model(path: str | Path, *, expected_sha256: str | None = None) -> Model:
    """Rebuild the model saved at ``path`` from the registry; refuses modified or foreign files."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such model file", path)
    if expected_sha256 is not None:
        actual = file_sha256(path)
        if actual != expected_sha256:
            raise MismatchError(f"{path}: sha256 is {actual}, expected {expected_sha256}; the model file changed")
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except Exception as exc:  # safetensors raises its own error types for malformed headers
        raise InputError(f"not a readable safetensors model file ({exc})", path) from exc
    if metadata.get("format") != FORMAT:
        raise InputError(f"not a hyperlink model checkpoint (format {metadata.get('format')!r}, expected {FORMAT!r})", path)
    digest = _digest(tensors, metadata)
    if digest != metadata.get("digest"):
        raise MismatchError(f"{path}: content digest {digest[:12]}… does not match the recorded "
                            f"{str(metadata.get('digest'))[:12]}…; the file was modified or corrupted, retrain or restore it")
    cls = model_class(metadata["kind"])
    model = cls(config_from_dict(cls.config_class, json.loads(metadata["config"])))
    model.restore(tuple(json.loads(metadata["dims"])), tensors)
    model.fingerprint = metadata["fingerprint"] or None
    model.metrics = json.loads(metadata["metrics"])
    return model
