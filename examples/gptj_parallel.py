"""A GPT-J-style decoder with parallel attention and MLP: x = x + Attn(LN(x)) + MLP(LN(x)).

GPT-J, GPT-NeoX/Pythia, Falcon and Phi-1/2 run both sublayers on the same normalised input and add
them to the stream in one sum: one norm per block, and the MLP no longer sees the attention output.
"""
import torch.nn as nn
import torch.nn.functional as F


class ParallelBlock(nn.Module):
    def __init__(self, dim=512, heads=8):
        super().__init__()
        self.ln = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.fc_in = nn.Linear(dim, 4 * dim)
        self.fc_out = nn.Linear(4 * dim, dim)

    def forward(self, x):
        h = self.ln(x)
        attn_out = self.attn(h, h, h, need_weights=False)[0]
        mlp_out = self.fc_out(F.gelu(self.fc_in(h)))
        return x + attn_out + mlp_out


class ParallelDecoder(nn.Module):
    def __init__(self, vocab_size=8192, dim=512, heads=8, depth=8):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, dim)
        self.h = nn.ModuleList([ParallelBlock(dim, heads) for _ in range(depth)])
        self.ln_f = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab_size, bias=False)

    def forward(self, input_ids):
        x = self.wte(input_ids)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))
