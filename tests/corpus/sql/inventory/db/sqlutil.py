def in_clause(column, values):
    marks = ",".join("?" * len(values))
    return "%s IN (%s)" % (column, marks)


def placeholders(ids):
    return ", ".join(["%s"] * len(ids))
