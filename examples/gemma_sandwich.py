"""A Gemma-2-style decoder with sandwich norms: x = x + N2(F(N1(x))), RMSNorm, final norm.

Gemma 2/3 (and Peri-LN) normalise both the input and the output of every sublayer, so each update
joins the stream at a controlled scale while the stream itself stays unnormalised.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB_SIZE = 8192
HIDDEN_SIZE = 512
NUM_LAYERS = 8
NUM_HEADS = 8


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        normed = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return normed * (1.0 + self.weight)


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.qkv_proj = nn.Linear(dim, 3 * dim, bias=False)
        self.o_proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv_proj(x).view(B, T, 3, self.num_heads, C // self.num_heads).unbind(2)
        y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C))


class GatedMLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.gelu(self.gate_proj(x), approximate="tanh") * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, dim=HIDDEN_SIZE, num_heads=NUM_HEADS):
        super().__init__()
        self.self_attn = Attention(dim, num_heads)
        self.mlp = GatedMLP(dim, 4 * dim)
        self.input_layernorm = RMSNorm(dim)
        self.post_attention_layernorm = RMSNorm(dim)
        self.pre_feedforward_layernorm = RMSNorm(dim)
        self.post_feedforward_layernorm = RMSNorm(dim)

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
        return residual + hidden_states


class Decoder(nn.Module):
    def __init__(self, num_layers=NUM_LAYERS):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB_SIZE, HIDDEN_SIZE)
        self.layers = nn.ModuleList([DecoderLayer() for _ in range(num_layers)])
        self.norm = RMSNorm(HIDDEN_SIZE)

    def forward(self, input_ids):
        hidden_states = self.embed_tokens(input_ids) * HIDDEN_SIZE ** 0.5
        for layer in self.layers:
            hidden_states = layer(hidden_states)
        return self.norm(hidden_states)
