"""Platform-free retrieval: documents -> passages -> BM25 index -> quoted answers."""
