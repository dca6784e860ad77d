"""The captcha's picture is drawn at the size it is shown times its scale (1, 2 or
3: a phone picks the 2× or 3× one from the srcset), with every character inside
it: none touches an edge, whatever the characters and their rotations."""

import io
import itertools

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from PIL import Image

from portal import captcha_pictures
from portal.challenges import UNAMBIGUOUS

pytestmark = pytest.mark.django_db

SHOWN = (120, 40)


def picture(response):
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content))


def edge_pixels(image):
    width, height = image.size
    for x in range(width):
        yield image.getpixel((x, 0)), image.getpixel((x, height - 1))
    for y in range(height):
        yield image.getpixel((0, y)), image.getpixel((width - 1, y))


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_each_scale_is_drawn_at_the_shown_size_times_the_scale(client, scale):
    key = CaptchaStore.generate_key()
    suffix = "" if scale == 1 else f"@{scale}"
    image = picture(client.get(f"/captcha/image/{key}{suffix}/"))
    assert image.size == (SHOWN[0] * scale, SHOWN[1] * scale)


def test_the_same_key_gives_the_same_picture_and_the_page_names_every_scale(client):
    key = CaptchaStore.generate_key()
    first = client.get(f"/captcha/image/{key}@2/").content
    assert client.get(f"/captcha/image/{key}@2/").content == first
    page = client.get("/verify/").content.decode()
    assert "@2/ 2x" in page and "@3/ 3x" in page


def test_unknown_keys_and_scales(client):
    assert client.get(f"/captcha/image/{'0' * 40}/").status_code == 410
    key = CaptchaStore.generate_key()
    assert client.get(f"/captcha/image/{key}@4/").status_code == 404


WIDEST = ["WWWW", "MMMM", "WMWM", "7777", "JJJJ", "AAAA"]


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_no_character_touches_an_edge(scale):
    background = Image.new("RGB", (1, 1), captcha_settings.CAPTCHA_BACKGROUND_COLOR)
    blank = background.getpixel((0, 0))
    texts = WIDEST + [
        "".join(chars)
        for chars in itertools.islice(
            itertools.product(UNAMBIGUOUS, repeat=4), 0, 8000, 97
        )
    ]
    for seed, text in enumerate(texts):
        captcha_pictures.random.seed(seed)
        image = captcha_pictures.letters(text, scale)
        assert image.size == (SHOWN[0] * scale, SHOWN[1] * scale)
        assert all(a == b == blank for a, b in edge_pixels(image)), (text, scale)
        # and the ink is there
        assert (
            sum(1 for pixel in image.get_flattened_data() if pixel != blank)
            > 100 * scale
        )
