"""The project model: what names mean across the modules of the scanned project.

Built from the stdlib `ast` in the index pass (per file, cached by content), merged once per
scan into typed, read-only tables that rules query through `FileContext.symbols`:
`symbols` holds the module table (qualified module names, keyed per project root), module
constants, enum members, class attributes, functions with their summaries, and classes with
their bases resolved across modules.
"""
