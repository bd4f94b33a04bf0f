def lookup(mapping, keys):
    return [mapping.get(k) for k in keys]
