"""Pascal VOC: what the XML holds beyond boxes is reported, not dropped silently."""

from __future__ import annotations

from predhub.core import Box
from predhub.formats.base import ImportOptions, Record
from predhub.formats.registry import get_format

XML = """<annotation><filename>a.jpg</filename><object><name>person</name><difficult>1</difficult>
<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox>
<part><name>head</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></part>
</object></annotation>"""


def test_person_layout_parts_are_reported() -> None:
    (parsed,) = get_format("voc").parse(Record(0, XML), ImportOptions())
    (obj,) = parsed.label.objects
    assert obj.geometry == Box(0, 0, 5, 5) and obj.attributes == {"difficult": 1}
    assert parsed.warnings == [("object[0].part", "object parts are not kept")]
