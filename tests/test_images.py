"""The image pipeline: pixels in, fresh small files out, nothing else kept, and hostile
files stopped by the pixel limit, the memory limit or the clock."""

from __future__ import annotations

import io
import os
import time

import embed_fakes as F
import pytest
from PIL import Image

from shareproxy import images
from shareproxy.imagework import dump, load, process_here

SECRETS = (b"SecretCam", b"Model X", b"private comment", b"secret text chunk", b"Exif", b"GPS")


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.fixture(scope="module")
def poster() -> images.Processed:
    return images.process(F.picture(1600, 900), "poster")


def test_every_encoding_is_bare_pixels(poster: images.Processed):
    assert set(poster.encodings) == {"avif", "webp", "jpg"}
    for ext, data in poster.encodings.items():
        for secret in SECRETS:
            assert secret not in data, (ext, secret)
        im = opened(data)
        assert im.format == {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}[ext]
        assert dict(im.getexif()) == {}
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(im.info)
        assert im.size == (poster.width, poster.height)


def test_posters_are_bounded(poster: images.Processed):
    assert (poster.width, poster.height) == (1280, 720)
    big = images.process(F.picture(4000, 3000, exif=False), "poster")
    assert big.width <= 1280 and big.height <= 720


def test_png_text_chunks_and_exif_are_dropped():
    out = images.process(F.picture(300, 200, "PNG"), "media")
    for data in out.encodings.values():
        for secret in SECRETS:
            assert secret not in data


def test_avatar_is_a_small_square():
    out = images.process(F.picture(640, 480), "avatar")
    assert (out.width, out.height) == (96, 96)


def test_letterboxed_thumbnail_is_cut_to_the_videos_shape():
    out = images.process(F.picture(480, 360, letterbox=True, exif=False), "poster", 16 / 9)
    assert abs(out.width / out.height - 16 / 9) < 0.02
    im = opened(out.encodings["jpg"]).convert("RGB")
    top = [im.getpixel((x, 3)) for x in range(0, im.width, 40)]
    assert all(sum(px) > 60 for px in top), top  # the black bar is gone


def test_exif_orientation_is_applied_before_it_is_dropped():
    im = Image.new("RGB", (400, 200), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes())
    out = process_here(buf.getvalue(), "media", None, 10_000_000)
    assert out.height > out.width


def test_transparency_keeps_a_png_fallback_and_opaque_alpha_does_not():
    clear = images.process(F.picture(200, 200, "PNG", alpha=True, exif=False), "avatar")
    assert clear.alpha and set(clear.encodings) == {"avif", "webp", "png"}
    assert opened(clear.encodings["png"]).mode == "RGBA"
    solid = Image.new("RGBA", (50, 50), (1, 2, 3, 255))
    buf = io.BytesIO()
    solid.save(buf, "PNG")
    out = process_here(buf.getvalue(), "avatar", None, 10_000_000)
    assert not out.alpha and "jpg" in out.encodings


def test_animation_keeps_its_first_frame():
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = process_here(buf.getvalue(), "media", None, 10_000_000)
    r, g, b = opened(out.encodings["jpg"]).convert("RGB").getpixel((32, 32))
    assert r > 200 and b < 60


def test_cmyk_becomes_rgb():
    buf = io.BytesIO()
    Image.new("CMYK", (80, 60), (0, 255, 255, 0)).save(buf, "JPEG")
    out = process_here(buf.getvalue(), "media", None, 10_000_000)
    assert opened(out.encodings["jpg"]).mode == "RGB"


def test_the_digest_names_the_pixels():
    a = process_here(F.picture(320, 180), "media", None, 10_000_000)
    b = process_here(F.picture(320, 180, exif=False), "media", None, 10_000_000)
    c = process_here(F.picture(320, 181), "media", None, 10_000_000)
    assert a.digest == b.digest  # metadata does not change what is shown
    assert a.digest != c.digest
    assert len(a.digest) == 32 and int(a.digest, 16) >= 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "format"),
        (b"<!doctype html><p>not an image", "format"),
        (b"", "format"),
        (F.picture(800, 600)[:2000], "decoded"),  # truncated
        (b"GIF89a" + b"\xff" * 64, "format|decoded"),
    ],
    ids=["svg", "html", "empty", "truncated", "garbage-gif"],
)
def test_what_is_not_an_accepted_image_is_refused(data: bytes, reason: str):
    with pytest.raises(images.BadImage, match=reason):
        images.process(data, "poster")


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = F.bomb_png(30_000)  # 900 megapixels in a few hundred kilobytes
    assert len(bomb) < 10_000
    started = time.monotonic()
    with pytest.raises(images.BadImage, match="pixels"):
        images.process(bomb, "poster")
    # decoding 900 MP would take far longer (and ~1 GB); the header check answers at once
    assert time.monotonic() - started < 5.0
    with pytest.raises(images.BadImage, match="beyond the limit"):
        process_here(F.bomb_png(9000), "poster", None, 40_000_000)


def _children() -> list[str]:
    me = str(os.getpid())
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = fh.read().rsplit(")", 1)[1].split()[1]
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().decode(errors="replace")
        except OSError:
            continue
        if ppid == me and "imagework" in cmd:
            out.append(entry)
    return out


def test_the_clock_stops_a_decoder_and_kills_it():
    limits = images.Limits(timeout=0.05)
    with pytest.raises(images.BadImage, match="longer than 0.05 s"):
        images.process(F.picture(1600, 900), "poster", limits=limits)
    assert _children() == []


def test_the_memory_ceiling_stops_a_decoder():
    # 36 megapixels, under the pixel limit: decoding needs about 108 MB for the pixels
    big = F.png_claiming(6000, 6000)
    limits = images.Limits(memory=96 * 1024 * 1024)
    with pytest.raises(images.BadImage, match="memory|stopped|could not"):
        images.process(big, "poster", limits=limits)


def test_the_wire_format_round_trips_and_refuses_damage(poster: images.Processed):
    again = load(dump(poster))
    assert again == poster
    with pytest.raises(images.BadImage, match="boom"):
        load(dump("boom"))
    with pytest.raises(images.BadImage):
        load(dump(poster)[:-10])
    with pytest.raises(images.BadImage):
        load(b"garbage")


def test_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        images.process(b"", "banner")
