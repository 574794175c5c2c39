import predhub.formats as formats
from predhub.formats import FORMAT_NAMES, get_format


def test_all_is_complete() -> None:
    public = {n for n in dir(formats) if not n.startswith("_")}
    modules = {
        "base",
        "fetch",
        "importing",
        "io",
        "ontologies",
        "registry",
        "raster",
        "brush",
        "plain_boxes",
        "json_rows",
        *FORMAT_NAMES,
    }
    assert public - modules == set(formats.__all__)


def test_every_format_is_registered_under_its_name() -> None:
    assert FORMAT_NAMES == (
        "labelbox",
        "labelstudio",
        "openlabel",
        "segments",
        "supervisely",
        "coco",
        "yolo",
        "voc",
    )
    for name in FORMAT_NAMES:
        assert get_format(name).name == name
