"""Embedding-layer distillation (TinyBERT, Jiao et al. 2020): L_emb = MSE(E_s W_e, E_t)."""
