"""TinyBERT's other losses (hidden states, attention) beside the embedding loss, the layer-wise trainer,
and the with/without-embedding-loss ablation."""
