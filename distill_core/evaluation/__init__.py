"""What a distilled student keeps: public word-similarity and analogy benchmarks, and small downstream
tasks fine-tuned from each start."""
