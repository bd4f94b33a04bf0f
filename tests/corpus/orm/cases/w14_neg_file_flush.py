def write(handle, lines):
    for line in lines:
        handle.write(line)
        handle.flush()
