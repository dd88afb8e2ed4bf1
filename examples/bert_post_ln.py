"""A BERT-style encoder with Post-LN layers: x = LN(x + F(x)), no final norm.

This is the original Transformer's placement (BERT, RoBERTa, BART). The norm sits on the residual
stream itself, which keeps it at unit scale, but deep Post-LN stacks need learning-rate warm-up.
"""
import torch
import torch.nn as nn


class EncoderConfig:
    def __init__(self, vocab_size=8192, hidden_size=512, num_hidden_layers=6, num_attention_heads=8,
                 intermediate_size=2048, hidden_dropout_prob=0.1, max_position_embeddings=512):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_dropout_prob = hidden_dropout_prob
        self.max_position_embeddings = max_position_embeddings


class AddAndNorm(nn.Module):
    """Projects a sublayer's output, adds the residual and normalises the sum."""

    def __init__(self, in_size, hidden_size, dropout):
        super().__init__()
        self.dense = nn.Linear(in_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.LayerNorm = nn.LayerNorm(hidden_size, eps=1e-12)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class EncoderLayer(nn.Module):
    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.attention = nn.MultiheadAttention(config.hidden_size, config.num_attention_heads, batch_first=True)
        self.attention_output = AddAndNorm(config.hidden_size, config.hidden_size, config.hidden_dropout_prob)
        self.intermediate = nn.Sequential(nn.Linear(config.hidden_size, config.intermediate_size), nn.GELU())
        self.output = AddAndNorm(config.intermediate_size, config.hidden_size, config.hidden_dropout_prob)

    def forward(self, hidden_states, attention_mask=None):
        attn_out, _ = self.attention(hidden_states, hidden_states, hidden_states, key_padding_mask=attention_mask)
        attention_output = self.attention_output(attn_out, hidden_states)
        return self.output(self.intermediate(attention_output), attention_output)


class Encoder(nn.Module):
    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.embedding_norm = nn.LayerNorm(config.hidden_size, eps=1e-12)
        self.layer = nn.ModuleList([EncoderLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, input_ids, attention_mask=None):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        hidden_states = self.embedding_norm(self.word_embeddings(input_ids) + self.position_embeddings(positions))
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask)
        return hidden_states
