"""The demo's images: real photographs that ship inside scikit-image's wheel (``skimage/data``).

Nothing is downloaded: these files are part of the installed package (scikit-image is a dependency).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["DEMO_IMAGES", "DemoImage", "demo_images"]


@dataclass(frozen=True, slots=True)
class DemoImage:
    key: str  # the sample key: the file name in skimage/data
    path: Path
    credit: str


# (file, credit) - credits as the docstrings of skimage.data give them.
DEMO_IMAGES: tuple[tuple[str, str], ...] = (
    ("astronaut.png", "NASA: astronaut Eileen Collins (public domain)"),
    ("camera.png", "Lav Varshney: a man with a camera on a tripod (CC0)"),
    ("chelsea.png", "Stefan van der Walt: Chelsea the cat (CC0)"),
    ("coffee.png", "Rachel Michetti: a cup of coffee (CC0)"),
    ("motorcycle_left.png", "Middlebury stereo dataset 2014: a motorcycle in a garage"),
    ("rocket.jpg", "SpaceX: DSCOVR on a Falcon 9 on the launch pad (public domain)"),
)


def demo_images() -> list[DemoImage]:
    """The demo images with their paths in the installed scikit-image; raises if one is missing."""
    root = Path(str(resources.files("skimage") / "data"))
    images = [DemoImage(name, root / name, credit) for name, credit in DEMO_IMAGES]
    missing = [str(i.path) for i in images if not i.path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"scikit-image does not ship the demo images {missing}; reinstall scikit-image"
        )
    return images
