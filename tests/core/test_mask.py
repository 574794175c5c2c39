import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from predhub.core.mask import Mask


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 20), st.integers(1, 20))))
def test_rle_matches_pycocotools(array: np.ndarray) -> None:
    ours = Mask.from_array(array)
    theirs = coco_mask.encode(np.asfortranarray(array.astype(np.uint8)))
    assert ours.to_coco()["counts"] == theirs["counts"].decode()
    assert ours.area == int(coco_mask.area(theirs))
    assert np.array_equal(Mask.from_coco(theirs).to_array(), array)
    assert Mask.from_coco(ours.to_coco(compressed=False)) == ours


def test_bounds_are_pixel_edges() -> None:
    array = np.zeros((4, 6), bool)
    array[1, 2] = True
    box = Mask.from_array(array).bounds()
    assert (box.x0, box.y0, box.x1, box.y1) == (2, 1, 3, 2)
