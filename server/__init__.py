"""The HTTP face of the engine: a JSON API and a web chat over one `rag.Pipeline`."""
