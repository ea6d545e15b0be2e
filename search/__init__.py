"""Search: full-text indexing and the analysis of Moroccan languages and scripts."""
