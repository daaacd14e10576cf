"""Product pictures for tests: a small real JPEG, made with Pillow."""

import io

from PIL import Image

from shop.catalog.images import product_image_add


def jpeg_bytes(width: int = 900, height: int = 700, colour=(40, 60, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def add_picture(product, *, alt: str = "", width: int = 900, height: int = 700):
    return product_image_add(
        product=product,
        content=jpeg_bytes(width, height),
        filename=f"{product.slug}.jpg",
        alt=alt or f"{product.name} on a white background",
    )
