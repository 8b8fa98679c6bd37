"""Hidden graders of ``translate``: shift a batch of images, filling with zeros.

``translate(images, dx, dy)`` moves the content ``dx`` columns to the right
and ``dy`` rows down (negative values go left and up); what leaves the image
is lost, what is uncovered is 0. Moving values is exact, so every comparison
is exact (rtol = atol = 0). The classic slips each change many pixels:
``np.roll`` (what leaves on one side comes back on the other), rows and
columns swapped, the opposite direction, a slice ``[:-0]`` that is empty for a
zero shift, or an input modified in place.
"""

from tpgrade.grader import expect_array, question, reference

ref = reference("day4")


def images(rng, n, h, w):
    # Positive values everywhere: a wrapped-around pixel can never pass for a zero.
    return rng.uniform(0.1, 1.0, size=(n, h, w))


def check(student, batch, dx, dy):
    expect_array(
        student.translate(batch, dx, dy),
        ref.translate(batch, dx, dy),
        rtol=0.0,
        atol=0.0,
        what=f"les images décalées de dx={dx}, dy={dy} (forme {batch.shape})",
    )


@question("translate", points=0.5)
def test_right_and_down(student, rng):
    batch = images(rng, 3, 5, 7)
    check(student, batch, 2, 1)
    check(student, batch, 1, 3)


@question("translate", points=0.5)
def test_left_up_and_mixed(student, rng):
    batch = images(rng, 4, 6, 5)
    for dx, dy in ((-1, -2), (-2, 1), (3, -1)):
        check(student, batch, dx, dy)


@question("translate", points=0.5)
def test_zero_shifts(student, rng):
    # A shift along one axis only, and no shift at all (the images come back unchanged).
    batch = images(rng, 2, 6, 8)
    for dx, dy in ((0, 0), (2, 0), (0, -3), (-1, 0), (0, 2)):
        check(student, batch, dx, dy)


@question("translate", points=0.25)
def test_single_image_and_shift_out(student, rng):
    batch = images(rng, 1, 8, 8)
    check(student, batch, -1, 2)
    # Everything leaves the image: an image of zeros.
    check(student, batch, 8, 0)
    check(student, batch, 1, -9)


@question("translate", points=0.25)
def test_input_not_modified(student, rng):
    batch = images(rng, 3, 4, 6)
    kept = student.keep(batch)
    out = student.translate(kept, 1, -1)
    expect_array(
        out, ref.translate(batch, 1, -1), rtol=0.0, atol=0.0, what="les images décalées de dx=1, dy=-1"
    )
    expect_array(
        student.value(kept),
        batch,
        rtol=0.0,
        atol=0.0,
        what="les images d'entrée après l'appel (elles ne doivent pas être modifiées)",
    )
