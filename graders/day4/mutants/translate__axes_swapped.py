# Classic bug: dx applied to the rows and dy to the columns.
def translate(images, dx, dy):
    images = np.asarray(images)
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    dx, dy = dy, dx
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out
