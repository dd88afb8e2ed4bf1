// PyTorch's own transformer layers (nn.TransformerEncoderLayer / DecoderLayer / nn.Transformer): their
// placement is fixed by `norm_first` (False → post, True → pre), their depth by the stack around them.

import type { BlockIR, Placement, SublayerIR } from '../../ir/model';
import { lineOf, spanOf } from './syntax';
import type { Builtin, Value } from './values';
import { numberOf } from './values';

const LAYER = /(^|\.)(TransformerEncoderLayer|TransformerDecoderLayer|Transformer)$/;
const STACK = /(^|\.)(TransformerEncoder|TransformerDecoder)$/;
const PARAMS = ['d_model', 'nhead', 'dim_feedforward', 'dropout', 'activation', 'layer_norm_eps', 'batch_first', 'norm_first'];
const TRANSFORMER_PARAMS = ['d_model', 'nhead', 'num_encoder_layers', 'num_decoder_layers', 'dim_feedforward', 'dropout', 'activation', 'custom_encoder', 'custom_decoder', 'layer_norm_eps', 'batch_first', 'norm_first'];

export function torchBuiltinBlocks(builtins: Value[]): BlockIR[] {
  const layers = builtins.filter((b): b is Builtin => b.k === 'builtin' && LAYER.test(b.className));
  const stacks = builtins.filter((b): b is Builtin => b.k === 'builtin' && STACK.test(b.className));
  const seen = new Set<number>();
  const out: BlockIR[] = [];
  for (const layer of layers) {
    if (seen.has(layer.node.startIndex)) continue;
    seen.add(layer.node.startIndex);
    const whole = /(^|\.)Transformer$/.test(layer.className);
    const arg = (name: string): Value | undefined => {
      const names = whole ? TRANSFORMER_PARAMS : PARAMS;
      return layer.kwargs.get(name) ?? layer.args[names.indexOf(name)];
    };
    const normFirst = arg('norm_first');
    const stack = stacks.find((s) => (s.args[0] ?? s.kwargs.get('encoder_layer') ?? s.kwargs.get('decoder_layer')) === layer);
    const decoder = /Decoder/.test(layer.className);
    let placement: Placement;
    let flag: BlockIR['flag'] = null;
    let reason: string;
    if (!normFirst || (normFirst.k === 'bool' && !normFirst.origin)) {
      placement = normFirst?.k === 'bool' && normFirst.v ? 'pre' : 'post';
      reason = placement === 'pre' ? 'norm_first=True: PyTorch normalises each sublayer input' : 'norm_first is False (the default): PyTorch normalises each residual sum';
    } else {
      placement = 'conditional';
      const known = normFirst.k === 'bool' ? normFirst.v : null;
      flag = { name: 'norm_first', default: known, placements: { True: 'pre', False: 'post' } };
      reason = `norm_first is passed as ${normFirst.k === 'bool' && normFirst.origin ? normFirst.origin : 'a value the file does not fix'}: pre when true, post when false`;
    }
    const sub = (kind: SublayerIR['kind'], name: string): SublayerIR => ({
      kind, name, placement: placement === 'conditional' ? 'conditional' : placement, line: lineOf(layer.node), span: spanOf(layer.node),
      norms: [], reason,
    });
    const sublayers = [sub('attention', 'self_attn'), ...(decoder ? [sub('attention', 'multihead_attn')] : []), sub('mlp', 'linear2')];
    const depth = whole ? numberOf(arg('num_encoder_layers')) ?? 6 : stack ? numberOf(stack.kwargs.get('num_layers') ?? stack.args[1]) : null;
    const finalNormValue = stack ? stack.kwargs.get('norm') ?? stack.args[2] : undefined;
    out.push({
      name: layer.className, line: lineOf(layer.node), span: spanOf(layer.node), placement, reason, sublayers, norm: 'layernorm',
      finalNorm: whole ? true : stack ? finalNormValue?.k === 'normModule' : null,
      layers: depth, dModel: numberOf(arg('d_model')) ?? (whole ? 512 : null), heads: numberOf(arg('nhead')) ?? (whole ? 8 : null), flag,
      deepnormAlpha: null, mixed: null, model: null, normDefinitions: [], normUses: [],
    });
  }
  return out;
}
