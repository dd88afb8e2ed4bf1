// Tensor methods of libraries written method-style (tinygrad: `h.dropout(p)`, `.contiguous_backward()`,
// `.realize()`, `.cast(dtype)`): dropout, scheduling and dtype changes that leave what the tensor is for
// the residual stream as it was, like their module forms (`nn.Dropout`, `.to(dtype)`).

export const STREAM_KEEPING_METHODS: ReadonlySet<string> = new Set(['dropout', 'contiguous_backward', 'realize', 'cast']);
