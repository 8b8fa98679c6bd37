# Classic bug: the slice images[:, :-dy] is empty when dy == 0 (":-0"), so a zero shift breaks.
def translate(images, dx, dy):
    out = np.zeros_like(images)
    rows_out, rows_in = (slice(dy, None), slice(None, -dy)) if dy >= 0 else (slice(None, dy), slice(-dy, None))
    cols_out, cols_in = (slice(dx, None), slice(None, -dx)) if dx >= 0 else (slice(None, dx), slice(-dx, None))
    out[:, rows_out, cols_out] = images[:, rows_in, cols_in]
    return out
