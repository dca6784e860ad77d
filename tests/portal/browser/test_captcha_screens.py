"""The captcha's picture on every screen: at device pixel ratios 1, 2 and 3 and
widths 360, 768 and 1280, on the verify, resend and "where is my filing" pages, the
picture the browser chose from the srcset has the shown size times the ratio, with
no character touching its edge (read back from the picture's own pixels, the noise
turned off so only characters are ink)."""

import pytest
from captcha.conf import settings as captcha_settings

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/verify/", "/resend/", "/where/"]
SCREENS = [(ratio, width) for ratio in (1, 2, 3) for width in (360, 768, 1280)]

READ_PICTURE = """
async (img) => {
    if (!img.complete) await new Promise((done) => img.addEventListener("load", done));
    // naturalWidth is divided by the srcset's density: read the file the browser
    // chose (currentSrc) for its real pixels.
    const file = await (await fetch(img.currentSrc)).blob();
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext("2d");
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const inkAt = (x, y) => {
        const i = (y * canvas.width + x) * 4;
        return pixels[i] < 250 || pixels[i + 1] < 250 || pixels[i + 2] < 250;
    };
    let edgeInk = 0, ink = 0;
    for (let y = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++) {
            if (!inkAt(x, y)) continue;
            ink++;
            if (x === 0 || y === 0 || x === canvas.width - 1 || y === canvas.height - 1)
                edgeInk++;
        }
    }
    const box = img.getBoundingClientRect();
    return {
        natural: [bitmap.width, bitmap.height],
        chosen: img.currentSrc,
        shown: [box.width, box.height],
        right: box.right,
        viewport: window.innerWidth,
        ratio: window.devicePixelRatio,
        edgeInk, ink,
    };
}
"""


@pytest.mark.parametrize(("ratio", "width"), SCREENS)
def test_the_picture_fits_the_screen(browser, browser_site, monkeypatch, ratio, width):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_NOISE_FUNCTIONS", ())
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FILTER_FUNCTIONS", ())
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        device_scale_factor=ratio,
        locale="zh-CN",
    )
    try:
        page = context.new_page()
        for path in PAGES:
            page.goto(f"{browser_site}{path}")
            found = page.locator("img.captcha").evaluate(READ_PICTURE)
            assert found["ratio"] == ratio
            shown_w, shown_h = found["shown"]
            assert found["natural"] == [
                round(shown_w * ratio),
                round(shown_h * ratio),
            ], (
                path,
                found,
            )
            assert found["right"] <= found["viewport"], (path, found)
            assert found["ink"] > 100, (path, found)
            assert found["edgeInk"] == 0, (path, found)
    finally:
        context.close()
