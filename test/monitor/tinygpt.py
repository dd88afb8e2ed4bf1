"""A small nanoGPT-style model for the monitor's tests and benchmark: GPT-2 names (transformer.h,
attn.c_attn / c_proj, mlp.c_fc / c_proj), pre-LN by default, post-LN (all or some blocks) and tuple-returning blocks on request."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        # (B, nh, T, hs)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.c_fc = nn.Linear(width, 4 * width)
        self.c_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, width, heads, post=False, tuple_out=False):
        super().__init__()
        self.post, self.tuple_out = post, tuple_out
        self.ln_1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = MLP(width)

    def forward(self, x):
        if self.post:
            x = self.ln_1(x + self.attn(x))
            x = self.ln_2(x + self.mlp(x))
        else:
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
        return (x, None) if self.tuple_out else x


class GPT(nn.Module):
    def __init__(self, vocab=64, seq=16, width=32, heads=4, layers=4, post=False, tuple_out=False):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, width), wpe=nn.Embedding(seq, width),
            # post: one flag for every block, or one per block (a Mix-LN-like stack).
            h=nn.ModuleList([Block(width, heads, post[i] if isinstance(post, (list, tuple)) else post, tuple_out)
                             for i in range(layers)]),
            ln_f=nn.LayerNorm(width)))
        self.lm_head = nn.Linear(width, vocab, bias=False)

    def embed(self, idx):
        positions = torch.arange(idx.shape[1], device=idx.device)
        return self.transformer.wte(idx) + self.transformer.wpe(positions)

    def forward(self, idx, targets):
        x = self.embed(idx)
        for block in self.transformer.h:
            x = block(x)
            if isinstance(x, tuple):
                x = x[0]
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))
