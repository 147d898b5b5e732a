"""The search stage: the question read once, cross-lingual terms, hybrid retrieval (dense + BM25), follow-up
rewriting, and llama-index retrievers as ours and ours as theirs."""
