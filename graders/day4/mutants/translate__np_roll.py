# Classic bug: np.roll wraps the pixels that leave the image around to the other side.
def translate(images, dx, dy):
    return np.roll(images, shift=(dy, dx), axis=(1, 2))
