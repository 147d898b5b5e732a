"""The index stage: chunking, embedders, the index on disk, building and updating it from the corpus,
sentence vectors, managing documents, and mirrors in external vector stores."""
