"""The captcha's picture, drawn for the screen that shows it.

django-simple-captcha draws its 2× picture in the 1× box with the font doubled, so a
phone (device pixel ratio 2 or 3) was shown the first three characters, cropped. Here
each picture is drawn at the size it is shown (`CAPTCHA_IMAGE_SIZE`) times its scale
(1, 2 or 3: `image/<key>/`, `@2/`, `@3/`, named in the picture's `srcset`), with the
font, the rotation and the noise of the library's settings; the characters are laid
out to fit, scaled down if need be, with a margin on every side so that none touches
an edge.
"""

import io
import random
import threading

from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from django.conf import settings
from django.http import Http404, HttpResponse
from PIL import Image, ImageDraw, ImageFont

SCALES = (1, 2, 3)
_DRAWING = threading.Lock()
# Free space round the characters, in pixels of the 1× picture.
MARGIN = 3


def _font(size):
    path = captcha_settings.CAPTCHA_FONT_PATH
    if isinstance(path, list | tuple):
        path = random.choice(path)
    return ImageFont.truetype(path, size)


def _glyph(character, font):
    """One character as a white-on-black mask, rotated as the library rotates it,
    cropped to its ink."""
    left, top, right, bottom = font.getbbox(f" {character} ")
    mask = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(mask).text(
        (2 - left, 2 - top), f" {character} ", font=font, fill=255
    )
    if captcha_settings.CAPTCHA_LETTER_ROTATION:
        mask = mask.rotate(
            random.randrange(*captcha_settings.CAPTCHA_LETTER_ROTATION),
            expand=True,
            resample=Image.BICUBIC,
        )
    return mask.crop(mask.getbbox())


def letters(text, scale):
    """The characters of `text` on the background, laid out inside the margin of a
    picture of `CAPTCHA_IMAGE_SIZE` × `scale`."""
    width, height = (side * scale for side in settings.CAPTCHA_IMAGE_SIZE)
    margin = MARGIN * scale
    room = (width - 2 * margin, height - 2 * margin)
    size = settings.CAPTCHA_FONT_SIZE * scale
    while True:
        font = _font(size)
        glyphs = [_glyph(character, font) for character in text]
        gap = max(1, scale)
        ink_width = sum(g.width for g in glyphs) + gap * (len(glyphs) - 1)
        ink_height = max(g.height for g in glyphs)
        if (ink_width <= room[0] and ink_height <= room[1]) or size <= 8 * scale:
            break
        size -= scale  # smaller until it fits; the random rotations are replayed
    image = Image.new("RGB", (width, height), captcha_settings.CAPTCHA_BACKGROUND_COLOR)
    x = margin + max(0, (room[0] - ink_width) // 2)
    for index, glyph in enumerate(glyphs):
        y = margin + max(0, (room[1] - glyph.height) // 2)
        colour = captcha_settings.get_letter_color(index, text)
        image.paste(Image.new("RGB", glyph.size, colour), (x, y), glyph)
        x += glyph.width + gap
    return image


def draw(text, scale, *, noise=True):
    """The picture of `text` at `scale`, as PNG bytes."""
    image = letters(text, scale)
    if noise:
        canvas = ImageDraw.Draw(image)
        for function in captcha_settings.noise_functions():
            canvas = function(canvas, image)
        for function in captcha_settings.filter_functions():
            image = function(image)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def captcha_image(request, key, scale=1):
    """`captcha/image/<key>/` (and `@2/`, `@3/`): the picture of a live challenge;
    410 once it is gone, as the library answers."""
    if scale not in SCALES:
        raise Http404
    store = CaptchaStore.objects.filter(hashkey=key).first()
    if store is None:
        return HttpResponse(status=410)
    # The same picture for the same key (as the library does), without leaving the
    # shared generator predictable afterwards. The library's noise draws from the
    # shared generator too, so pictures are drawn one at a time per process: two
    # threads seeding it at once would mix their pictures' random choices.
    with _DRAWING:
        state = random.getstate()
        try:
            random.seed(key)
            picture = draw(store.challenge, scale)
        finally:
            random.setstate(state)
    response = HttpResponse(picture, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response
