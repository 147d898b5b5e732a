"""Text in three languages, shared by every stage: sentence and word segmentation, language detection and
stemming (English, Russian, Kazakh), and the name lexicon."""
