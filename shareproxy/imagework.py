"""The image work, run as a script in a child process by :mod:`shareproxy.images`.

``python -I imagework.py <role> <crop> <max_pixels> <memory> <cpu_seconds>`` applies its
memory and CPU-time limits to itself before it reads a byte, reads the source file on
standard input, and writes one JSON line followed by the encoded files on standard
output. It imports nothing but Pillow and the standard library, so it starts fast and
knows nothing of the server's settings or secrets.

The work: decode (JPEG, PNG, WebP, GIF, AVIF only; the first frame of an animation),
refuse more pixels than allowed before decoding any, turn upright by the EXIF
orientation, convert to sRGB, cut to an aspect ratio where asked (a letterboxed
thumbnail, a square avatar), shrink to the role's size and encode afresh from bare
pixels as AVIF, WebP and JPEG (PNG where there is transparency). Nothing of the source
file survives but its pixels: no EXIF, XMP, ICC profile, comment or trailing bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import resource
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where pixels are handled (in the child process), not at import: the
# server imports this module for the wire format and must not carry Pillow for it.

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")
MAX_SIDE = 16_384  # pixels on either side of a source image


@dataclass(frozen=True)
class Box:
    width: int
    height: int
    square: bool = False  # cut to a square first (avatars)


# What each role is shown at: twice its CSS size, for high-density screens.
ROLES: dict[str, Box] = {
    "poster": Box(1280, 720),
    "avatar": Box(96, 96, square=True),
    "media": Box(800, 800),
}


class BadImage(Exception):
    """The bytes are not an image we accept, or decoding went beyond a limit."""

    kind = "bad_image"


@dataclass(frozen=True)
class Processed:
    digest: str  # 32 hex digits: a hash of the pixels
    width: int
    height: int
    alpha: bool
    encodings: dict[str, bytes] = field(repr=False)  # extension -> file

    @property
    def fallback(self) -> str:
        """The extension every browser shows (jpg, or png with transparency)."""
        return "png" if self.alpha else "jpg"


def _to_srgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if im.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(im, source, target, outputMode=mode)
        return converted if converted is not None else im
    except Exception:  # a damaged or exotic profile: keep the pixels as they are
        return im


def crop_to(im: Image.Image, aspect: float) -> Image.Image:
    """The centre of ``im`` at ``aspect`` (width / height)."""
    w, h = im.size
    if aspect <= 0:
        return im
    if w / h > aspect + 0.01:
        new_w = max(1, round(h * aspect))
        left = (w - new_w) // 2
        return im.crop((left, 0, left + new_w, h))
    if w / h < aspect - 0.01:
        new_h = max(1, round(w / aspect))
        top = (h - new_h) // 2
        return im.crop((0, top, w, top + new_h))
    return im


def process_here(data: bytes, role: str, crop: float | None, max_pixels: int) -> Processed:
    """Decode ``data`` and re-encode it for ``role``, in this process."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    box = ROLES[role]
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as src:
            w, h = src.size
            if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE or w * h > max_pixels:
                raise BadImage(f"an image of {w}x{h} pixels is beyond the limit")
            if src.format == "JPEG":
                src.draft("RGB", (box.width, box.height))
            src.seek(0)
            src.load()
            im = ImageOps.exif_transpose(src) or src
            im = _to_srgb(im)
            alpha = im.mode in ("RGBA", "LA", "PA") or (
                im.mode == "P" and "transparency" in im.info
            )
            im = im.convert("RGBA" if alpha else "RGB")
    except BadImage:
        raise
    except Image.DecompressionBombError:
        raise BadImage("the image has more pixels than the limit") from None
    except UnidentifiedImageError:
        raise BadImage("not an image in an accepted format") from None
    except (OSError, ValueError, SyntaxError, EOFError, TypeError, IndexError, KeyError):
        raise BadImage("the image could not be decoded") from None
    if alpha and im.getchannel("A").getextrema() == (255, 255):
        im, alpha = im.convert("RGB"), False
    if box.square:
        im = crop_to(im, 1.0)
    elif crop:
        im = crop_to(im, crop)
    im.thumbnail((box.width, box.height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # Fresh pixels only: nothing of the source file's metadata can follow.
    bare = Image.frombytes(im.mode, im.size, im.tobytes())
    digest = hashlib.sha256(f"{bare.mode}:{bare.width}x{bare.height}:".encode())
    digest.update(bare.tobytes())
    encodings = {
        "avif": _encode(bare, "AVIF", quality=60, speed=8),
        "webp": _encode(bare, "WEBP", quality=80, method=4),
    }
    if alpha:
        encodings["png"] = _encode(bare, "PNG", optimize=True)
    else:
        encodings["jpg"] = _encode(bare, "JPEG", quality=82, optimize=True, progressive=True)
    return Processed(digest.hexdigest()[:32], bare.width, bare.height, alpha, encodings)


def _encode(im: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


# --- the wire format between the child and the server


def dump(result: Processed | str) -> bytes:
    if isinstance(result, str):
        return json.dumps({"ok": False, "error": result}).encode() + b"\n"
    names = list(result.encodings)
    head = {
        "ok": True,
        "digest": result.digest,
        "width": result.width,
        "height": result.height,
        "alpha": result.alpha,
        "files": [[name, len(result.encodings[name])] for name in names],
    }
    return json.dumps(head).encode() + b"\n" + b"".join(result.encodings[n] for n in names)


def load(raw: bytes) -> Processed:
    """Read the child's answer; BadImage for its error or anything unreadable."""
    line, _, rest = raw.partition(b"\n")
    try:
        head = json.loads(line)
        if not head.get("ok"):
            raise BadImage(str(head.get("error") or "the image could not be processed"))
        encodings: dict[str, bytes] = {}
        at = 0
        for name, size in head["files"]:
            encodings[str(name)] = rest[at : at + int(size)]
            at += int(size)
        if at != len(rest) or any(not body for body in encodings.values()):
            raise ValueError("sizes do not add up")
        return Processed(
            str(head["digest"]), int(head["width"]), int(head["height"]),
            bool(head["alpha"]), encodings,
        )  # fmt: skip
    except BadImage:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadImage("the decoder's answer is unreadable") from None


def main(argv: list[str]) -> int:
    role, crop, max_pixels, memory, cpu = argv
    resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
    resource.setrlimit(resource.RLIMIT_CPU, (int(cpu), int(cpu) + 1))
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = int(max_pixels)
    result: Processed | str
    try:
        data = sys.stdin.buffer.read()
        result = process_here(data, role, float(crop) or None, int(max_pixels))
    except BadImage as exc:
        result = str(exc)
    except MemoryError:
        result = "the image needs more memory than allowed"
    except Exception as exc:  # whatever a hostile file provokes: reported, not raised
        result = f"the image could not be processed ({type(exc).__name__})"
    sys.stdout.buffer.write(dump(result))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
