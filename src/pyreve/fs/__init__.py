"""The virtual file system: URIs, names, the tree, navigators, entities, uploads, locks, drivers."""
