// Builds the benchmark's model file: ~3,000 lines in the styles real modelling files use (a config
// class, helpers, GPT-2, LLaMA, BERT-style and sandwich blocks, models stacking them), deterministically.

const HEADER = `# coding=utf-8
"""A model zoo in one file, as large modelling files are: configs, helpers, several block styles."""
import math
from dataclasses import dataclass
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
`;

const CONFIG = (n: number): string => `

@dataclass
class ZooConfig${n}:
    vocab_size: int = 50304
    n_layer: int = ${12 + n}
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 2048
`;

const HELPERS = (n: number): string => `

def rotate_half_${n}(x):
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb_${n}(q, k, cos, sin, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half_${n}(q) * sin)
    k_embed = (k * cos) + (rotate_half_${n}(k) * sin)
    return q_embed, k_embed


def causal_mask_${n}(seq_len: int, device=None) -> torch.Tensor:
    mask = torch.full((seq_len, seq_len), float("-inf"), device=device)
    return torch.triu(mask, diagonal=1)


class RMSNorm${n}(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class CausalSelfAttention${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(self, x):
        B, T, C = x.size()  # (B, T, C)
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att + causal_mask_${n}(T, x.device)
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        x = self.c_fc(x)
        x = self.gelu(x)
        x = self.c_proj(x)
        return self.dropout(x)
`;

const GPT2_BLOCK = (n: number): string => `

class GPT2Block${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention${n}(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP${n}(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.max_position_embeddings, config.n_embd)
        self.h = nn.ModuleList([GPT2Block${n}(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

    def forward(self, idx):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        return self.lm_head(x)
`;

const LLAMA_BLOCK = (n: number): string => `

class LlamaMLP${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.gate_proj = nn.Linear(config.n_embd, 4 * config.n_embd, bias=False)
        self.up_proj = nn.Linear(config.n_embd, 4 * config.n_embd, bias=False)
        self.down_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer${n}(nn.Module):
    def __init__(self, config, layer_idx: int):
        super().__init__()
        self.hidden_size = config.n_embd
        self.self_attn = CausalSelfAttention${n}(config)
        self.mlp = LlamaMLP${n}(config)
        self.input_layernorm = RMSNorm${n}(config.n_embd, eps=config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm${n}(config.n_embd, eps=config.rms_norm_eps)
        self.layer_idx = layer_idx

    def forward(self, hidden_states: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states)
        hidden_states = residual + hidden_states

        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        hidden_states = residual + hidden_states
        return hidden_states


class LlamaModel${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.n_embd)
        self.layers = nn.ModuleList([LlamaDecoderLayer${n}(config, i) for i in range(config.n_layer)])
        self.norm = RMSNorm${n}(config.n_embd, eps=config.rms_norm_eps)

    def forward(self, input_ids):
        hidden_states = self.embed_tokens(input_ids)
        for decoder_layer in self.layers:
            hidden_states = decoder_layer(hidden_states)
        return self.norm(hidden_states)
`;

const BERT_BLOCK = (n: number): string => `

class BertSelfOutput${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.n_embd, config.n_embd)
        self.LayerNorm = nn.LayerNorm(config.n_embd, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.LayerNorm(hidden_states + input_tensor)
        return hidden_states


class BertAttention${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = CausalSelfAttention${n}(config)
        self.output = BertSelfOutput${n}(config)

    def forward(self, hidden_states):
        self_outputs = self.self(hidden_states)
        attention_output = self.output(self_outputs, hidden_states)
        return attention_output


class BertOutput${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(4 * config.n_embd, config.n_embd)
        self.LayerNorm = nn.LayerNorm(config.n_embd, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.LayerNorm(hidden_states + input_tensor)
        return hidden_states


class BertLayer${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention${n}(config)
        self.intermediate = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.output = BertOutput${n}(config)

    def forward(self, hidden_states):
        attention_output = self.attention(hidden_states)
        intermediate_output = F.gelu(self.intermediate(attention_output))
        layer_output = self.output(intermediate_output, attention_output)
        return layer_output
`;

const SANDWICH_BLOCK = (n: number): string => `

class Gemma2DecoderLayer${n}(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self_attn = CausalSelfAttention${n}(config)
        self.mlp = LlamaMLP${n}(config)
        self.input_layernorm = RMSNorm${n}(config.n_embd)
        self.post_attention_layernorm = RMSNorm${n}(config.n_embd)
        self.pre_feedforward_layernorm = RMSNorm${n}(config.n_embd)
        self.post_feedforward_layernorm = RMSNorm${n}(config.n_embd)

    def forward(self, hidden_states):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states)
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = residual + hidden_states

        residual = hidden_states
        hidden_states = self.pre_feedforward_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        hidden_states = self.post_feedforward_layernorm(hidden_states)
        hidden_states = residual + hidden_states
        return hidden_states
`;

/** A deterministic model file of at least `minLines` lines. */
export function buildModelFile(minLines = 3000): string {
  let text = HEADER;
  for (let n = 0; text.split('\n').length < minLines; n++) {
    text += CONFIG(n) + HELPERS(n) + GPT2_BLOCK(n) + LLAMA_BLOCK(n) + BERT_BLOCK(n) + SANDWICH_BLOCK(n);
  }
  return text;
}
