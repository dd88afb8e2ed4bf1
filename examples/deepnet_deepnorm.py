"""A DeepNet encoder with DeepNorm: x = LN(alpha * x + F(x)), alpha = (2N)^(1/4), init scaled by beta.

DeepNorm keeps Post-LN's normalised stream but up-weights the residual so that deep stacks (hundreds
of layers) train stably without warm-up tricks.
"""
import torch.nn as nn
import torch.nn.functional as F


class DeepNormLayer(nn.Module):
    def __init__(self, dim=512, heads=8, num_layers=12):
        super().__init__()
        self.alpha = (2 * num_layers) ** 0.25
        beta = (8 * num_layers) ** -0.25
        self.self_attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.final_layer_norm = nn.LayerNorm(dim)
        for weight in (self.fc1.weight, self.fc2.weight, self.self_attn.out_proj.weight):
            nn.init.xavier_normal_(weight, gain=beta)

    def forward(self, x):
        attn, _ = self.self_attn(x, x, x, need_weights=False)
        x = self.self_attn_layer_norm(x * self.alpha + attn)
        x = self.final_layer_norm(x * self.alpha + self.fc2(F.gelu(self.fc1(x))))
        return x


class DeepNetEncoder(nn.Module):
    def __init__(self, dim=512, heads=8, num_layers=12):
        super().__init__()
        self.layers = nn.ModuleList([DeepNormLayer(dim, heads, num_layers) for _ in range(num_layers)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
