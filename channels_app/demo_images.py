"""Pictures for the demo shop, drawn with Pillow: the item's silhouette in its first colour on
a soft studio background, so the demo catalogue looks like a shop without shipping photos."""

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

SIZE = 800

#: Colour code (as in demo SKUs) → RGB.
COLOUR_RGB = {
    "BGE": (214, 196, 164),
    "BLK": (38, 38, 42),
    "BLU": (70, 112, 170),
    "BRG": (118, 32, 52),
    "BRN": (112, 74, 48),
    "CHR": (72, 76, 82),
    "CML": (190, 142, 88),
    "ECR": (236, 228, 208),
    "GRN": (62, 110, 76),
    "GRY": (150, 152, 156),
    "IND": (44, 58, 104),
    "MUS": (206, 160, 48),
    "NVY": (34, 46, 84),
    "OLV": (106, 112, 64),
    "RED": (178, 46, 46),
    "SND": (208, 188, 150),
    "TAN": (178, 128, 82),
    "WHT": (246, 246, 244),
}


#: Shapes are drawn at this share of their grid, about its centre, so that a 4:3 crop of the
#: square picture (the product cards) keeps all of the item.
FILL = 0.8


def _scaled(points, scale=SIZE / 100):
    return [((50 + (x - 50) * FILL) * scale, (50 + (y - 50) * FILL) * scale) for x, y in points]


#: Outlines on a 100×100 grid, one per demo category.
SHAPES = {
    "t-shirts": [
        (30, 18),
        (42, 14),
        (50, 20),
        (58, 14),
        (70, 18),
        (88, 34),
        (78, 44),
        (70, 38),
        (70, 86),
        (30, 86),
        (30, 38),
        (22, 44),
        (12, 34),
    ],
    "knitwear": [
        (32, 16),
        (44, 13),
        (50, 19),
        (56, 13),
        (68, 16),
        (82, 30),
        (90, 80),
        (80, 82),
        (70, 42),
        (70, 88),
        (30, 88),
        (30, 42),
        (20, 82),
        (10, 80),
        (18, 30),
    ],
    "trousers": [(30, 12), (70, 12), (74, 88), (56, 88), (50, 36), (44, 88), (26, 88)],
    "shoes": [
        (14, 58),
        (18, 46),
        (34, 42),
        (48, 34),
        (60, 36),
        (66, 48),
        (86, 54),
        (90, 66),
        (86, 70),
        (14, 70),
    ],
    "bags": [(22, 34), (78, 34), (84, 86), (16, 86)],
    "accessories": [(20, 40), (80, 40), (84, 62), (50, 70), (16, 62)],
}


@lru_cache(maxsize=256)
def demo_image(*, category: str, colour: str) -> bytes:
    """A JPEG of an item of `category` in `colour` (a demo colour code)."""
    rgb = COLOUR_RGB.get(colour, (120, 120, 120))
    base = 236
    image = Image.new("RGB", (SIZE, SIZE), (base, base - 4, base - 10))
    draw = ImageDraw.Draw(image)
    for step in range(0, SIZE, 8):  # a light vertical gradient, like a studio backdrop
        shade = int(18 * step / SIZE)
        shade_rgb = (base - shade, base - 4 - shade, base - 10 - shade)
        draw.rectangle([0, step, SIZE, step + 8], fill=shade_rgb)
    outline = _scaled(SHAPES.get(category, SHAPES["bags"]))
    shadow = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(shadow).polygon([(x + 18, y + 24) for x, y in outline], fill=90)
    image.paste((90, 84, 76), mask=shadow.filter(ImageFilter.GaussianBlur(15)))
    draw = ImageDraw.Draw(image)
    edge = tuple(max(0, c - 40) for c in rgb)
    draw.polygon(outline, fill=rgb, outline=edge, width=6)
    if category == "bags":  # a handle
        draw.arc(_scaled([(34, 14), (66, 50)]), 180, 360, fill=edge, width=22)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()
