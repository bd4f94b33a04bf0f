"""ORM facts: the model graph, row sources and query sites, indexes, and open transactions."""
