"""The answerability reader: a small cross-encoder that reads (question, sentence with its neighbours) and gives the
probability that the sentence answers the question.

Trained offline by ``evals/train_reader.py`` from questions generated out of documents (never from the gold set),
initialised from the bundled all-MiniLM-L6-v2 weights cut to its first layers. The shipped folder
(``journalqa/reader_model/``) holds the tokenizer, ``config.json``, the weights as int8 per-row (``weights.safetensors``,
each matrix with its scales) and ``manifest.json`` (data recipe, seed, metrics). Not on by default: see the
manifest's ``default`` and README.

Nothing is loaded at import time; ``Reader.load()`` builds the model (torch, transformers) when called.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "reader_model"
WEIGHTS = "weights.safetensors"
SCALE_SUFFIX = ".__scale__"
MAX_LENGTH = 64  # word-pieces of question + sentence + neighbours; the sentence comes first and is never cut


def pair_text(sentence: str, before: str = "", after: str = "") -> str:
    """The reader's second segment: the sentence, then its neighbours (truncation cuts the neighbours first)."""
    context = " ".join(t for t in (before, after) if t)
    return f"{sentence} | {context}" if context else sentence


def quantize_state(state: dict[str, Any]) -> dict[str, Any]:
    """Matrices -> int8 per row with float32 scales; vectors (biases, norms) stay float32."""
    import torch

    out = {}
    for name, tensor in state.items():
        tensor = tensor.detach().float().contiguous()
        if tensor.ndim == 2:
            scale = tensor.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
            out[name] = torch.round(tensor / scale).to(torch.int8).contiguous()
            out[name + SCALE_SUFFIX] = scale.contiguous()
        else:
            out[name] = tensor
    return out


def dequantize_state(stored: dict[str, Any]) -> dict[str, Any]:
    state = {}
    for name, tensor in stored.items():
        if name.endswith(SCALE_SUFFIX):
            continue
        scale = stored.get(name + SCALE_SUFFIX)
        state[name] = tensor.float() * scale if scale is not None else tensor.float()
    return state


def save(model: Any, tokenizer: Any, folder: Path, manifest: dict[str, Any]) -> None:
    """Write a trained ``build_model`` model as a reader folder (int8 weights, tokenizer, manifest)."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    save_file(quantize_state(model.state_dict()), str(folder / WEIGHTS))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def build_model(config: Any) -> Any:
    """BERT layers, the mean of the token states (masked), one linear logit.

    Not BERT's [CLS] pooler: in the sentence-transformers MiniLM (trained with mean pooling) the [CLS] state is the
    same for every input (std across inputs ~3e-4), and a classifier on it learns only the base rate.
    """
    import torch
    from transformers import BertModel

    class MeanPoolClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = config
            self.bert = BertModel(config, add_pooling_layer=False)
            self.classifier = torch.nn.Linear(config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids=None):  # noqa: ANN001, ANN202
            states = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            return self.classifier((states * mask).sum(1) / mask.sum(1).clamp(min=1.0))[:, 0]

    return MeanPoolClassifier()


@dataclass
class Reader:
    path: Path
    model: Any
    tokenizer: Any
    max_length: int = MAX_LENGTH

    @classmethod
    def load(cls, path: str | Path | None = None, quantize: bool = True) -> Reader:
        """The reader in ``path`` (None: the shipped one); Linear layers run int8 (dynamic quantisation) by default."""
        import torch
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoTokenizer

        folder = Path(path) if path is not None else MODEL_DIR
        if not (folder / WEIGHTS).is_file():
            raise FileNotFoundError(f"no reader weights in {folder} (train them: python evals/train_reader.py)")
        config = AutoConfig.from_pretrained(folder)
        model = build_model(config)
        model.load_state_dict(dequantize_state(load_file(str(folder / WEIGHTS))))
        model.eval()
        if quantize:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        manifest = folder / "manifest.json"
        max_length = json.loads(manifest.read_text()).get("max_length", MAX_LENGTH) if manifest.exists() else MAX_LENGTH
        return cls(folder, model, AutoTokenizer.from_pretrained(folder), max_length)

    @property
    def manifest(self) -> dict[str, Any]:
        file = self.path / "manifest.json"
        return json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}

    def logits(self, question: str, candidates: Sequence[str]) -> np.ndarray:
        import torch

        if not candidates:
            return np.zeros(0, dtype=np.float32)
        batch = self.tokenizer(
            [question] * len(candidates),
            list(candidates),
            truncation="only_second",
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        with torch.inference_mode():
            return self.model(**batch).float().numpy()

    def score(self, question: str, candidates: Sequence[str]) -> np.ndarray:
        """Probability, per candidate (a sentence, or ``pair_text`` of one), that it answers the question."""
        return 1.0 / (1.0 + np.exp(-self.logits(question, candidates)))
