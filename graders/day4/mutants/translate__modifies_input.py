# Classic bug: the shift is done in place, on the caller's array.
def translate(images, dx, dy):
    h, w = images.shape[1:]
    shifted = np.zeros_like(images)
    if abs(dy) < h and abs(dx) < w:
        shifted[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
            :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
    images[...] = shifted
    return images
